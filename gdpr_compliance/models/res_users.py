# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .gdpr_legal_basis_mixin import ORIGIN_CONTEXT_KEY


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        # The partner of a new user (internal, portal or signup) is created by
        # Odoo itself: never block it, flag it for review instead.
        origin = self.env.context.get(ORIGIN_CONTEXT_KEY) or "user"
        users = super(
            ResUsers, self.with_context(**{ORIGIN_CONTEXT_KEY: origin})
        ).create(vals_list)
        return users.with_env(self.env)
