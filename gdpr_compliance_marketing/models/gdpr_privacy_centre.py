# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.gdpr_compliance.models.gdpr_public_input import PublicInputError

from .mail_blacklist import NOT_OBJECTION_KEY


class GdprPrivacyCentre(models.AbstractModel):
    """The person's mailing lists on their privacy centre: leaving one is an
    objection to that list's topic, joining one goes through double opt-in,
    and stopping all marketing is a global objection (Art. 21) that puts the
    address on the suppression list."""

    _inherit = "gdpr.privacy.centre"

    @api.model
    def _gdpr_subscriptions(self, partner):
        return (
            self.env["mailing.subscription"]
            .sudo()
            .search([("contact_id.email_normalized", "=", partner.email_normalized)])
        )

    @api.model
    def _gdpr_lists(self, partner):
        """The lists the person is on (subscribed, waiting for confirmation,
        left) and the public ones they may join."""
        subscriptions = self._gdpr_subscriptions(partner)
        rows = {}
        for subscription in subscriptions.sorted("id"):
            if subscription.opt_out:
                state = "left"
            elif subscription.gdpr_confirmation_state == "pending":
                state = "pending"
            else:
                state = "subscribed"
            # the same list through two mailing contacts: being on it wins
            current = rows.get(subscription.list_id)
            if not current or current["state"] == "left":
                rows[subscription.list_id] = {
                    "list": subscription.list_id,
                    "state": state,
                }
        public = (
            self.env["mailing.list"]
            .sudo()
            .search([("is_public", "=", True), ("active", "=", True)])
        )
        for mailing_list in public - subscriptions.list_id:
            rows[mailing_list] = {"list": mailing_list, "state": "none"}
        return sorted(rows.values(), key=lambda row: row["list"].name or "")

    @api.model
    def _gdpr_list_of(self, partner, list_id):
        try:
            list_id = int(list_id)
        except (TypeError, ValueError):
            list_id = 0
        for row in self._gdpr_lists(partner):
            if row["list"].id == list_id:
                return row
        raise PublicInputError(self.env._("This mailing list is unknown."))

    @api.model
    def _gdpr_leave_list(self, partner, list_id):
        """Art. 21 for one topic: the person leaves the list, with an
        objection to that list (channel "privacy centre") as evidence."""
        row = self._gdpr_list_of(partner, list_id)
        subscriptions = self._gdpr_subscriptions(partner).filtered(
            lambda sub: sub.list_id == row["list"] and not sub.opt_out
        )
        if not subscriptions:
            return self.env["gdpr.objection"]
        subscriptions.with_context(**{NOT_OBJECTION_KEY: True}).write({"opt_out": True})
        return self.env["gdpr.objection"]._gdpr_register(
            partner.email_normalized, "privacy_centre", mailing_list=row["list"]
        )

    @api.model
    def _gdpr_join_list(self, partner, list_id):
        """Joining a list (again) is confirmed from the mailbox (double
        opt-in); until then nothing is mailed."""
        row = self._gdpr_list_of(partner, list_id)
        if row["state"] in ("subscribed", "pending"):
            return self.env["mailing.subscription"]
        if row["state"] == "none" and not row["list"].is_public:
            raise PublicInputError(self.env._("This mailing list is unknown."))
        partner = partner.sudo()
        Contact = self.env["mailing.contact"].sudo()
        contact = Contact.search(
            [("email_normalized", "=", partner.email_normalized)],
            order="id desc",
            limit=1,
        )
        if not contact:
            contact = Contact.create([{"name": partner.name, "email": partner.email}])
        Subscription = self.env["mailing.subscription"].sudo()
        subscription = Subscription.search(
            [("contact_id", "=", contact.id), ("list_id", "=", row["list"].id)],
            limit=1,
        )
        if subscription:
            subscription.write(
                {
                    "opt_out": False,
                    "gdpr_confirmation_state": "pending",
                    "gdpr_confirmation_sent": False,
                }
            )
            subscription.with_context(lang=partner.lang)._gdpr_send_confirmations()
        else:
            subscription = Subscription.with_context(lang=partner.lang).create(
                [{"contact_id": contact.id, "list_id": row["list"].id}]
            )
        return subscription

    @api.model
    def _gdpr_stop_marketing(self, partner, ip=None, user_agent=None):
        """A global objection first: it withdraws the marketing consent with
        itself as evidence and suppresses the address; the other purposes
        follow."""
        self.env["gdpr.objection"]._gdpr_register(
            partner.email_normalized, "privacy_centre"
        )
        return super()._gdpr_stop_marketing(partner, ip=ip, user_agent=user_agent)
