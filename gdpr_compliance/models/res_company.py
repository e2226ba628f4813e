# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .gdpr_legal_basis_mixin import with_origin


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        companies = super(ResCompany, with_origin(self, "company")).create(vals_list)
        return companies.with_env(self.env)
