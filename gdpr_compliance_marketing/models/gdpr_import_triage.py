# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class GdprImportTriage(models.AbstractModel):
    _inherit = "gdpr.import.triage"

    @api.model
    def _gdpr_suppressed_emails(self, emails):
        """Addresses of erased people (kept as keyed hashes only) and of
        people who objected to marketing (Art. 21(3): absolute): an import
        must not bring them back."""
        suppressed = super()._gdpr_suppressed_emails(emails)
        return suppressed | self.env["gdpr.suppression"]._gdpr_suppressed(
            emails, reasons=("erased", "objection")
        )
