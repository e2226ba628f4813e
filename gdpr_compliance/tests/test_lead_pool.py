# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_roles import RolesCommon


@tagged("post_install", "-at_install")
class TestLeadPool(RolesCommon):
    """The leads nobody has taken yet, and the people Odoo gives the buttons
    that distribute them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "crm.lead.auto.assignment", "True"
        )
        cls.env["crm.team.member"].search(
            [("crm_team_id", "=", cls.team_a.id), ("user_id", "=", cls.sales_a.id)]
        ).assignment_max = 300
        cls.pool = cls.Lead.create(
            [
                {
                    "name": f"Pool lead {index}",
                    "type": "lead",
                    "contact_name": f"Persona {index}",
                    "email_from": f"persona.{index}@example.org",
                    "partner_id": cls.p_none.id if index == 0 else False,
                    "user_id": False,
                    "team_id": False,
                    "gdpr_legal_basis": "legitimate_interest",
                    "gdpr_source_id": cls.source_fair.id,
                }
                for index in range(6)
            ]
        )

    def _visible(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_only_managers_see_the_pool(self):
        self.assertEqual(self._visible(self.manager, self.pool), self.pool)
        self.assertFalse(self._visible(self.sales_a, self.pool))
        self.assertFalse(self._visible(self.sales_b, self.pool))
        self.assertFalse(self._visible(self.agent, self.pool))
        # the contact of a pool lead comes with it
        self.assertTrue(self._visible(self.manager, self.p_none))
        self.assertFalse(self._visible(self.sales_a, self.p_none))
        # a team's lead: whoever oversees the team sees its contact, a
        # salesperson sees the contacts assigned to them
        self.pool[0].team_id = self.team_b
        self.assertFalse(self._visible(self.manager, self.p_none))
        colleague = new_test_user(
            self.env,
            login="gdpr_pool_all_docs",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        self.team_b.member_ids = [(4, colleague.id)]
        self.assertTrue(self._visible(colleague, self.p_none))
        self.assertFalse(self._visible(self.sales_b, self.p_none))
        self.pool[0].user_id = self.sales_b
        self.assertFalse(self._visible(self.sales_b, self.p_none))
        self.p_none.user_id = self.sales_b
        self.assertTrue(self._visible(self.sales_b, self.p_none))

    def test_sales_manager_assigns_the_pool(self):
        action = self.team_a.with_user(self.manager).action_assign_leads()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.pool.team_id, self.team_a)
        self.assertEqual(self.pool.user_id, self.sales_a)
        # Odoo keeps the button for managers
        with self.assertRaises(UserError):
            self.team_a.with_user(self.sales_a).action_assign_leads()

    def test_sales_manager_creates_and_converts_for_other_teams(self):
        created = self.Lead.with_user(self.manager).create(
            {
                "name": "Phoned in",
                "contact_name": "Teodora Chiamata",
                "user_id": False,
                "team_id": False,
                "gdpr_legal_basis": "legitimate_interest",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        leads = (self.pool[:4] | created).with_user(self.manager)
        wizard = (
            self.env["crm.lead2opportunity.partner.mass"]
            .with_user(self.manager)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
            .create(
                {
                    "deduplicate": False,
                    "user_ids": [(6, 0, (self.sales_a | self.sales_b).ids)],
                    "force_assignment": True,
                }
            )
        )
        wizard.action_mass_convert()
        leads = leads.sudo()
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.assertEqual(leads.user_id, self.sales_a | self.sales_b)
        self.assertTrue(all(leads.partner_id))

    def test_refusals_name_the_rule_and_the_scope(self):
        with self.assertRaises(AccessError) as refused:
            self.p_b.with_user(self.sales_a).read(["name"])
        message = str(refused.exception)
        self.assertIn("Contacts: scope of the user's role (GDPR)", message)
        self.assertIn("a salesperson sees the contacts assigned to them", message)
        self.assertIn("Art. 5(1)(c)", message)
        self.assertNotIn("top-secret", message)
        # what the rule hides is not named
        self.assertNotIn(self.p_b.name, message)
        with self.assertRaises(AccessError) as refused:
            self.Lead.with_user(self.sales_a).create(
                {
                    "name": "For a colleague",
                    "user_id": self.sales_b.id,
                    "team_id": self.team_b.id,
                    "gdpr_legal_basis": "contract",
                    "gdpr_source_id": self.source_phone.id,
                }
            )
        message = str(refused.exception)
        self.assertIn("may not create 1 Lead/Opportunity: For a colleague", message)
        self.assertIn("Leads: scope of the user's role (GDPR)", message)
        self.assertIn("unassigned leads of their teams (Team A)", message)
        with self.assertRaises(AccessError) as refused:
            self.l_b.with_user(self.manager).write({"name": "Taken over"})
        message = str(refused.exception)
        self.assertIn("may not change 1 Lead/Opportunity.", message)
        self.assertIn("the leads without salesperson and team", message)
        self.assertEqual(self.l_b.name, "Lead of B")
