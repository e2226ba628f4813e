# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ResPartnerBank(models.Model):
    """A bank account's number is financial data: a role that may not see it
    finds it hidden in the views, and the account named by its bank and
    holder instead of its number (Odoo names an account by its number)."""

    _name = "res.partner.bank"
    _inherit = ["res.partner.bank", "gdpr.field.access.mixin"]

    @api.depends_context("uid")
    def _compute_display_name(self):
        hidden = self.env["gdpr.field.guard"]._hidden_fields_for_display(self)
        if "acc_number" not in hidden:
            return super()._compute_display_name()
        for account in self:
            account.display_name = " - ".join(
                part
                for part in (
                    account.bank_id.name,
                    account.acc_holder_name or account.partner_id.name,
                )
                if part
            ) or self.env._("Bank account")
        return None
