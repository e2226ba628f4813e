# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models
from odoo.exceptions import AccessError

# The global rules that scope personal data by role, and the kind of record
# each of them scopes (res.users._gdpr_scope_description).
ROLE_RULES = {
    "gdpr_compliance.res_partner_rule_gdpr_role": "partner",
    "gdpr_compliance.crm_lead_rule_gdpr_role": "lead",
    "gdpr_compliance.res_partner_bank_rule_gdpr_role": "partner",
    "gdpr_compliance.gdpr_consent_rule_gdpr_role": "consent",
    "gdpr_compliance.gdpr_consent_event_rule_gdpr_role": "consent",
}

_logger = logging.getLogger(__name__)


class IrRule(models.Model):
    _inherit = "ir.rule"

    @api.model
    def _eval_context(self):
        """Rules on personal data read ``gdpr_domains``: the domains of the
        current user's role (see res.users._gdpr_rule_domains)."""
        context = super()._eval_context()
        context["gdpr_domains"] = self.env.user._gdpr_rule_domains()
        return context

    def _make_access_error(self, operation, records):
        """When a role rule refuses, say which one and what the role covers,
        instead of Odoo's generic message: a salesperson or a manager can
        then ask for the right assignment."""
        self = self.with_context(**self.env.user.context_get())
        failing = self._get_failing(records, mode=operation).sudo()
        xmlids = failing.get_external_id()
        role_rules = failing.filtered(lambda rule: xmlids[rule.id] in ROLE_RULES)
        if not role_rules:
            return super()._make_access_error(operation, records)
        _logger.info(
            "Access denied by the GDPR role rules for operation %s on %s %s, uid %s",
            operation,
            records._name,
            records.ids[:6],
            self.env.uid,
        )
        user = self.env.user
        operations = {
            "read": self.env._("read"),
            "write": self.env._("change"),
            "create": self.env._("create"),
            "unlink": self.env._("delete"),
        }
        # on creation the names are the user's own input; otherwise they
        # would tell what the rule hides
        names = (
            ": " + ", ".join(records[:6].sudo().mapped("display_name"))
            if operation == "create"
            else ""
        )
        kinds = dict.fromkeys(ROLE_RULES[xmlids[rule.id]] for rule in role_rules)
        return AccessError(
            self.env._(
                "%(user)s may not %(operation)s %(count)s %(model)s%(names)s.\n\n"
                'Refused by the privacy rule "%(rule)s": %(scope)s. Each role '
                "sees only the personal data its work needs (GDPR Art. 5(1)(c) "
                "and 25).\n\n"
                "Ask a sales manager to assign the records to you or to your "
                "team, or the data protection officer to review your role.",
                user=user.name,
                operation=operations[operation],
                count=len(records),
                model=self.env["ir.model"]._get(records._name).name,
                names=names,
                rule=", ".join(role_rules.mapped("name")),
                scope="; ".join(user._gdpr_scope_description(kind) for kind in kinds),
            )
        )
