# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class GdprRequestExtendWizard(models.TransientModel):
    _name = "gdpr.request.extend.wizard"
    _description = "Extend a Data-Subject Request Deadline"

    request_id = fields.Many2one(
        comodel_name="gdpr.request", required=True, ondelete="cascade"
    )
    months = fields.Selection(
        selection=[("1", "One month"), ("2", "Two months")],
        required=True,
        default="1",
    )
    reason = fields.Text(
        required=True,
        help="Sent to the requester: why the request needs more time "
        "(its complexity, the number of requests).",
    )

    def action_confirm(self):
        self.ensure_one()
        self.request_id._gdpr_extend(int(self.months), self.reason)
        return {"type": "ir.actions.act_window_close"}
