# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged

from .common import call_kw
from .test_roles import RolesCommon


class FieldAccessCommon(RolesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.back_office = new_test_user(
            cls.env,
            login="gdpr_role_back_office",
            password="gdpr_role_back_office-pw-2026",
            groups="gdpr_compliance.group_gdpr_back_office,"
            "sales_team.group_sale_salesman",
        )
        cls.tag = cls.env["res.partner.category"].create({"name": "Walnut lover"})
        cls.p_a.write(
            {
                "vat": "IT12345670017",
                "comment": "<p>Prefers walnut</p>",
                "category_id": [(6, 0, cls.tag.ids)],
                "phone": "+39 051 000 1111",
            }
        )
        cls.p_agent.write({"vat": "IT00743110157", "comment": "<p>Agent note</p>"})
        cls.spec = {
            "name": {},
            "phone": {},
            "vat": {},
            "comment": {},
            "category_id": {"fields": {"display_name": {}}},
            "email_normalized": {},
        }


@tagged("post_install", "-at_install")
class TestFieldAccess(FieldAccessCommon):
    def _web_read(self, user, partner):
        return partner.with_user(user).web_read(self.spec)[0]

    def test_each_role_reads_its_categories(self):
        salesperson = self._web_read(self.sales_a, self.p_a)
        self.assertEqual(salesperson["phone"], "+39 051 000 1111")
        self.assertFalse(salesperson["vat"])
        self.assertFalse(salesperson["comment"])
        self.assertEqual(salesperson["category_id"], [])
        self.assertEqual(salesperson["email_normalized"], "anselmo.of.a@example.org")
        manager = self._web_read(self.manager, self.p_a)
        self.assertEqual(manager["vat"], "IT12345670017")
        self.assertFalse(manager["comment"])
        marketing = self._web_read(self.marketing, self.p_a)
        self.assertFalse(marketing["vat"])
        self.assertIn("walnut", marketing["comment"])
        self.assertEqual(len(marketing["category_id"]), 1)
        back_office = self._web_read(self.back_office, self.p_a)
        self.assertEqual(back_office["vat"], "IT12345670017")
        self.assertFalse(back_office["comment"])
        dpo = self._web_read(self.dpo, self.p_a)
        self.assertEqual(dpo["vat"], "IT12345670017")
        self.assertIn("walnut", dpo["comment"])
        # contact fields only for an external agent
        agent = self._web_read(self.agent, self.p_agent)
        self.assertEqual(agent["name"], "Gaspare Of Agent")
        self.assertFalse(agent["vat"])
        self.assertFalse(agent["comment"])
        self.assertFalse(agent["email_normalized"])

    def test_hidden_fields_leave_the_views(self):
        arch = self.Partner.with_user(self.sales_a).get_view(view_type="form")["arch"]
        tree = etree.fromstring(arch)
        for name in ("vat", "comment", "category_id"):
            nodes = [
                node
                for node in tree.iter("field")
                if node.get("name") == name
                and not any(a.tag == "field" for a in node.iterancestors())
            ]
            self.assertTrue(nodes, name)
            self.assertTrue(all(node.get("invisible") == "True" for node in nodes))
        self.assertNotEqual(
            etree.fromstring(
                self.Partner.with_user(self.dpo).get_view(view_type="form")["arch"]
            )
            .xpath("//field[@name='vat']")[0]
            .get("invisible"),
            "True",
        )
        search = self.Partner.with_user(self.sales_a).get_view(view_type="search")
        self.assertFalse(
            etree.fromstring(search["arch"]).xpath("//field[@name='category_id']")
        )
        listing = self.Partner.with_user(self.sales_a).get_view(view_type="list")
        for node in etree.fromstring(listing["arch"]).xpath("/list/field[@name='vat']"):
            self.assertEqual(node.get("column_invisible"), "True")

    def test_odoo_keeps_working_with_the_hidden_fields(self):
        Partner = self.Partner.with_user(self.sales_a)
        # autocomplete searches the VAT number internally
        self.assertTrue(Partner.name_search("Anselmo"))
        self.p_a.with_user(self.sales_a).write({"phone": "+39 051 000 2222"})
        self.assertEqual(self.p_a.phone, "+39 051 000 2222")
        # a category visible to the role is readable as usual
        self.assertEqual(
            self.p_a.with_user(self.sales_a).read(["phone"])[0]["phone"],
            "+39 051 000 2222",
        )

    def test_lead_fields_follow_their_categories(self):
        tag = self.env["crm.tag"].create({"name": "Kitchen"})
        self.l_a.write(
            {
                "expected_revenue": 12000,
                "description": "<p>Wants walnut</p>",
                "tag_ids": [(6, 0, tag.ids)],
                "phone": "+39 051 000 3333",
            }
        )
        spec = {"name": {}, "phone": {}, "expected_revenue": {}, "description": {}}
        # a salesperson "all documents" sees the leads of colleagues: their
        # customers' financial and profiling fields stay hidden
        colleague = new_test_user(
            self.env,
            login="gdpr_role_sales_all",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        self.team_a.member_ids = [(4, colleague.id)]
        salesperson = self.l_a.with_user(colleague).web_read(spec)[0]
        self.assertEqual(salesperson["phone"], "+39 051 000 3333")
        self.assertFalse(salesperson["expected_revenue"])
        self.assertFalse(salesperson["description"])
        manager = self.l_a.with_user(self.manager).web_read(spec)[0]
        self.assertEqual(manager["expected_revenue"], 12000)
        # the pipeline's columns lose the hidden total, not their count
        groups = self.Lead.with_user(colleague).web_read_group(
            [("id", "in", self.leads.ids)],
            ["expected_revenue:sum"],
            ["stage_id"],
        )["groups"]
        self.assertTrue(groups)
        self.assertTrue(all("expected_revenue" not in group for group in groups))
        self.assertEqual(sum(g["stage_id_count"] for g in groups), 2)
        kanban = self.Lead.with_user(colleague).get_view(view_type="kanban")
        self.assertNotIn('sum_field="expected_revenue"', kanban["arch"])
        pivot = self.Lead.with_user(colleague).get_view(view_type="pivot")
        self.assertNotIn('name="expected_revenue"', pivot["arch"])
        # a salesperson whose rule shows only their own leads and their
        # teams' unassigned ones works with all of their fields
        own = self.l_a.with_user(self.sales_a).web_read(spec)[0]
        self.assertEqual(own["expected_revenue"], 12000)
        self.assertIn("walnut", own["description"])
        kanban = self.Lead.with_user(self.sales_a).get_view(view_type="kanban")
        self.assertIn('sum_field="expected_revenue"', kanban["arch"])
        # an external agent keeps contact data only, even on their own leads
        self.l_agent.expected_revenue = 5000
        agent = self.l_agent.with_user(self.agent).web_read(spec)[0]
        self.assertFalse(agent["expected_revenue"])

    def test_changing_a_category_takes_effect(self):
        financial = self.env.ref("gdpr_compliance.gdpr_data_category_financial")
        financial.group_ids = [(4, self.env.ref("sales_team.group_sale_salesman").id)]
        self.assertEqual(self._web_read(self.sales_a, self.p_a)["vat"], "IT12345670017")


@tagged("post_install", "-at_install")
class TestFieldAccessRpc(HttpCase, FieldAccessCommon):
    def _call(self, method, *args, **kwargs):
        return call_kw(self, "res.partner", method, *args, **kwargs)

    def test_rpc_refuses_hidden_fields_cleanly(self):
        self.authenticate(self.sales_a.login, f"{self.sales_a.login}-pw-2026")
        refused = [
            self._call("read", self.p_a.ids, ["name", "vat"]),
            self._call("search_read", [("id", "=", self.p_a.id)], ["comment"]),
            self._call("search_read", [("vat", "=", "IT12345670017")], ["name"]),
            self._call("search_count", [("comment", "ilike", "walnut")]),
            self._call(
                "read_group",
                [("id", "=", self.p_a.id)],
                ["category_id"],
                ["category_id"],
            ),
        ]
        for answer in refused:
            self.assertIn("error", answer)
            self.assertIn(
                "Your role does not give access", answer["error"]["data"]["message"]
            )
            self.assertNotIn("IT12345670017", json.dumps(answer))
        answer = self._call("read", self.p_a.ids)
        self.assertIn(
            "result", answer, answer.get("error", {}).get("data", {}).get("message")
        )
        full = answer["result"][0]
        self.assertEqual(full["phone"], "+39 051 000 1111")
        self.assertNotIn("vat", full)
        self.assertNotIn("comment", full)
        rows = self._call("web_read", self.p_a.ids, {"name": {}, "vat": {}})["result"]
        self.assertEqual(rows[0]["vat"], False)
        self.authenticate(self.agent.login, f"{self.agent.login}-pw-2026")
        lead = call_kw(
            self, "crm.lead", "read", self.l_agent.ids, ["name", "expected_revenue"]
        )
        self.assertIn(
            "Your role does not give access", lead["error"]["data"]["message"]
        )
        self.authenticate(self.dpo.login, f"{self.dpo.login}-pw-2026")
        self.assertEqual(
            self._call("read", self.p_a.ids, ["vat"])["result"][0]["vat"],
            "IT12345670017",
        )
