# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class MailingContact(models.Model):
    _inherit = "mailing.contact"

    gdpr_last_interaction = fields.Datetime(
        string="Last Interaction",
        index=True,
        readonly=True,
        copy=False,
        help="Last open, click or reply of this contact to a mailing, or its "
        "subscription. Marketing retention runs from this date.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._gdpr_check_not_erased([vals.get("email") for vals in vals_list])
        contacts = super().create(vals_list)
        contacts._gdpr_new_subscriptions()
        return contacts

    def write(self, vals):
        if vals.get("email"):
            self._gdpr_check_not_erased([vals["email"]])
        result = super().write(vals)
        if "list_ids" in vals or "subscription_ids" in vals:
            self._gdpr_new_subscriptions()
        return result

    def _gdpr_new_subscriptions(self):
        """Subscriptions written through the contact's lists bypass the
        subscription model: give them their double opt-in state and link."""
        if not self:
            return
        self.env.flush_all()
        state = (
            "confirmed"
            if self.env.context.get("gdpr_subscription_confirmed")
            else "pending"
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mailing_subscription SET gdpr_confirmation_state = %s
                 WHERE contact_id = ANY(%s) AND gdpr_confirmation_state IS NULL
             RETURNING id
                """,
                state,
                self.ids,
            )
        )
        new_ids = [row[0] for row in self.env.cr.fetchall()]
        subscriptions = self.env["mailing.subscription"].browse(new_ids)
        subscriptions.invalidate_recordset()
        self.invalidate_recordset(["subscription_ids"])
        subscriptions._gdpr_send_confirmations()

    @api.model
    def _gdpr_check_not_erased(self, emails):
        """An erased person's address may not come back through an import or
        a subscription: only its keyed hash is known, which is enough."""
        erased = self.env["gdpr.suppression"]._gdpr_suppressed(
            [email for email in emails if email], reasons=["erased"]
        )
        if erased:
            raise ValidationError(
                self.env._(
                    "%(count)s address(es) belong to people whose data were erased "
                    "at their request: they cannot be added to mailing lists again.",
                    count=len(erased),
                )
            )

    def _gdpr_touch_interaction(self, when=None):
        """Same forward-only rule as for partners."""
        self.env["res.partner"]._gdpr_touch_rows(self, when)

    def _gdpr_record_consent(
        self, purpose, action, channel, notice=None, evidence=None, **kwargs
    ):
        """Record a consent given on a mailing list: on the partner with the
        same address when there is one, else on the mailing contact."""
        self.ensure_one()
        partner = (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", self.email_normalized)], limit=1)
            if self.email_normalized
            else self.env["res.partner"]
        )
        return self.env["gdpr.consent.event"]._gdpr_record_for(
            self,
            partner,
            purpose,
            action,
            channel,
            notice=notice,
            evidence=evidence,
            **kwargs,
        )
