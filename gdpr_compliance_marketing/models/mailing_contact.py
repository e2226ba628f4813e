# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
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

    def _gdpr_touch_interaction(self, when=None):
        """Same rule as for partners: forward only, plain SQL (the person
        opening a mailing is the public user)."""
        if not self.ids:
            return
        when = when or fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                UPDATE mailing_contact
                   SET gdpr_last_interaction = %(when)s
                 WHERE id = ANY(%(ids)s)
                   AND (gdpr_last_interaction IS NULL
                        OR gdpr_last_interaction < %(when)s)
                """,
                when=when,
                ids=self.ids,
            )
        )
        self.invalidate_recordset(["gdpr_last_interaction"])
