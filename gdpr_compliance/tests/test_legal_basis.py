# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from ..hooks import post_init_hook
from ..models.gdpr_legal_basis_mixin import with_origin
from .common import GdprCommon


@tagged("post_install", "-at_install")
class TestLegalBasis(GdprCommon):
    def _web_save_partner(self, vals, user=None):
        partner_model = self.Partner.with_user(user or self.user_sales)
        return partner_model.web_save(vals, {"id": {}})

    def test_form_requires_basis_and_source_for_new_individual(self):
        with Form(self.Partner.with_user(self.user_sales)) as form:
            form.name = "Mario Verdi"
            with self.assertRaises(AssertionError):
                form.save()
            form.gdpr_legal_basis = "consent"
            form.gdpr_source_id = self.source_fair
        partner = form.record
        self.assertEqual(partner.gdpr_legal_basis, "consent")
        self.assertEqual(partner.gdpr_source_id, self.source_fair)
        self.assertEqual(
            partner.gdpr_collection_date, fields.Date.context_today(partner)
        )
        self.assertEqual(partner.gdpr_collected_by_id, self.user_sales)
        self.assertFalse(partner.gdpr_basis_to_review)

    def test_form_save_without_basis_is_refused_by_server(self):
        count = self.Partner.search_count([("name", "=", "Mario Verdi")])
        with self.assertRaisesRegex(ValidationError, "Mario Verdi"):
            self._web_save_partner({"name": "Mario Verdi", "email": "mv@example.com"})
        with self.assertRaises(ValidationError):
            self._web_save_partner(
                {"name": "Mario Verdi", "gdpr_legal_basis": "consent"}
            )
        with self.assertRaises(ValidationError):
            self._web_save_partner(
                {"name": "Mario Verdi", "gdpr_source_id": self.source_fair.id}
            )
        self.assertEqual(
            self.Partner.search_count([("name", "=", "Mario Verdi")]), count
        )

    def test_form_company_is_not_blocked(self):
        [result] = self._web_save_partner({"name": "Verdi S.p.A.", "is_company": True})
        company = self.Partner.browse(result["id"])
        self.assertTrue(company.is_company)
        self.assertFalse(company.gdpr_basis_to_review)
        self.assertFalse(company.gdpr_source_id)

    def test_child_contact_inherits_parent_basis(self):
        [result] = self._web_save_partner(
            {
                "name": "Verdi S.p.A.",
                "is_company": True,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
                "child_ids": [(0, 0, {"name": "Anna Verdi", "type": "contact"})],
            }
        )
        child = self.Partner.browse(result["id"]).child_ids
        self.assertEqual(child.name, "Anna Verdi")
        self.assertEqual(child.gdpr_legal_basis, "contract")
        self.assertEqual(child.gdpr_source_id, self.source_phone)
        self.assertFalse(child.gdpr_basis_to_review)

    def test_child_of_company_without_basis_is_refused(self):
        # assertRaises (unlike assertRaisesRegex) rolls back to a savepoint,
        # as the web client's failed save does
        with self.assertRaises(ValidationError) as caught:
            self._web_save_partner(
                {
                    "name": "Verdi S.p.A.",
                    "is_company": True,
                    "child_ids": [(0, 0, {"name": "Anna Verdi", "type": "contact"})],
                }
            )
        self.assertIn("Anna Verdi", str(caught.exception))
        self.assertFalse(self.Partner.search([("name", "=", "Verdi S.p.A.")]))

    def test_wrong_basis_value_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a legal basis"):
            self.Partner.create(
                {
                    "name": "Bad Basis",
                    "gdpr_legal_basis": "because_we_can",
                    "gdpr_source_id": self.source_fair.id,
                }
            )
        self.assertFalse(self.Partner.search([("name", "=", "Bad Basis")]))
        partner = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        with self.assertRaisesRegex(ValidationError, "not a legal basis"):
            partner.write({"gdpr_legal_basis": "whim"})
        self.assertEqual(partner.gdpr_legal_basis, "consent")

    def test_strictness_off_lets_form_create_and_flags(self):
        self._set_strict(partner=False)
        [result] = self._web_save_partner({"name": "Mario Verdi"})
        partner = self.Partner.browse(result["id"])
        self.assertTrue(partner.gdpr_basis_to_review)
        self.assertEqual(partner.gdpr_source_id, self._auto_source("other"))

    def test_python_create_by_odoo_flow_is_flagged_not_blocked(self):
        partner = self.Partner.create({"name": "Internal Flow Person"})
        self.assertTrue(partner.gdpr_basis_to_review)
        self.assertEqual(partner.gdpr_source_id, self._auto_source("other"))
        self.assertFalse(partner.gdpr_legal_basis)

    def test_import_requires_basis_and_source(self):
        result = self.Partner.with_user(self.user_sales).load(
            ["name", "email"], [["Imported One", "one@example.com"]]
        )
        self.assertFalse(result["ids"])
        self.assertTrue(
            any("Legal basis" in message["message"] for message in result["messages"])
        )
        self.assertFalse(self.Partner.search([("name", "=", "Imported One")]))
        result = self.Partner.with_user(self.user_sales).load(
            ["name", "email", "gdpr_legal_basis", "gdpr_source_id"],
            [["Imported Two", "two@example.com", "consent", "Trade fair"]],
        )
        self.assertFalse(result["messages"])
        imported = self.Partner.browse(result["ids"])
        self.assertEqual(imported.gdpr_source_id, self.source_fair)
        self.assertEqual(imported.gdpr_legal_basis, "consent")

    def test_import_wizard_is_all_or_nothing(self):
        csv_data = (
            "name,email,gdpr_legal_basis,gdpr_source_id\n"
            "Good Row,good@example.com,consent,Trade fair\n"
            "Bad Row,bad@example.com,,\n"
        )
        wizard = (
            self.env["base_import.import"]
            .with_user(self.user_sales)
            .create(
                {
                    "res_model": "res.partner",
                    "file": csv_data.encode(),
                    "file_type": "text/csv",
                    "file_name": "partners.csv",
                }
            )
        )
        result = wizard.execute_import(
            ["name", "email", "gdpr_legal_basis", "gdpr_source_id"],
            ["name", "email", "gdpr_legal_basis", "gdpr_source_id"],
            {"quoting": '"', "separator": ",", "has_headers": True},
        )
        self.assertTrue(result["messages"])
        self.assertIn("Bad Row", str(result["messages"]))
        self.assertFalse(self.Partner.search([("name", "in", ("Good Row", "Bad Row"))]))

    def test_user_setting_basis_clears_review_flag(self):
        partner = self.Partner.create(
            {"name": "To Review", "user_id": self.user_sales.id}
        )
        self.assertTrue(partner.gdpr_basis_to_review)
        partner.with_user(self.user_sales).write(
            {"gdpr_legal_basis": "legitimate_interest"}
        )
        self.assertFalse(partner.gdpr_basis_to_review)

    def test_confirm_basis_action(self):
        partner = self.Partner.create({"name": "To Confirm"})
        with self.assertRaisesRegex(ValidationError, "To Confirm"):
            partner.action_gdpr_confirm_basis()
        self.assertTrue(partner.gdpr_basis_to_review)
        with_origin(partner, "test").gdpr_legal_basis = "contract"
        self.assertTrue(partner.gdpr_basis_to_review)
        partner.action_gdpr_confirm_basis()
        self.assertFalse(partner.gdpr_basis_to_review)

    def test_basis_cannot_be_removed_through_the_form(self):
        partner = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        partner.user_id = self.user_sales
        with self.assertRaisesRegex(ValidationError, "cannot be"):
            partner.with_user(self.user_sales).web_save(
                {"gdpr_legal_basis": False}, {"id": {}}
            )
        self.assertEqual(partner.gdpr_legal_basis, "consent")

    def test_search_filters(self):
        flagged = self.Partner.create({"name": "Flagged Person"})
        to_review = self.Partner.search([("gdpr_basis_to_review", "=", True)])
        self.assertIn(flagged, to_review)
        no_basis = self.Partner.search([("gdpr_legal_basis", "=", False)])
        self.assertIn(flagged, no_basis)
        by_source = self.Partner.search([("gdpr_source_id", "=", self.source_fair.id)])
        self.assertIn(
            self.env.ref("gdpr_compliance.res_partner_luca_romano_demo"), by_source
        )
        groups = self.Partner._read_group(
            [("gdpr_legal_basis", "!=", False)], ["gdpr_legal_basis"], ["__count"]
        )
        self.assertIn("consent", [basis for basis, _count in groups])

    def test_post_init_hook_flags_existing_individuals(self):
        partner = self.Partner.create(
            {
                "name": "Legacy Person",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        company = self.Partner.create({"name": "Legacy Company", "is_company": True})
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_legal_basis = NULL, "
            "gdpr_basis_to_review = FALSE WHERE id IN %s",
            [(partner.id, company.id)],
        )
        self.env.invalidate_all()
        post_init_hook(self.env)
        self.env.invalidate_all()
        self.assertTrue(partner.gdpr_basis_to_review)
        self.assertFalse(company.gdpr_basis_to_review)
        self.assertFalse(self.env.company.partner_id.gdpr_basis_to_review)


@tagged("post_install", "-at_install")
class TestLeadBasis(GdprCommon):
    def test_lead_form_requires_basis(self):
        with self.assertRaisesRegex(ValidationError, "Luigi Neri"):
            self.Lead.with_user(self.user_sales).web_save(
                {"name": "Kitchen", "contact_name": "Luigi Neri"}, {"id": {}}
            )
        self.assertFalse(self.Lead.search([("contact_name", "=", "Luigi Neri")]))

    def test_lead_quick_create_form_with_basis(self):
        view = self.env.ref("crm.quick_create_opportunity_form")
        with Form(self.Lead.with_user(self.user_sales), view=view) as form:
            form.name = "Kitchen"
            form.email_from = "luigi.neri@example.com"
            with self.assertRaises(AssertionError):
                form.save()
            form.gdpr_legal_basis = "contract"
            form.gdpr_source_id = self.source_phone
        lead = form.record
        self.assertEqual(lead.gdpr_legal_basis, "contract")
        self.assertFalse(lead.gdpr_basis_to_review)

    def test_lead_takes_basis_of_its_partner(self):
        partner = self.env.ref("gdpr_compliance.res_partner_luca_romano_demo")
        [result] = self.Lead.with_user(self.user_sales).web_save(
            {"name": "Sofa", "partner_id": partner.id}, {"id": {}}
        )
        lead = self.Lead.browse(result["id"])
        self.assertEqual(lead.gdpr_legal_basis, "consent")
        self.assertEqual(lead.gdpr_source_id, self.source_fair)

    def test_conversion_gives_lead_basis_to_new_partner(self):
        lead = self.Lead.create(
            {
                "name": "Office chairs",
                "contact_name": "Carla Neri",
                "email_from": "carla.neri@example.com",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
                "gdpr_source_detail": "Fair 2026",
                "user_id": self.user_sales.id,
            }
        )
        wizard = (
            self.env["crm.lead2opportunity.partner"]
            .with_user(self.user_sales)
            .with_context(
                active_model="crm.lead", active_id=lead.id, active_ids=lead.ids
            )
            .create({"name": "convert", "action": "create"})
        )
        wizard.action_apply()
        partner = lead.partner_id
        self.assertEqual(partner.name, "Carla Neri")
        self.assertEqual(partner.gdpr_legal_basis, "consent")
        self.assertEqual(partner.gdpr_source_id, self.source_fair)
        self.assertEqual(partner.gdpr_source_detail, "Fair 2026")
        self.assertFalse(partner.gdpr_basis_to_review)
        self.assertEqual(lead.type, "opportunity")

    def test_conversion_of_lead_without_basis_flags_partner(self):
        self._set_strict(lead=False)
        lead = self.Lead.create(
            {
                "name": "Tables",
                "contact_name": "Piero Neri",
                "email_from": "pn@example.com",
            }
        )
        self.assertTrue(lead.gdpr_basis_to_review)
        lead._handle_partner_assignment(create_missing=True)
        self.assertEqual(lead.partner_id.gdpr_source_id, self._auto_source("lead"))
        self.assertTrue(lead.partner_id.gdpr_basis_to_review)

    def test_linking_partner_without_basis_copies_lead_basis(self):
        partner = self.Partner.create({"name": "Mail Only Person"})
        self.assertTrue(partner.gdpr_basis_to_review)
        lead = self.Lead.create(
            {
                "name": "Lamps",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        lead.partner_id = partner
        self.assertEqual(partner.gdpr_legal_basis, "contract")
        self.assertEqual(partner.gdpr_source_id, self.source_phone)
        self.assertFalse(partner.gdpr_basis_to_review)

    def test_linking_partner_keeps_its_own_basis(self):
        partner = self.env.ref("gdpr_compliance.res_partner_luca_romano_demo")
        lead = self.Lead.create(
            {
                "name": "Lamps",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        lead.partner_id = partner
        self.assertEqual(partner.gdpr_legal_basis, "consent")
        self.assertEqual(partner.gdpr_source_id, self.source_fair)
