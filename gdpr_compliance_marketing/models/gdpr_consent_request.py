# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class GdprConsentRequest(models.Model):
    _inherit = "gdpr.consent.request"

    @api.model
    def _gdpr_skip_labels(self):
        labels = super()._gdpr_skip_labels()
        labels["suppressed"] = self.env._("On the suppression list")
        labels["objecting"] = self.env._("Objected to direct marketing (Art. 21)")
        return labels

    def _gdpr_skipped(self, partners):
        """Whoever objected to marketing or is on the suppression list is
        never asked again (Art. 21(3)): a request for consent is itself
        direct marketing."""
        skipped = super()._gdpr_skipped(partners)
        partners = partners.sudo()
        emails = set(partners.mapped("email_normalized")) - {False}
        objecting = set(
            self.env["gdpr.objection"]
            .sudo()
            .search([("email_normalized", "in", list(emails)), ("list_id", "=", False)])
            .mapped("email_normalized")
        )
        suppressed = self.env["gdpr.suppression"]._gdpr_suppressed(emails) - objecting
        already = partners.browse()
        for group in skipped.values():
            already |= group
        skipped["objecting"] = (
            partners.filtered(lambda p: p.email_normalized in objecting) - already
        )
        skipped["suppressed"] = (
            partners.filtered(lambda p: p.email_normalized in suppressed)
            - already
            - skipped["objecting"]
        )
        return skipped
