# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    def _gdpr_object(self, request=None):
        """An Art. 21 request is a global objection: the address goes to the
        suppression list, and no mailing reaches it again."""
        if self.email_normalized:
            # first: the objection withdraws the marketing consent with
            # itself as evidence, the rest of the purposes follow
            self.env["gdpr.objection"]._gdpr_register(
                self.email_normalized,
                "request",
                reason=request.name if request else None,
            )
        return super()._gdpr_object(request)
