# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class GdprRetentionRun(models.Model):
    """Mailing contacts follow the marketing purpose: retention removes them
    once their period is over, after the contacts of the run."""

    _inherit = "gdpr.retention.run"

    def _gdpr_due_rows(self, limit, exclude, subjects=None):
        rows = super()._gdpr_due_rows(limit, exclude, subjects)
        if limit and len(rows) >= limit:
            return rows
        contact_ids = None
        if subjects is not None:
            contact_ids = [rid for model, rid in subjects if model == "mailing.contact"]
            if not contact_ids:
                return rows
        rows += (
            self.env["mailing.contact"]
            .sudo()
            ._gdpr_retention_due(
                self.as_of,
                limit=limit - len(rows) if limit else None,
                exclude_ids=[
                    rid for model, rid in exclude if model == "mailing.contact"
                ],
                contact_ids=contact_ids,
            )
        )
        return rows

    @api.model
    def _gdpr_line_subject_vals(self, model, res_id):
        if model == "mailing.contact":
            return {"res_model": model, "mailing_contact_id": res_id}
        return super()._gdpr_line_subject_vals(model, res_id)
