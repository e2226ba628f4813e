# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class GdprRetentionPreviewWizard(models.TransientModel):
    _name = "gdpr.retention.preview.wizard"
    _description = "Preview Retention"

    as_of = fields.Datetime(
        string="Reference Date",
        required=True,
        default=fields.Datetime.now,
        help="Who would be processed on this date: pick a future date to see "
        "what is coming.",
    )

    def action_preview(self):
        """A dry run: lists who would be processed, by which purpose and
        action, changing nothing."""
        self.ensure_one()
        return self.env["gdpr.retention.run"]._gdpr_preview(self.as_of)._gdpr_open()
