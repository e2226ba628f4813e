# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class GdprOverview(models.AbstractModel):
    """Marketing figures of the month: objections, consent withdrawals and
    the recipients mailings left out."""

    _inherit = "gdpr.overview"

    @api.model
    def _gdpr_sections(self):
        sections = super()._gdpr_sections()
        keys = [key for key, _title in sections]
        position = keys.index("evidence") if "evidence" in keys else len(sections)
        sections.insert(position, ("marketing", self.env._("Marketing this month")))
        return sections

    @api.model
    def _gdpr_tiles(self):
        start, end = self._gdpr_month_instants()
        return super()._gdpr_tiles() + [
            {
                "key": "objection_month",
                "section": "marketing",
                "sequence": 10,
                "label": self.env._("Objections to direct marketing"),
                "model": "gdpr.objection",
                "domain": [("date", ">=", start), ("date", "<", end)],
                "alert": "info",
            },
            {
                "key": "withdrawal_month",
                "section": "marketing",
                "sequence": 20,
                "label": self.env._("Consent withdrawals"),
                "model": "gdpr.consent.event",
                "domain": [
                    ("action", "=", "withdrawn"),
                    ("event_time", ">=", start),
                    ("event_time", "<", end),
                ],
                "alert": "info",
            },
            {
                "key": "mailing_excluded_month",
                "section": "marketing",
                "sequence": 30,
                "label": self.env._("Recipients left out of mailings"),
                "model": "gdpr.mailing.exclusion",
                "domain": [("date", ">=", start), ("date", "<", end)],
                "sum_field": "recipient_count",
                "alert": "info",
            },
        ]
