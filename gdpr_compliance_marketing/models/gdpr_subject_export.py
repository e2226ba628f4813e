# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class GdprSubjectExport(models.AbstractModel):
    _inherit = "gdpr.subject.export"

    @api.model
    def _gdpr_personal_data(self, partner):
        """The person's mailing-list subscriptions (by address) too."""
        data = super()._gdpr_personal_data(partner)
        if not partner.email_normalized:
            return data
        subscriptions = (
            self.env["mailing.subscription"]
            .sudo()
            .search([("contact_id.email_normalized", "=", partner.email_normalized)])
        )
        data["subscriptions"] = [
            {
                "list": subscription.list_id.name,
                "email": subscription.contact_id.email or False,
                "subscribed": fields.Datetime.to_string(subscription.create_date),
                "opted_out": subscription.opt_out,
            }
            for subscription in subscriptions
        ]
        return data
