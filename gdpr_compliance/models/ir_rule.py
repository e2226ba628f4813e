# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class IrRule(models.Model):
    _inherit = "ir.rule"

    @api.model
    def _eval_context(self):
        """Rules on personal data read ``gdpr_domains``: the domains of the
        current user's role (see res.users._gdpr_rule_domains)."""
        context = super()._eval_context()
        context["gdpr_domains"] = self.env.user._gdpr_rule_domains()
        return context
