# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class GdprRetentionRunLine(models.Model):
    _inherit = "gdpr.retention.run.line"

    res_model = fields.Selection(
        selection_add=[("mailing.contact", "Mailing contact")],
        ondelete={"mailing.contact": "cascade"},
    )
    mailing_contact_id = fields.Many2one(
        comodel_name="mailing.contact",
        index=True,
        ondelete="set null",
    )

    def _gdpr_subject_id(self):
        if self.res_model == "mailing.contact":
            return self.mailing_contact_id.id
        return super()._gdpr_subject_id()
