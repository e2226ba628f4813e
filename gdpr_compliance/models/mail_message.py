# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL

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

    def _gdpr_kept_by_law(self):
        """The messages another law forbids deleting: with Invoicing's
        restricted audit trail on (Italy: art. 2220 of the civil code and the
        anti-fraud rules on accounting records), Odoo refuses to delete the
        logs of invoiced contacts and of posted entries. Erasure keeps them,
        without the person's data (Art. 17(3)(b) GDPR)."""
        if "account_audit_log_activated" not in self._fields:
            return self.browse()
        return self.sudo().filtered("account_audit_log_activated").with_env(self.env)

    def _gdpr_anonymise_in_place(self):
        """Keep the log entries (what changed, when, by which user) and drop
        whom they were about: no author, no address, no text, no old or new
        values. In SQL: Odoo's audit trail refuses any change through the
        ORM, and this one is the one the law asks for."""
        if not self:
            return
        self.env.flush_all()
        marker = self.env._("Personal data erased (Art. 17 GDPR).")
        self.env.cr.execute(
            SQL(
                """
                UPDATE mail_message
                   SET author_id = NULL, email_from = NULL, reply_to = NULL,
                       subject = NULL,
                       body = CASE WHEN coalesce(body, '') = '' THEN body
                                   ELSE %s END
                 WHERE id = ANY(%s)
                """,
                f"<p>{marker}</p>",
                self.ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mail_tracking_value
                   SET old_value_char = NULL, new_value_char = NULL,
                       old_value_text = NULL, new_value_text = NULL,
                       old_value_integer = NULL, new_value_integer = NULL,
                       old_value_float = NULL, new_value_float = NULL,
                       old_value_datetime = NULL, new_value_datetime = NULL
                 WHERE mail_message_id = ANY(%s)
                """,
                self.ids,
            )
        )
        self.invalidate_recordset()
        self.env["mail.tracking.value"].invalidate_model()

    @api.model
    def _gdpr_clear_for_erasure(self, partners, scope):
        """Erasure of the ``partners`` (``scope``: see
        ``gdpr.erasure._gdpr_scope``). Chatter of the person's records goes;
        on other records, what they wrote loses its author and address (the
        sweep then removes their identifiers from the text)."""
        cr = self.env.cr
        Erasure = self.env["gdpr.erasure"]
        on_scope = Erasure._gdpr_scope_condition(scope, SQL("model"), SQL("res_id"))
        cr.execute(SQL("SELECT id FROM mail_message WHERE %s", on_scope))
        message_ids = [row[0] for row in cr.fetchall()]
        messages = self.env["mail.message"].browse(message_ids)
        kept = messages._gdpr_kept_by_law()
        kept._gdpr_anonymise_in_place()
        (messages - kept).unlink()
        cr.execute(
            SQL(
                """
                UPDATE mail_message
                   SET author_id = NULL, email_from = NULL, reply_to = NULL
                 WHERE author_id = ANY(%s)
                """,
                partners.ids,
            )
        )
        cr.execute(
            SQL(
                "DELETE FROM mail_message_res_partner_rel "
                "WHERE res_partner_id = ANY(%s)",
                partners.ids,
            )
        )
        cr.execute(
            SQL(
                "DELETE FROM mail_notification WHERE res_partner_id = ANY(%s)",
                partners.ids,
            )
        )
        mails = self.env["mail.mail"].search([("recipient_ids", "in", partners.ids)])
        mails.unlink()
        self.env["mail.followers"].search(
            [
                "|",
                ("partner_id", "in", partners.ids),
                *Erasure._gdpr_scope_domain(scope),
            ]
        ).unlink()
        self.env["mail.activity"].search(Erasure._gdpr_scope_domain(scope)).unlink()
