# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression

from .gdpr_legal_basis_mixin import with_origin


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        # The partner of a new user (internal, portal or signup) is created by
        # Odoo itself: never block it, flag it for review instead.
        users = super(ResUsers, with_origin(self, "user")).create(vals_list)
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

    def _gdpr_distributes_leads(self):
        """Sales managers distribute the leads nobody has taken yet: Odoo
        gives them "Assign Leads" (crm.team._action_assign_leads refuses
        anybody else) and the mass conversion with assignment. They see the
        pool of leads without a salesperson and without a team, which no
        team's scope covers; the assignment scheduled action runs as the
        superuser and sees everything."""
        self.ensure_one()
        return self.has_group("sales_team.group_sale_manager")

    def _gdpr_rule_domains(self):
        """Record-rule domains of this user for contacts, leads and consents,
        by role. Odoo caches rules per user; team changes clear that cache."""
        self.ensure_one()
        scope = self._gdpr_record_scope()
        if scope == "all":
            everything = [(1, "=", 1)]
            return {
                "partner": everything,
                "lead": everything,
                "consent": everything,
                "consent_event": everything,
            }
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
            # an agent is not a colleague: the company's people are not
            # theirs to see (Art. 28(3)(b) GDPR, a processor sees only what
            # its task needs), only their own contact and their company
            partner = [
                "|",
                "|",
                ("user_id", "=", self.id),
                ("id", "in", company_partners + [self.partner_id.id]),
                ("message_follower_ids.partner_id", "=", self.partner_id.id),
            ]
            lead = [("user_id", "=", self.id)]
        else:
            if scope == "team":
                users = (teams.member_ids | teams.user_id | self).ids
                lead = [
                    "|",
                    ("user_id", "in", users),
                    ("team_id", "in", teams.ids),
                ]
                if self._gdpr_distributes_leads():
                    lead = expression.OR(
                        [lead, self.env["crm.lead"]._gdpr_pool_domain()]
                    )
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
            if scope == "team":
                # who oversees and distributes a team's leads works with
                # their contacts (Odoo reads them to convert, merge and
                # assign the leads), even those without a salesperson yet.
                # Not for salespeople "own documents": their contacts are
                # those assigned to them, and the search of their contacts
                # stays as fast as the administrator's
                partner = expression.OR([partner, [("gdpr_lead_ids", "any", lead)]])
        # consents follow their contact, or the lead they were collected on
        # before it had one; those of mailing contacts are for the roles that
        # see every contact
        consent = [("partner_id", "any", partner)]
        consent_event = [
            "|",
            ("partner_id", "any", partner),
            "&",
            ("partner_id", "=", False),
            ("lead_id", "any", lead),
        ]
        return {
            "partner": partner,
            "lead": lead,
            "consent": consent,
            "consent_event": consent_event,
        }

    def _gdpr_scope_description(self, kind):
        """What this user's role covers for ``kind`` of records ('partner',
        'lead' or 'consent'), in the words of an access error."""
        self.ensure_one()
        scope = self._gdpr_record_scope()
        teams = ", ".join(self._gdpr_teams().mapped("name")) or "-"
        if scope == "assigned":
            return self.env._(
                "an external agent sees only the contacts and leads assigned to them"
            )
        if kind == "lead" and scope == "own":
            return self.env._(
                "a salesperson sees the leads assigned to them and the "
                "unassigned leads of their teams (%(teams)s)",
                teams=teams,
            )
        if kind == "lead" and self._gdpr_distributes_leads():
            return self.env._(
                "a sales manager sees the leads of their teams (%(teams)s), of "
                "their members, and the leads without salesperson and team",
                teams=teams,
            )
        if kind == "lead":
            return self.env._(
                "this role sees the leads of its teams (%(teams)s) and of their "
                "members",
                teams=teams,
            )
        contacts = (
            self.env._(
                "a salesperson sees the contacts assigned to them or to the "
                "companies assigned to them, the companies, colleagues and the "
                "contacts they follow"
            )
            if scope == "own"
            else self.env._(
                "this role sees the contacts assigned to the members of its "
                "teams (%(teams)s) or to their companies, the contacts of its "
                "leads, companies, colleagues and the contacts it follows",
                teams=teams,
            )
        )
        if kind == "consent":
            return self.env._(
                "consents are visible with their contacts: %(contacts)s",
                contacts=contacts,
            )
        return contacts

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
