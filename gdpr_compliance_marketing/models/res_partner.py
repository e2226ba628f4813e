# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _gdpr_exclusion_reasons(self):
        reasons = super()._gdpr_exclusion_reasons()
        reasons["suppressed"] = self.env._("On the suppression list")
        reasons["unconfirmed"] = self.env._(
            "Subscription not confirmed (double opt-in)"
        )
        return reasons

    @api.model
    def _gdpr_interaction_queries(self, since):
        """Mailing opens, clicks and replies of partners and of the partners of
        mailed leads."""
        queries = super()._gdpr_interaction_queries(since)
        last_action = SQL(
            "GREATEST(t.open_datetime, t.links_click_datetime, t.reply_datetime)"
        )
        queries += [
            SQL(
                "SELECT t.res_id, %s FROM mailing_trace t "
                "WHERE t.model = 'res.partner' AND t.write_date >= %s",
                last_action,
                since,
            ),
            SQL(
                "SELECT l.partner_id, %s FROM mailing_trace t "
                "JOIN crm_lead l ON l.id = t.res_id AND t.model = 'crm.lead' "
                "WHERE l.partner_id IS NOT NULL AND t.write_date >= %s",
                last_action,
                since,
            ),
        ]
        return queries
