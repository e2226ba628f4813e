# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import GdprCommon, call_kw


class RolesCommon(GdprCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, no_reset_password=True))
        sales = "sales_team.group_sale_salesman,base.group_partner_manager"

        def user(login, groups):
            return new_test_user(
                cls.env, login=login, password=f"{login}-pw-2026", groups=groups
            )

        cls.sales_a = user("gdpr_role_sales_a", sales)
        cls.sales_b = user("gdpr_role_sales_b", sales)
        cls.manager = user(
            "gdpr_role_manager",
            "sales_team.group_sale_manager,base.group_partner_manager,"
            "base.group_allow_export",
        )
        cls.agent = user(
            "gdpr_role_agent",
            f"{sales},gdpr_compliance.group_gdpr_external_agent",
        )
        cls.marketing = user(
            "gdpr_role_marketing", "gdpr_compliance.group_gdpr_marketing"
        )
        cls.dpo = user(
            "gdpr_role_dpo",
            "gdpr_compliance.group_gdpr_officer,sales_team.group_sale_salesman_all_leads",
        )
        Team = cls.env["crm.team"]
        cls.team_a = Team.create(
            {
                "name": "Team A",
                "user_id": cls.manager.id,
                "member_ids": [(4, cls.sales_a.id)],
            }
        )
        cls.team_b = Team.create(
            {"name": "Team B", "member_ids": [(4, cls.sales_b.id)]}
        )

        def person(name, owner=None, **vals):
            return cls.Partner.create(
                dict(
                    {
                        "name": name,
                        "email": f"{name.lower().replace(' ', '.')}@example.org",
                        "gdpr_legal_basis": "contract",
                        "gdpr_source_id": cls.source_phone.id,
                        "user_id": owner.id if owner else False,
                    },
                    **vals,
                )
            )

        cls.p_a = person("Anselmo Of A", cls.sales_a)
        cls.p_b = person("Berenice Of B", cls.sales_b)
        cls.p_agent = person("Gaspare Of Agent", cls.agent)
        cls.p_none = person("Nessuno Unassigned")
        cls.company = cls.Partner.create({"name": "Mobili Srl", "is_company": True})
        cls.p_a._gdpr_record_consent("sales_followup", "withdrawn", "phone")
        cls.p_b._gdpr_record_consent("sales_followup", "withdrawn", "phone")

        def lead(name, owner, team, partner=None):
            return cls.Lead.create(
                {
                    "name": name,
                    "user_id": owner.id if owner else False,
                    "team_id": team.id if team else False,
                    "partner_id": partner.id if partner else False,
                    "gdpr_legal_basis": "contract",
                    "gdpr_source_id": cls.source_phone.id,
                }
            )

        cls.l_a = lead("Lead of A", cls.sales_a, cls.team_a, cls.p_a)
        cls.l_b = lead("Lead of B", cls.sales_b, cls.team_b, cls.p_b)
        cls.l_team_a = lead("Unassigned lead of team A", None, cls.team_a)
        cls.l_agent = lead("Lead of the agent", cls.agent, None, cls.p_agent)
        cls.people = cls.p_a | cls.p_b | cls.p_agent | cls.p_none
        cls.leads = cls.l_a | cls.l_b | cls.l_team_a | cls.l_agent


