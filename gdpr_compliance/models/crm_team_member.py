# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class CrmTeamMember(models.Model):
    _inherit = "crm.team.member"

    # Record rules of salespeople list their teams' members: a change of
    # membership must reach the rules Odoo has cached.

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        self.env.registry.clear_cache()
        return members

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
