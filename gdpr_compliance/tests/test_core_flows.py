# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import GdprCommon

INCOMING_EMAIL = """Return-Path: <{email_from}>
From: {name} <{email_from}>
To: {to}
Subject: {subject}
Message-ID: <{msg_id}@example.com>
Date: Tue, 24 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Good morning, I would like to know more about your products.
"""


@tagged("post_install", "-at_install")
class TestCoreFlows(GdprCommon):
    """Odoo's own flows create partners and leads without asking for a legal
    basis: with strictness on they must still work, and be flagged."""

    def test_create_internal_and_portal_users(self):
        internal = self.env["res.users"].create(
            {"name": "New Employee", "login": "gdpr_new_employee"}
        )
        portal = self.env["res.users"].create(
            {
                "name": "Portal Customer",
                "login": "gdpr_portal_customer",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        for user in internal | portal:
            self.assertEqual(user.partner_id.gdpr_source_id, self._auto_source("user"))
            self.assertTrue(user.partner_id.gdpr_basis_to_review)
        # the origin of the user flow does not leak into what the caller does next
        self.assertNotIn("gdpr_origin", internal.env.context)

    def test_signup_creates_user(self):
        if "auth_signup" not in self.env.registry._init_modules:
            self.skipTest("auth_signup is not installed")
        self.env["ir.config_parameter"].sudo().set_param(
            "auth_signup.invitation_scope", "b2c"
        )
        self.env["res.users"].sudo().signup(
            {
                "login": "signup@example.com",
                "name": "Signup Person",
                "password": "pw-12345678",
            }
        )
        user = self.env["res.users"].search([("login", "=", "signup@example.com")])
        self.assertEqual(user.partner_id.gdpr_source_id, self._auto_source("user"))
        self.assertTrue(user.partner_id.gdpr_basis_to_review)

    def test_create_company(self):
        company = self.env["res.company"].create({"name": "Nuova Filiale S.r.l."})
        self.assertEqual(
            company.partner_id.gdpr_source_id, self._auto_source("company")
        )

    def test_partner_found_or_created_from_email(self):
        partner = self.Partner.find_or_create("Nadia Verdi <nadia.verdi@example.com>")
        self.assertEqual(partner.gdpr_source_id, self._auto_source("email"))
        self.assertTrue(partner.gdpr_basis_to_review)
        [other] = self.Partner._find_or_create_from_emails(["other.one@example.com"])
        self.assertEqual(other.gdpr_source_id, self._auto_source("email"))

    def test_incoming_email_creates_lead_and_partner(self):
        raw = INCOMING_EMAIL.format(
            name="Ugo Foscolo",
            email_from="ugo.foscolo@example.com",
            to="sales@example.com",
            subject="Information request",
            msg_id="gdpr-test-1",
        )
        thread_id = self.env["mail.thread"].message_process("crm.lead", raw)
        lead = self.Lead.browse(thread_id)
        self.assertEqual(lead.email_normalized, "ugo.foscolo@example.com")
        self.assertEqual(lead.gdpr_source_id, self._auto_source("email"))
        self.assertTrue(lead.gdpr_basis_to_review)
        self.assertTrue(lead.message_ids)

    def test_quick_create_partner_from_many2one(self):
        partner_id, _name = self.Partner.with_user(self.user_sales).name_create(
            "Quick Person"
        )
        partner = self.Partner.browse(partner_id)
        self.assertEqual(partner.gdpr_source_id, self._auto_source("quick_create"))
        self.assertTrue(partner.gdpr_basis_to_review)

    def test_message_post_to_new_recipient(self):
        partner = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        # salespeople write to the contacts assigned to them
        partner.user_id = self.user_sales
        partner.with_user(self.user_sales).message_post(
            body="Thank you for your visit",
            partner_ids=partner.ids,
            message_type="comment",
        )
        self.assertEqual(partner.message_ids[0].author_id, self.user_sales.partner_id)

    def test_crm_pipeline_won_and_lost(self):
        lead = self.env.ref("gdpr_compliance.crm_lead_marco_bianchi_demo")
        other = self.env.ref("gdpr_compliance.crm_lead_valentina_gallo_demo")
        (lead | other).user_id = self.user_sales
        lead.with_user(self.user_sales).action_set_won()
        self.assertTrue(lead.stage_id.is_won)
        other.with_user(self.user_sales).action_set_lost()
        self.assertFalse(other.active)
