# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .gdpr_legal_basis_mixin import ORIGIN_CONTEXT_KEY


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        origin = self.env.context.get(ORIGIN_CONTEXT_KEY) or "company"
        companies = super(
            ResCompany, self.with_context(**{ORIGIN_CONTEXT_KEY: origin})
        ).create(vals_list)
        return companies.with_env(self.env)
