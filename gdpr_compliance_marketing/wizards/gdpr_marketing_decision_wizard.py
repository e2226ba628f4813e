# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class GdprMarketingDecisionWizard(models.TransientModel):
    """The data protection officer asks the processing rule again for the
    person of every mailing contact and learns how many stored decisions
    differed."""

    _name = "gdpr.marketing.decision.wizard"
    _description = "Recompute Stored Marketing Decisions"

    done = fields.Boolean(readonly=True)
    changed_count = fields.Integer(string="Decisions Corrected", readonly=True)

    def action_recompute(self):
        self.ensure_one()
        changed = self.env["gdpr.marketing.decision"]._gdpr_recompute_by_officer()
        self.write({"done": True, "changed_count": changed})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recompute Marketing Decisions"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
