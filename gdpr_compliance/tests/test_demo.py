# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo data, as a person finds them at the first login: Italian users,
a pipeline for every sales role, requests in every state, retention that
waits and a preview that lists who is due."""

from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..models.gdpr_request import CLOSED_STATES


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.sales = ref("gdpr_compliance.res_users_salesperson_demo")
        cls.manager = ref("gdpr_compliance.res_users_sales_manager_demo")
        cls.agent = ref("gdpr_compliance.res_users_agent_demo")
        cls.dpo = ref("gdpr_compliance.res_users_dpo_demo")
        cls.back_office = ref("gdpr_compliance.res_users_back_office_demo")
        cls.due = ref("gdpr_compliance.res_partner_silvia_conti_demo") | ref(
            "gdpr_compliance.res_partner_davide_marino_demo"
        )

    def test_users_work_in_italian_but_one_in_english(self):
        italian = self.sales | self.manager | self.dpo | self.back_office
        self.assertEqual(set(italian.mapped("lang")), {"it_IT"})
        self.assertEqual(self.agent.lang, "en_US")
        self.assertEqual(self.env.ref("base.main_partner").lang, "it_IT")
        self.assertEqual(
            self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo").lang,
            "it_IT",
        )

    def test_every_sales_role_has_a_pipeline_of_its_own(self):
        for user in self.sales | self.manager | self.agent:
            # what CRM's "My Pipeline" shows the user, with their record rules
            mine = (
                self.env["crm.lead"].with_user(user).search([("user_id", "=", user.id)])
            )
            opportunities = mine.filtered(lambda lead: lead.type == "opportunity")
            self.assertGreaterEqual(
                len(opportunities.stage_id), 2, f"{user.login}: stages"
            )
            self.assertTrue(
                mine.filtered(lambda lead: lead.type == "lead"), f"{user.login}: lead"
            )
            # CRM opens the user's own team: not "member of no Sales Team"
            self.assertTrue(user.sale_team_id, user.login)

    def test_sales_manager_leads_his_team(self):
        team = self.env.ref("sales_team.team_sales_department")
        self.assertEqual(team.user_id, self.manager)
        self.assertEqual(self.manager.sale_team_id, team)
        self.assertEqual(self.manager._gdpr_record_scope(), "team")

    def test_external_agent_sees_the_contacts_assigned_to_him(self):
        Partner = self.env["res.partner"].with_user(self.agent)
        assigned = Partner.search([("user_id", "=", self.agent.id)])
        self.assertGreaterEqual(len(assigned), 2)
        giulia = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        self.assertFalse(Partner.search([("id", "=", giulia.id)]))

    def test_dpo_has_requests_in_every_state(self):
        requests = self.env["gdpr.request"].with_user(self.dpo).search([])
        states = dict(self.env["gdpr.request"]._fields["state"].selection)
        self.assertEqual(set(requests.mapped("state")), set(states))
        today = fields.Date.today()
        open_requests = requests.filtered(lambda r: r.state not in CLOSED_STATES)
        self.assertTrue(open_requests.filtered("is_overdue"))
        self.assertTrue(
            open_requests.filtered(
                lambda r: today <= r.deadline <= today + timedelta(days=7)
            ),
            "a request near its deadline",
        )

    def test_retention_waits_until_the_demo_was_seen(self):
        cron = self.env.ref("gdpr_compliance.ir_cron_gdpr_retention")
        self.assertTrue(cron.active)
        self.assertGreater(cron.nextcall, fields.Datetime.now() + timedelta(days=5))
        # the dry run of the demo lists them already
        dry_run = self.env["gdpr.retention.run"].search(
            [("dry_run", "=", True)], order="id", limit=1
        )
        self.assertEqual(dry_run.line_ids.partner_id, self.due)

    def test_retention_preview_lists_the_due_contacts(self):
        run = self.env["gdpr.retention.run"].with_user(self.dpo)._gdpr_preview()
        self.assertTrue(run.dry_run)
        self.assertEqual(run.line_ids.partner_id, self.due)
        held = run.line_ids.filtered("hold_reason")
        self.assertEqual(held.partner_id.name, "Davide Marino")
        self.assertEqual(held.action, "minimise")
        # a preview changes nothing
        self.assertEqual(self.due.exists(), self.due)
        self.assertIn("Silvia Conti", self.due.mapped("name"))

    def test_public_sign_up_is_off(self):
        # auth_signup comes with mail and opens sign-up to anybody (B2C)
        self.assertEqual(self.env["res.users"]._get_signup_invitation_scope(), "b2b")
