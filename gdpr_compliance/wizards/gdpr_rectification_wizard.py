# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.base.models.res_partner import _lang_get


class GdprRectificationWizard(models.TransientModel):
    """Collects the corrected values; res.partner._gdpr_rectify applies them
    and logs old and new values in the audit log."""

    _name = "gdpr.rectification.wizard"
    _description = "Rectify Personal Data"

    request_id = fields.Many2one(comodel_name="gdpr.request", ondelete="cascade")
    partner_id = fields.Many2one(
        comodel_name="res.partner", required=True, ondelete="cascade"
    )
    name = fields.Char(required=True)
    email = fields.Char()
    phone = fields.Char()
    mobile = fields.Char()
    street = fields.Char()
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    state_id = fields.Many2one(
        comodel_name="res.country.state",
        domain="[('country_id', '=?', country_id)]",
    )
    country_id = fields.Many2one(comodel_name="res.country")
    function = fields.Char(string="Job Position")
    lang = fields.Selection(selection=_lang_get, string="Language")

    @api.model
    def _gdpr_open_for(self, request):
        partner = request.partner_id
        values = {"request_id": request.id, "partner_id": partner.id}
        for name in self.env["res.partner"]._gdpr_rectifiable_fields():
            value = partner[name]
            values[name] = value.id if self._fields[name].type == "many2one" else value
        wizard = self.create([values])
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Rectify personal data"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        self.ensure_one()
        vals = {}
        for name in self.env["res.partner"]._gdpr_rectifiable_fields():
            value = self[name]
            vals[name] = value.id if self._fields[name].type == "many2one" else value
        self.partner_id._gdpr_rectify(vals, request=self.request_id)
        if self.request_id:
            self.request_id.with_context(gdpr_rectified=True)._gdpr_process()
        return {"type": "ir.actions.act_window_close"}