@tagged("post_install", "-at_install")
class TestRecordScope(RolesCommon):
    def _visible(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_what_everyone_needs_stays_visible(self):
        # companies and the users' own partners stay visible to salespeople
        self.assertTrue(self._visible(self.sales_a, self.company))
        self.assertTrue(self._visible(self.sales_a, self.sales_b.partner_id))
        self.assertFalse(self._visible(self.agent, self.company))
        self.assertTrue(self._visible(self.agent, self.agent.partner_id))

    def _check_doors(self, user, Model, records, visible):
        """Every ORM door shows ``visible`` among ``records``, nothing else."""
        As = Model.with_user(user)
        hidden = records - visible
        label = f"{user.login} on {Model._name}"
        self.assertEqual(As.search([("id", "in", records.ids)]), visible, label)
        self.assertEqual(
            As.search_count([("id", "in", records.ids)]), len(visible), label
        )
        if visible:
            self.assertEqual(
                len(visible.with_user(user).read(["display_name"])), len(visible)
            )
        for record in hidden:
            with self.assertRaises(AccessError, msg=label):
                record.with_user(user).read(["display_name"])
            self.assertNotIn(
                record.id,
                [row[0] for row in As.name_search(record.name, limit=None)],
                label,
            )
        groups = As.read_group([("id", "in", records.ids)], ["id:count"], [])
        self.assertEqual(groups[0]["__count"], len(visible), label)
        if user.has_group("base.group_allow_export"):
            exported = As.search([("id", "in", records.ids)]).export_data(["id"])
            self.assertEqual(len(exported["datas"]), len(visible), label)

    def test_every_door_for_every_role(self):
        self.manager.groups_id = [(4, self.env.ref("base.group_allow_export").id)]
        self.dpo.groups_id = [(4, self.env.ref("base.group_allow_export").id)]
        partners = {
            self.sales_a: self.p_a,
            self.sales_b: self.p_b,
            self.manager: self.p_a,
            self.agent: self.p_agent,
            self.marketing: self.people,
            self.dpo: self.people,
        }
        leads = {
            self.sales_a: self.l_a | self.l_team_a,
            self.sales_b: self.l_b,
            self.manager: self.l_a | self.l_team_a,
            self.agent: self.l_agent,
            self.dpo: self.leads,
        }
        for user, visible in partners.items():
            self._check_doors(user, self.Partner, self.people, visible)
        for user, visible in leads.items():
            self._check_doors(user, self.Lead, self.leads, visible)

    def test_no_door_shows_another_salespersons_customer(self):
        Partner = self.Partner.with_user(self.sales_a)
        with self.assertRaises(AccessError):
            self.p_b.with_user(self.sales_a).read(["name"])
        with self.assertRaises(AccessError):
            self.p_b.with_user(self.sales_a).write({"phone": "1"})
        self.assertFalse(Partner.name_search("Berenice"))
        self.assertTrue(Partner.name_search("Anselmo"))
        groups = Partner.read_group(
            [("id", "in", self.people.ids)], ["user_id"], ["user_id"]
        )
        self.assertEqual(sum(g["user_id_count"] for g in groups), 1)
        # salespeople do not export; a manager exports only their teams
        with self.assertRaises(UserError):
            Partner.search([("id", "in", self.people.ids)]).export_data(["name"])
        exported = (
            self.Partner.with_user(self.manager)
            .search([("id", "in", self.people.ids)])
            .export_data(["name", "email"])["datas"]
        )
        self.assertEqual(exported, [["Anselmo Of A", "anselmo.of.a@example.org"]])
        export = (
            self.env["gdpr.audit.log"]
            .sudo()
            .search([("action", "=", "export")], order="sequence desc", limit=1)
        )
        self.assertEqual(export.user_id, self.manager)
        self.assertEqual(export.subject_keys, self.p_a._gdpr_pseudonym())
        self.assertIn("email, name", export.description)
        self.assertEqual(Partner.search_count([("name", "ilike", "Berenice")]), 0)
        # nor through a lead, a consent or the consent ledger
        self.assertFalse(
            self.Lead.with_user(self.sales_a).search([("partner_id", "=", self.p_b.id)])
        )
        self.assertEqual(
            self.env["gdpr.consent"]
            .with_user(self.sales_a)
            .search([("partner_id", "in", self.people.ids)])
            .partner_id,
            self.p_a,
        )
        self.assertEqual(
            self.env["gdpr.consent.event"]
            .with_user(self.sales_a)
            .search([("partner_id", "in", self.people.ids)])
            .partner_id,
            self.p_a,
        )

    def test_contacts_of_assigned_companies_and_followed_contacts(self):
        company = self.Partner.create(
            {"name": "Cucine Bassi Spa", "is_company": True, "user_id": self.sales_a.id}
        )
        buyer = self.Partner.create(
            {
                "name": "Ruggero Buyer",
                "parent_id": company.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        # Odoo gives a new contact its company's salesperson
        self.assertEqual(buyer.user_id, self.sales_a)
        self.assertTrue(self._visible(self.sales_a, buyer))
        self.assertFalse(self._visible(self.sales_b, buyer))
        # the company changes hands: its new salesperson sees its contacts,
        # the contact's own salesperson keeps them
        company.user_id = self.sales_b
        self.assertTrue(self._visible(self.sales_b, buyer))
        self.assertTrue(self._visible(self.sales_a, buyer))
        buyer.user_id = False
        self.assertFalse(self._visible(self.sales_a, buyer))
        self.assertTrue(self._visible(self.sales_b, buyer))
        self.p_none.message_subscribe(partner_ids=self.sales_a.partner_id.ids)
        self.assertTrue(self._visible(self.sales_a, self.p_none))
        self.assertFalse(self._visible(self.sales_b, self.p_none))

    def test_created_contacts_stay_visible_to_their_creator(self):
        created = self.Partner.with_user(self.sales_a).create(
            {
                "name": "Nuovo Cliente",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        self.assertEqual(created.user_id, self.sales_a)
        self.assertEqual(
            created.with_user(self.sales_a).read(["name"])[0]["name"], "Nuovo Cliente"
        )
        self.assertFalse(self._visible(self.sales_b, created))

    def test_everyday_flows_as_a_salesperson(self):
        lead = self.l_a.with_user(self.sales_a)
        lead.message_post(body="Called back", message_type="comment")
        stages = self.env["crm.stage"].search([], order="sequence", limit=2)
        lead.stage_id = stages[-1]
        self.p_a.with_user(self.sales_a).message_post(
            body="Thanks", partner_ids=self.p_a.ids, message_type="comment"
        )
        new_lead = self.Lead.with_user(self.sales_a).create(
            {
                "name": "From the phone",
                "contact_name": "Ottone Nuovo",
                "email_from": "ottone@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        new_lead._handle_partner_assignment(create_missing=True)
        self.assertTrue(new_lead.partner_id.with_user(self.sales_a).read(["name"]))
        # the pipeline and the contacts app open
        self.Lead.with_user(self.sales_a).web_read_group(
            [("type", "=", "opportunity")], ["stage_id"], ["stage_id"]
        )
        self.Partner.with_user(self.sales_a).web_search_read(
            [], {"display_name": {}, "email": {}}
        )

    def test_team_changes_reach_the_rules(self):
        self.assertFalse(self._visible(self.sales_a, self.p_b))
        self.assertFalse(self._visible(self.manager, self.p_b))
        self.team_a.member_ids = [(4, self.sales_b.id)]
        self.assertTrue(self._visible(self.manager, self.p_b))
        self.assertFalse(self._visible(self.sales_a, self.p_b))

    def test_role_changes_are_audited(self):
        AuditLog = self.env["gdpr.audit.log"].sudo()
        self.sales_a.groups_id = [
            (4, self.env.ref("gdpr_compliance.group_gdpr_back_office").id)
        ]
        entry = AuditLog.search(
            [("action", "=", "role_change"), ("res_id", "=", self.sales_a.id)]
        )
        self.assertEqual(len(entry), 1)
        self.assertIn("Back Office", entry.description)
        # and the new role's scope applies at once
        self.assertTrue(self._visible(self.sales_a, self.p_b))


@tagged("post_install", "-at_install")
class TestRecordScopeRpc(HttpCase, RolesCommon):
    def _call(self, model, method, *args, **kwargs):
        return call_kw(self, model, method, *args, **kwargs)

    def test_json_rpc_as_a_salesperson(self):
        self.authenticate(self.sales_a.login, f"{self.sales_a.login}-pw-2026")
        found = self._call(
            "res.partner", "search_read", [("id", "in", self.people.ids)], ["name"]
        )["result"]
        self.assertEqual([row["name"] for row in found], ["Anselmo Of A"])
        denied = self._call("res.partner", "read", self.p_b.ids, ["name", "email"])
        self.assertIn("error", denied)
        self.assertNotIn(
            "Berenice", json.dumps(denied["error"].get("data", {}).get("arguments", ""))
        )
        names = self._call("res.partner", "name_search", "Berenice")["result"]
        self.assertEqual(names, [])
        leads = self._call(
            "crm.lead", "search_read", [("id", "in", self.leads.ids)], ["name"]
        )["result"]
        self.assertEqual(
            {row["name"] for row in leads}, {"Lead of A", "Unassigned lead of team A"}
        )

    def test_exports_and_bulk_reads_are_audited(self):
        AuditLog = self.env["gdpr.audit.log"].sudo()
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.audit_bulk_read_threshold", "2"
        )
        self.authenticate(self.dpo.login, f"{self.dpo.login}-pw-2026")
        before = AuditLog.search_count([])
        self._call(
            "res.partner", "search_read", [("id", "in", self.people.ids)], ["name"]
        )
        self._call("res.partner", "search_read", [("id", "=", self.p_a.id)], ["name"])
        self._call(
            "crm.lead",
            "web_search_read",
            [("id", "in", self.leads.ids)],
            {"name": {}},
        )
        entries = AuditLog.search([], order="sequence desc", limit=3)
        self.assertEqual(AuditLog.search_count([]) - before, 2)
        lead_read, partner_read = entries[0], entries[1]
        self.assertEqual(partner_read.action, "bulk_read")
        self.assertEqual(partner_read.subject_count, 4)
        self.assertEqual(partner_read.user_id, self.dpo)
        self.assertEqual(lead_read.subject_count, 4)
        self.assertIn(self.p_b._gdpr_pseudonym(), partner_read.subject_keys)
