# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class GdprRequestHandlerWizard(models.TransientModel):
    """Collects the users the DPO appoints to handle data-subject requests;
    res.users._gdpr_set_request_handlers applies and audits the change."""

    _name = "gdpr.request.handler.wizard"
    _description = "Appoint Request Handlers"

    user_ids = fields.Many2many(
        comodel_name="res.users",
        string="Request Handlers",
        domain=[("share", "=", False)],
        default=lambda self: self.env["res.users"]._gdpr_request_handlers(),
        help="Besides the Data Protection Officers, these users verify "
        "identities, carry out and answer data-subject requests.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.env["res.users"]._gdpr_set_request_handlers(self.user_ids)
        return {"type": "ir.actions.act_window_close"}
