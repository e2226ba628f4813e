# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
import time

from werkzeug.urls import url_encode

from odoo import api, fields, models

from odoo.addons.gdpr_compliance.models.gdpr_public_input import PublicInputError

from .mail_blacklist import NOT_OBJECTION_KEY

CONFIRMED_KEY = "gdpr_subscription_confirmed"
TOKEN_SCOPE = "gdpr_compliance_marketing.double_opt_in"
# the link's three parameters: subscription id, expiry (Unix time), signature
LINK_PATTERN = re.compile(r"([1-9][0-9]{0,9}):([0-9]{1,12}):([0-9a-f]{64})")


class MailingSubscription(models.Model):
    _inherit = "mailing.subscription"

    gdpr_confirmation_state = fields.Selection(
        selection=[("pending", "Waiting for confirmation"), ("confirmed", "Confirmed")],
        string="Double Opt-in",
        index=True,
        copy=False,
        help="A new subscription is mailed only once the person confirmed it "
        "through the link sent to their address.",
    )
    gdpr_confirmation_sent = fields.Datetime(string="Confirmation Sent", copy=False)
    gdpr_confirmation_date = fields.Datetime(string="Confirmed On", copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        confirmed = self.env.context.get(CONFIRMED_KEY)
        for vals in vals_list:
            vals.setdefault(
                "gdpr_confirmation_state", "confirmed" if confirmed else "pending"
            )
        subscriptions = super().create(vals_list)
        subscriptions.filtered("opt_out")._gdpr_register_objections()
        subscriptions._gdpr_send_confirmations()
        return subscriptions

    # ------------------------------------------------------------------
    # Double opt-in
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_confirmation_days(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("gdpr_compliance_marketing.double_opt_in_days", "7")
        )
        try:
            return max(int(value), 1)
        except ValueError:
            return 7

    def _gdpr_token(self, expires):
        self.ensure_one()
        message = f"{self.id}:{self.contact_id.email_normalized}:{expires}"
        return self.env["gdpr.public.input"]._gdpr_sign(TOKEN_SCOPE, message)

    def _gdpr_confirmation_url(self):
        self.ensure_one()
        expires = int(time.time()) + self._gdpr_confirmation_days() * 86400
        params = {"sid": self.id, "exp": expires, "token": self._gdpr_token(expires)}
        return f"{self.get_base_url()}/gdpr/subscription/confirm?{url_encode(params)}"

    def _gdpr_pending(self):
        return self.filtered(
            lambda sub: (
                sub.gdpr_confirmation_state != "confirmed"
                and not sub.opt_out
                and sub.contact_id.email_normalized
            )
        )

    def _gdpr_confirmation_lang(self):
        """The language of the confirmation email: the person's when the
        address belongs to a contact, else the one the subscription was made
        in (a visitor's browser, a marketer's interface)."""
        self.ensure_one()
        return self.contact_id.gdpr_partner_id.lang or self.env.lang

    def _gdpr_send_confirmations(self):
        """Mail each pending subscription its signed, expiring link, in the
        person's language."""
        subscriptions = (
            self.sudo()
            ._gdpr_pending()
            .filtered(lambda sub: not sub.gdpr_confirmation_sent)
        )
        if not subscriptions:
            return
        # the contact's person is kept by the database: read it once written
        self.env.flush_all()
        subscriptions.contact_id.invalidate_recordset(["gdpr_partner_id"])
        for subscription in subscriptions:
            url = subscription._gdpr_confirmation_url()
            lang_env = subscription.with_context(
                lang=subscription._gdpr_confirmation_lang()
            ).env
            body = lang_env._(
                "<p>Hello,</p><p>please confirm that you want to receive "
                "%(list)s from %(company)s:</p>"
                '<p><a href="%(url)s">Confirm my subscription</a></p>'
                "<p>If you did not ask for it, ignore this message: you will not "
                "receive anything.</p>",
                list=subscription.list_id.name,
                company=self.env.company.name,
                url=url,
            )
            person = subscription.contact_id.gdpr_partner_id
            if person:
                # where the person sees and changes every consent later on
                body += lang_env._(
                    '<p><a href="%(url)s">Manage your consents and your data</a></p>',
                    url=self.env["gdpr.privacy.centre"]._gdpr_url(person),
                )
            self.env["mail.mail"].sudo().create(
                {
                    "subject": lang_env._(
                        "Confirm your subscription to %(list)s",
                        list=subscription.list_id.name,
                    ),
                    "body_html": body,
                    "email_to": subscription.contact_id.email,
                    "email_from": self.env.company.email_formatted
                    or self.env.user.email_formatted,
                    "auto_delete": True,
                }
            )
            subscription.gdpr_confirmation_sent = fields.Datetime.now()

    @api.model
    def _gdpr_subscription_from_link(self, sid, expires, token):
        """The subscription a confirmation link names, when the link is well
        formed (400), authentic (403), still pending (409) and not expired
        (410); otherwise a PublicInputError with that status."""
        Input = self.env["gdpr.public.input"]
        sid, expires, token = Input._gdpr_check_token_format(
            ":".join(
                str(value) if isinstance(value, str | int) else ""
                for value in (sid, expires, token)
            ),
            LINK_PATTERN,
        )
        subscription = self.sudo().browse(int(sid))
        if (
            int(sid) > 2**31 - 1
            or not subscription.exists()
            or not Input._gdpr_signature_matches(
                subscription._gdpr_token(int(expires)), token
            )
        ):
            raise PublicInputError(self.env._("This link is not valid."), status=403)
        if subscription.gdpr_confirmation_state == "confirmed":
            raise PublicInputError(
                self.env._("This subscription is already confirmed: nothing changed."),
                status=409,
            )
        if subscription.opt_out:
            raise PublicInputError(
                self.env._(
                    "You left this list since the link was sent: nothing changed. "
                    "Subscribe again to receive it."
                ),
                status=409,
            )
        if int(expires) < time.time():
            raise PublicInputError(
                self.env._(
                    "This link has expired: nothing changed. Subscribe again to "
                    "receive a new link."
                ),
                status=410,
            )
        return subscription

    @api.model
    def _gdpr_confirm_from_link(self, sid, expires, token, ip=None, user_agent=None):
        """Check a confirmation link and confirm; a PublicInputError tells why
        a link is refused, and nothing changes then."""
        subscription = self._gdpr_subscription_from_link(sid, expires, token)
        subscription._gdpr_confirm(ip=ip, user_agent=user_agent)
        return subscription

    def _gdpr_confirm(self, ip=None, user_agent=None):
        """Confirmed: mailable, with a consent event proving how."""
        for subscription in self.sudo():
            if subscription.gdpr_confirmation_state == "confirmed":
                continue
            subscription.write(
                {
                    "gdpr_confirmation_state": "confirmed",
                    "gdpr_confirmation_date": fields.Datetime.now(),
                }
            )
            subscription.contact_id._gdpr_record_consent(
                "marketing",
                "given",
                "double_opt_in",
                evidence=self.env._(
                    "Subscription to %(list)s confirmed through the link sent to "
                    "%(email)s",
                    list=subscription.list_id.name,
                    email=subscription.contact_id.email_normalized,
                ),
                ip=ip,
                user_agent=user_agent,
            )

    @api.model
    def _cron_gdpr_unconfirmed(self):
        """Subscriptions never confirmed go to the suppression list."""
        limit = fields.Datetime.subtract(
            fields.Datetime.now(), days=self._gdpr_confirmation_days()
        )
        stale = self.sudo().search(
            [
                ("gdpr_confirmation_state", "=", "pending"),
                ("opt_out", "=", False),
                ("gdpr_confirmation_sent", "<", limit),
            ]
        )
        Suppression = self.env["gdpr.suppression"]
        for subscription in stale:
            Suppression._gdpr_suppress(
                subscription.contact_id.email_normalized,
                "unconfirmed",
                note=self.env._(
                    "Subscription to %(list)s not confirmed",
                    list=subscription.list_id.name,
                ),
            )
        stale.with_context(**{NOT_OBJECTION_KEY: True}).write({"opt_out": True})
        return len(stale)

    def write(self, vals):
        opting_out = (
            self.filtered(lambda sub: not sub.opt_out)
            if vals.get("opt_out") or vals.get("opt_out_datetime")
            else self.browse()
        )
        result = super().write(vals)
        opting_out.filtered("opt_out")._gdpr_register_objections()
        if vals.get("opt_out_reason_id"):
            for subscription in self:
                subscription._gdpr_objection()._gdpr_set_reason(
                    subscription.opt_out_reason_id.name
                )
        return result

    def _gdpr_objection(self):
        self.ensure_one()
        return (
            self.env["gdpr.objection"]
            .sudo()
            .search(
                [
                    ("email_normalized", "=", self.contact_id.email_normalized),
                    ("list_id", "=", self.list_id.id),
                ],
                limit=1,
            )
        )

    def _gdpr_register_objections(self):
        """Opting out of a list objects to that list's topic only (SPEC)."""
        if self.env.context.get(NOT_OBJECTION_KEY):
            return
        for subscription in self:
            self.env["gdpr.objection"]._gdpr_register(
                subscription.contact_id.email,
                "backend_optout",
                mailing_list=subscription.list_id,
                reason=subscription.opt_out_reason_id.name or None,
            )
