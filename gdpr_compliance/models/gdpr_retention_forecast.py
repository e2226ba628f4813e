# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError


class GdprRetentionForecast(models.Model):
    """How many contacts the next scheduled retention run will process, by
    action. Finding them means weighing every purpose of every contact
    (seconds on a million contacts), too slow for a screen that must open at
    once: the daily scheduled action and the DPO's refresh count them, the
    overview reads the counts."""

    _name = "gdpr.retention.forecast"
    _description = "Retention Forecast"
    _order = "sequence, id"

    action = fields.Selection(selection="_selection_action", required=True)
    sequence = fields.Integer()
    partner_count = fields.Integer(string="Contacts")
    as_of = fields.Datetime(
        string="Next Run",
        help="The date of the next scheduled retention run the count is for.",
    )
    computed_on = fields.Datetime(string="Counted On")

    @api.model
    def _selection_action(self):
        field = self.env["gdpr.retention.run.line"]._fields["action"]
        return field._description_selection(self.env)

    @api.model
    def _gdpr_next_run_date(self):
        """When the retention cron will run next (now when it is late or off)."""
        now = fields.Datetime.now()
        cron = self.env.ref(
            "gdpr_compliance.ir_cron_gdpr_retention", raise_if_not_found=False
        )
        if cron and cron.sudo().active and cron.sudo().nextcall > now:
            return cron.sudo().nextcall
        return now

    @api.model
    def _gdpr_due_by_action(self, as_of):
        """``{action: [contact ids]}`` retention would process at ``as_of``."""
        Run = self.env["gdpr.retention.run"]
        due = defaultdict(list)
        for row in self.env["res.partner"].sudo()._gdpr_retention_due(as_of=as_of):
            due[Run._gdpr_effective_action(row)].append(row["partner_id"])
        return due

    @api.model
    def _gdpr_refresh(self):
        """Count again; the previous counts are replaced."""
        as_of = self._gdpr_next_run_date()
        due = self._gdpr_due_by_action(as_of)
        now = fields.Datetime.now()
        forecasts = self.sudo()
        forecasts.search([]).unlink()
        return forecasts.create(
            [
                {
                    "action": action,
                    "sequence": sequence,
                    "partner_count": len(due.get(action, ())),
                    "as_of": as_of,
                    "computed_on": now,
                }
                for sequence, (action, _label) in enumerate(self._selection_action())
            ]
        )

    @api.model
    def action_refresh(self):
        """Count again now (the DPO's button)."""
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._("Only the Data Protection Officer runs the forecast.")
            )
        self._gdpr_refresh()
        return {"type": "ir.actions.client", "tag": "soft_reload"}
