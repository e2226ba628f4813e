# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize

from odoo.addons.base.models.res_partner import _lang_get

from .gdpr_public_input import NAME_MAX_LENGTH, PublicInputError
from .gdpr_request import REQUEST_TYPE_SELECTION

# What a person may ask from the public page; the others need a dialogue.
PUBLIC_REQUEST_TYPES = ("access", "erasure", "objection")
TOKEN_SCOPE = "gdpr_compliance.request_link"
# <link id>.<expiry, Unix time>.<HMAC-SHA256 in hex>
TOKEN_PATTERN = re.compile(r"([1-9][0-9]{0,9})\.([0-9]{1,12})\.([0-9a-f]{64})")


class GdprRequestLink(models.Model):
    """A request asked on the public page, waiting for the person to confirm
    it from the mailbox it names: no request exists for an address nobody
    confirmed. Kept a few days, then purged."""

    _name = "gdpr.request.link"
    _description = "Data-Subject Request Confirmation Link"
    _order = "id desc"

    email = fields.Char(required=True, readonly=True)
    email_key = fields.Char(readonly=True, index=True)
    requester_name = fields.Char(readonly=True)
    request_type = fields.Selection(
        selection=REQUEST_TYPE_SELECTION, required=True, readonly=True
    )
    lang = fields.Char(readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True, index=True)
    expires_at = fields.Datetime(required=True, readonly=True)
    confirmed_date = fields.Datetime(readonly=True)
    request_id = fields.Many2one(
        comodel_name="gdpr.request", readonly=True, ondelete="set null"
    )

    @api.model
    def _gdpr_param(self, key, default):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"gdpr_compliance.request_link_{key}", default)
        )
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    @api.model
    def _gdpr_email_key(self, email):
        return self.env["gdpr.public.input"]._gdpr_sign(
            f"{TOKEN_SCOPE}.email", email_normalize(email)
        )

    @api.model
    def _gdpr_check_rate(self, email_key, ip_address):
        """At most N links per address a day and M per IP address an hour:
        the page cannot be used to flood someone's mailbox."""
        self.env["gdpr.public.input"]._gdpr_check_rate(
            self,
            email_key,
            ip_address,
            self._gdpr_param("max_per_email", 3),
            self._gdpr_param("max_per_ip", 10),
        )

    @api.model
    def _gdpr_check_input(self, email, request_type, name):
        """What the page received, as typed, or a PublicInputError: one
        valid address, a bounded name without markup, a type of the list."""
        Input = self.env["gdpr.public.input"]
        if request_type not in PUBLIC_REQUEST_TYPES:
            raise PublicInputError(self.env._("Choose what you are asking for."))
        return (
            Input._gdpr_check_email(email),
            request_type,
            Input._gdpr_check_text(name, self.env._("Name"), NAME_MAX_LENGTH),
        )

    @api.model
    def _gdpr_issue(self, email, request_type, name=None, ip_address=None, lang=None):
        """Validate what the page received and queue a confirmation link to
        the address exactly as typed. Raises PublicInputError on bad input
        or too many attempts, before anything is written."""
        email, request_type, name = self._gdpr_check_input(email, request_type, name)
        email_key = self._gdpr_email_key(email)
        self._gdpr_check_rate(email_key, ip_address)
        self._gdpr_purge()
        hours = self._gdpr_param("hours", 24)
        link = self.sudo().create(
            [
                {
                    "email": email,
                    "email_key": email_key,
                    "requester_name": name,
                    "request_type": request_type,
                    "lang": lang or False,
                    "ip_address": ip_address or False,
                    "expires_at": fields.Datetime.now() + timedelta(hours=hours),
                }
            ]
        )
        template = self.env.ref(
            "gdpr_compliance.gdpr_request_link_mail_template"
        ).sudo()
        # queued: the page answers at once, the mail server's delays and
        # errors are the mail queue's business
        template.with_context(confirm_url=link._gdpr_confirm_url()).send_mail(
            link.id, email_values={"email_to": link.email, "auto_delete": True}
        )
        return link

    def _gdpr_token_signature(self, payload):
        return self.env["gdpr.public.input"]._gdpr_sign(TOKEN_SCOPE, payload)

    def _gdpr_token(self):
        self.ensure_one()
        payload = f"{self.id}.{int(self.expires_at.timestamp())}"
        return f"{payload}.{self._gdpr_token_signature(payload)}"

    def _gdpr_confirm_url(self):
        """The link mailed to the address; the page it opens speaks the
        language the request was made in."""
        params = {"token": self._gdpr_token()}
        if self.lang:
            params["lang"] = self.lang
        return f"{self.get_base_url()}/privacy/request/confirm?{url_encode(params)}"

    @api.model
    def _gdpr_link_from_token(self, token):
        """The link a token names, when it is well formed (400), authentic
        (403), not used yet (409) and not expired (410); otherwise a
        PublicInputError with that status."""
        Input = self.env["gdpr.public.input"]
        link_id, expires, signature = Input._gdpr_check_token_format(
            token, TOKEN_PATTERN
        )
        expected = self._gdpr_token_signature(f"{link_id}.{expires}")
        link = self.sudo().browse(int(link_id))
        if (
            not Input._gdpr_signature_matches(expected, signature)
            or int(link_id) > 2**31 - 1
            or not link.exists()
            or int(link.expires_at.timestamp()) != int(expires)
        ):
            raise PublicInputError(self.env._("This link is not valid."), status=403)
        if link.confirmed_date:
            raise PublicInputError(
                self.env._(
                    "This link was already used: your request is registered "
                    "and nothing more was done."
                ),
                status=409,
            )
        if fields.Datetime.now() > link.expires_at:
            raise PublicInputError(
                self.env._("This link has expired: please make your request again."),
                status=410,
            )
        return link

    @api.model
    def _gdpr_confirm(self, token):
        """Create the request a valid link stands for, verified by the
        address that opened the link; a link serves once."""
        link = self._gdpr_link_from_token(token)
        # the only writer of this row from here on: two clicks at once give
        # one request, the second one is told the link was used
        self.env.cr.execute(
            SQL("SELECT id FROM gdpr_request_link WHERE id = %s FOR UPDATE", link.id)
        )
        link.invalidate_recordset()
        link = self._gdpr_link_from_token(token)
        partner = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("email_normalized", "=", email_normalize(link.email)),
                    ("is_company", "=", False),
                ]
            )
        )
        Request = self.env["gdpr.request"].sudo()
        request = Request.create(
            [
                {
                    "request_type": link.request_type,
                    "channel": "web",
                    "partner_id": partner.id if len(partner) == 1 else False,
                    "requester_name": link.requester_name
                    or (partner.name if len(partner) == 1 else False),
                    "requester_email": link.email,
                    "lang": link.lang
                    if link.lang in dict(_lang_get(Request))
                    else False,
                    "user_id": Request._gdpr_default_responsible().id,
                }
            ]
        )
        request._gdpr_verify_identity("email_link", confirmed_email=link.email)
        link.write({"confirmed_date": fields.Datetime.now(), "request_id": request.id})
        return request

    @api.model
    def _cron_gdpr_purge(self):
        self._gdpr_purge()

    @api.model
    def _gdpr_purge(self):
        """Links older than a week go: they hold an address nobody may have
        confirmed."""
        self.sudo().search(
            [("create_date", "<", fields.Datetime.now() - timedelta(days=7))]
        ).unlink()
