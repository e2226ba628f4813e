# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

from .gdpr_legal_basis_mixin import ORIGIN_CONTEXT_KEY


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        # The partner of a new user (internal, portal or signup) is created by
        # Odoo itself: never block it, flag it for review instead.
        origin = self.env.context.get(ORIGIN_CONTEXT_KEY) or "user"
        users = super(
            ResUsers, self.with_context(**{ORIGIN_CONTEXT_KEY: origin})
        ).create(vals_list)
        return users.with_env(self.env)

    # ------------------------------------------------------------------
    # Record scope per role (seed 000: only what each role needs)
    # ------------------------------------------------------------------

    def _gdpr_record_scope(self):
        """Which personal records this user sees: 'all', 'team' (sales
        managers and "all documents" salespeople: their teams), 'own'
        (salespeople: assigned to them, unassigned ones of their teams) or
        'assigned' (external agents: assigned to them only)."""
        self.ensure_one()
        if (
            self._is_superuser()
            or self.share
            or any(
                self.has_group(group)
                for group in (
                    "gdpr_compliance.group_gdpr_officer",
                    # who answers any person's request must see that person
                    "gdpr_compliance.group_gdpr_request_handler",
                    "gdpr_compliance.group_gdpr_back_office",
                    "gdpr_compliance.group_gdpr_marketing",
                )
            )
        ):
            return "all"
        if self.has_group("gdpr_compliance.group_gdpr_external_agent"):
            return "assigned"
        if self.has_group("sales_team.group_sale_salesman_all_leads"):
            return "team"
        if self.has_group("sales_team.group_sale_salesman"):
            return "own"
        return "all"

    def _gdpr_teams(self):
        """Sales teams this user belongs to or leads."""
        self.ensure_one()
        return (
            self.env["crm.team"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    ("member_ids", "in", self.ids),
                    ("user_id", "=", self.id),
                ]
            )
        )

    def _gdpr_rule_domains(self):
        """Record-rule domains of this user for contacts, leads and consents,
        by role. Odoo caches rules per user; team changes clear that cache."""
        self.ensure_one()
        scope = self._gdpr_record_scope()
        if scope == "all":
            everything = [(1, "=", 1)]
            return {"partner": everything, "lead": everything, "consent": everything}
        teams = self._gdpr_teams()
        company_partners = self.env["res.company"].sudo().search([]).partner_id.ids
        shared = [
            "|",
            "|",
            ("partner_share", "=", False),
            ("id", "in", company_partners + [self.partner_id.id]),
            ("message_follower_ids.partner_id", "=", self.partner_id.id),
        ]
        if scope == "assigned":
            partner = ["|", ("user_id", "=", self.id), *shared]
            lead = [("user_id", "=", self.id)]
        else:
            if scope == "team":
                users = (teams.member_ids | teams.user_id | self).ids
                lead = [
                    "|",
                    ("user_id", "in", users),
                    ("team_id", "in", teams.ids),
                ]
            else:
                users = self.ids
                lead = [
                    "|",
                    ("user_id", "=", self.id),
                    "&",
                    ("user_id", "=", False),
                    ("team_id", "in", teams.ids),
                ]
            partner = [
                "|",
                "|",
                "|",
                ("is_company", "=", True),
                ("user_id", "in", users),
                ("gdpr_commercial_user_id", "in", users),
                *shared,
            ]
        consent = ["|", ("partner_id", "=", False), ("partner_id", "any", partner)]
        return {"partner": partner, "lead": lead, "consent": consent}

    def write(self, vals):
        if "groups_id" not in vals:
            return super().write(vals)
        before = {user.id: set(user.groups_id.ids) for user in self}
        result = super().write(vals)
        AuditLog = self.env["gdpr.audit.log"]
        for user in self:
            added = set(user.groups_id.ids) - before[user.id]
            removed = before[user.id] - set(user.groups_id.ids)
            if added or removed:
                Groups = self.env["res.groups"].sudo()
                added_names = ", ".join(
                    Groups.browse(sorted(added)).mapped("full_name")
                )
                removed_names = ", ".join(
                    Groups.browse(sorted(removed)).mapped("full_name")
                )
                AuditLog._gdpr_log(
                    "role_change",
                    f"user #{user.id}: +[{added_names}] -[{removed_names}]",
                    document=user,
                )
        return result

    # ------------------------------------------------------------------
    # Request handlers, appointed by the DPO
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_request_handlers(self):
        """The users the DPO appointed to handle requests (the DPOs handle
        them by their own role and are not listed)."""
        handler = self.env.ref("gdpr_compliance.group_gdpr_request_handler")
        officer = self.env.ref("gdpr_compliance.group_gdpr_officer")
        return handler.sudo().users.filtered(
            lambda user: officer not in user.groups_id and not user._is_superuser()
        )

    @api.model
    def _gdpr_set_request_handlers(self, users):
        """Make ``users`` (internal users) the request handlers, and nobody
        else besides the DPOs; each change of membership is audited."""
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._(
                    "Only the Data Protection Officer appoints request handlers."
                )
            )
        if users.filtered("share"):
            raise ValidationError(
                self.env._(
                    "Only internal users handle requests: %(names)s are not.",
                    names=", ".join(users.filtered("share").mapped("name")),
                )
            )
        handler = self.env.ref("gdpr_compliance.group_gdpr_request_handler")
        current = self._gdpr_request_handlers()
        (users - current).sudo().write({"groups_id": [(4, handler.id)]})
        (current - users).sudo().write({"groups_id": [(3, handler.id)]})
