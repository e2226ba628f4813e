# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL


class GdprProcessingRule(models.AbstractModel):
    """The suppression list is part of the rule: an address that objected
    (Art. 21(3) GDPR) or whose person was erased receives no direct
    marketing, whatever its consents say."""

    _inherit = "gdpr.processing.rule"

    @api.model
    def _gdpr_decision_selection(self):
        return super()._gdpr_decision_selection() + [
            ("suppressed", self.env._("On the suppression list")),
            ("unconfirmed", self.env._("Subscription not confirmed (double opt-in)")),
        ]

    @api.model
    def _gdpr_suppressed_purposes(self):
        """The purposes the suppression list stops: those an objection stops."""
        return self.env["res.partner"]._gdpr_objection_purposes()

    @api.model
    def _gdpr_refusal_conditions(
        self, aliases, customer=None, relationship=None, as_of=None
    ):
        conditions = super()._gdpr_refusal_conditions(
            aliases, customer=customer, relationship=relationship, as_of=as_of
        )
        partner = SQL.identifier(aliases["partner"])
        conditions.append(
            (
                "suppressed",
                SQL(
                    "(%(pu)s.id = ANY(%(purposes)s) AND EXISTS ("
                    "SELECT 1 FROM gdpr_suppression su "
                    "WHERE su.email_normalized = %(partner)s.email_normalized))",
                    pu=SQL.identifier(aliases["purpose"]),
                    purposes=self._gdpr_suppressed_purposes().ids,
                    partner=partner,
                ),
            )
        )
        return conditions

    @api.model
    def _gdpr_verdicts(self, partner_ids, purpose):
        """Erased people's addresses are kept as keyed hashes only, which SQL
        cannot compare: the partners the SQL allows are checked here."""
        verdicts = super()._gdpr_verdicts(partner_ids, purpose)
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose)
        allowed = [pid for pid, (reason, _ground) in verdicts.items() if not reason]
        if not allowed or purpose not in self._gdpr_suppressed_purposes():
            return verdicts
        for pid in self.env["gdpr.suppression"]._gdpr_suppressed_records(
            "res.partner", allowed
        ):
            verdicts[pid] = ("suppressed", False)
        return verdicts

    @api.model
    def _gdpr_person_map(self, model, purpose):
        if model == "mailing.contact":
            # a mailing contact stands for its person, else its own consent
            # (both kept current by the database, see mailing.contact)
            return (
                SQL(
                    "SELECT t.id, mc.gdpr_partner_id AS partner_id FROM targets t "
                    "JOIN mailing_contact mc ON mc.id = t.id"
                ),
                SQL(
                    "SELECT mc.id AS origin_id, mc.gdpr_own_consent AS action "
                    "FROM mapped m JOIN mailing_contact mc ON mc.id = m.id "
                    "WHERE m.partner_id IS NULL"
                ),
            )
        return super()._gdpr_person_map(model, purpose)
