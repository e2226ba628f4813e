# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# Emails are exchanges with the person whatever their subtype; comments only
# when they are not internal notes. Notifications are Odoo's own logs.
EMAIL_MESSAGE_TYPES = ("email", "email_outgoing")


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        messages._gdpr_touch_last_interaction()
        return messages

    def _gdpr_interaction_messages(self):
        """Messages exchanged with people: emails and discussions, not internal
        notes nor Odoo's notifications."""
        return self.filtered(
            lambda message: (
                message.message_type in EMAIL_MESSAGE_TYPES
                or (
                    message.message_type == "comment"
                    and not message.is_internal
                    and not (message.subtype_id and message.subtype_id.internal)
                )
            )
        )

    def _gdpr_touch_last_interaction(self):
        """Move the last interaction of the people a message is from, to, or
        about (their contact record or their leads) to the message date."""
        by_date = {}
        for message in self.sudo()._gdpr_interaction_messages():
            partners = message.author_id | message.partner_ids
            if message.model == "res.partner" and message.res_id:
                partners |= self.env["res.partner"].browse(message.res_id)
            elif message.model == "crm.lead" and message.res_id:
                partners |= (
                    self.env["crm.lead"].sudo().browse(message.res_id).partner_id
                )
            by_date.setdefault(message.date, self.env["res.partner"])
            by_date[message.date] |= partners
        for date, partners in by_date.items():
            partners._gdpr_touch_interaction(date)
