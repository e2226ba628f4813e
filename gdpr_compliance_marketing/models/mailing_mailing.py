# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    gdpr_excluded_count = fields.Integer(
        string="Excluded (GDPR)",
        compute="_compute_gdpr_exclusions",
        help="Recipients of the mailing's domain that will not be mailed "
        "because they may not receive direct marketing.",
    )
    gdpr_exclusion_summary = fields.Text(
        string="Exclusions",
        compute="_compute_gdpr_exclusions",
    )

    @api.depends("mailing_model_real", "mailing_domain", "contact_list_ids", "state")
    def _compute_gdpr_exclusions(self):
        reasons = self.env["res.partner"]._gdpr_exclusion_reasons()
        for mailing in self:
            if mailing.state == "done" or not mailing.mailing_model_real:
                mailing.gdpr_excluded_count = 0
                mailing.gdpr_exclusion_summary = False
                continue
            excluded = mailing._gdpr_excluded_recipients(
                mailing._gdpr_domain_recipients()
            )
            counts = {}
            for reason in excluded.values():
                counts[reason] = counts.get(reason, 0) + 1
            mailing.gdpr_excluded_count = len(excluded)
            mailing.gdpr_exclusion_summary = "\n".join(
                f"{reasons[key]}: {count}" for key, count in sorted(counts.items())
            )

    # ------------------------------------------------------------------
    # Recipients
    # ------------------------------------------------------------------

    def _gdpr_domain_recipients(self):
        """The recipients as mass_mailing computes them, before our rules."""
        return super()._get_recipients()

    def _get_recipients(self):
        res_ids = super()._get_recipients()
        excluded = self._gdpr_excluded_recipients(res_ids)
        return [res_id for res_id in res_ids if res_id not in excluded]

    def _action_send_mail(self, res_ids=None):
        if res_ids:
            # explicit recipients (e.g. a resend) obey the same rules
            for mailing in self:
                excluded = mailing._gdpr_excluded_recipients(res_ids)
                allowed = [res_id for res_id in res_ids if res_id not in excluded]
                if not allowed:
                    raise UserError(
                        self.env._(
                            "None of the selected recipients may receive direct "
                            "marketing (consent, objection or restriction)."
                        )
                    )
                super(MailingMailing, mailing)._action_send_mail(allowed)
            return True
        return super()._action_send_mail(res_ids)

    def _gdpr_excluded_recipients(self, res_ids):
        """``{res_id: reason_key}`` for the records of the mailing's target
        model that may not receive direct marketing. Set-based: one query per
        kind of recipient, whatever the size of the mailing."""
        self.ensure_one()
        if not res_ids:
            return {}
        excluded = self._gdpr_excluded_by_consent(res_ids)
        for res_id in self._gdpr_suppressed_recipients(res_ids):
            excluded.setdefault(res_id, "suppressed")
        return excluded

    def _gdpr_suppressed_recipients(self, res_ids):
        """Records whose address is on the suppression list."""
        Model = self.env[self.mailing_model_real]
        email_field = (
            "email_normalized" if "email_normalized" in Model._fields else None
        )
        if not email_field or not Model._fields[email_field].store:
            return set()
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM %s WHERE id = ANY(%s) AND %s IS NOT NULL",
                SQL.identifier(email_field),
                SQL.identifier(Model._table),
                list(res_ids),
                SQL.identifier(email_field),
            )
        )
        emails = dict(self.env.cr.fetchall())
        suppressed = self.env["gdpr.suppression"]._gdpr_suppressed(emails.values())
        return {res_id for res_id, email in emails.items() if email in suppressed}

    def _gdpr_excluded_by_consent(self, res_ids):
        model = self.mailing_model_real
        Partner = self.env["res.partner"]
        if model == "res.partner":
            return Partner._gdpr_marketing_exclusions(res_ids)
        if model == "crm.lead":
            return self._gdpr_excluded_through(
                res_ids,
                SQL("SELECT id, partner_id FROM crm_lead WHERE id = ANY(%s)", res_ids),
                "crm.lead",
            )
        if model == "mailing.contact":
            # a mailing contact is the partner with the same address, if any
            return self._gdpr_excluded_through(
                res_ids,
                SQL(
                    """
                    SELECT mc.id,
                           (SELECT MAX(rp.id) FROM res_partner rp
                             WHERE rp.email_normalized = mc.email_normalized
                               AND rp.active)
                      FROM mailing_contact mc
                     WHERE mc.id = ANY(%s)
                    """,
                    res_ids,
                ),
                "mailing.contact",
            )
        return {}

    def _gdpr_excluded_through(self, res_ids, mapping_query, origin_model):
        """Exclusions of records that stand for a partner when they have one
        and otherwise carry their own consent events (origin documents)."""
        self.env.flush_all()
        self.env.cr.execute(mapping_query)
        partner_of = dict(self.env.cr.fetchall())
        partner_ids = {pid for pid in partner_of.values() if pid}
        partner_excluded = self.env["res.partner"]._gdpr_marketing_exclusions(
            partner_ids
        )
        without_partner = [rid for rid, pid in partner_of.items() if not pid]
        own_state = self._gdpr_origin_consent_states(origin_model, without_partner)
        excluded = {}
        for res_id, partner_id in partner_of.items():
            if partner_id:
                if partner_id in partner_excluded:
                    excluded[res_id] = partner_excluded[partner_id]
            elif own_state.get(res_id) != "given":
                excluded[res_id] = "withdrawn" if res_id in own_state else "no_basis"
        return excluded

    def _gdpr_origin_consent_states(self, origin_model, origin_ids):
        """Last marketing consent action recorded on documents that have no
        partner (a lead, a mailing contact)."""
        if not origin_ids:
            return {}
        purpose = self.env["gdpr.purpose"]._gdpr_get("marketing")
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (e.origin_id) e.origin_id, e.action
                  FROM gdpr_consent_event e
                 WHERE e.origin_model = %s AND e.origin_id = ANY(%s)
                   AND e.partner_id IS NULL AND e.purpose_id = %s
              ORDER BY e.origin_id, e.sequence DESC
                """,
                origin_model,
                origin_ids,
                purpose.id,
            )
        )
        return dict(self.env.cr.fetchall())

    def action_view_gdpr_excluded(self):
        self.ensure_one()
        excluded = self._gdpr_excluded_recipients(self._gdpr_domain_recipients())
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Excluded recipients"),
            "res_model": self.mailing_model_real,
            "view_mode": "list,form",
            "domain": [("id", "in", list(excluded))],
        }
