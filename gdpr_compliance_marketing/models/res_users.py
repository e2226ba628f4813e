# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .mail_blacklist import NOT_OBJECTION_KEY


class ResUsers(models.Model):
    _inherit = "res.users"

    def _deactivate_portal_user(self, **post):
        # Deleting one's portal account blocklists the address but is not an
        # objection to direct marketing (SPEC, clarifications).
        return super(
            ResUsers, self.with_context(**{NOT_OBJECTION_KEY: True})
        )._deactivate_portal_user(**post)
