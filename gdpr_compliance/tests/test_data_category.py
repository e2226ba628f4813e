# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import GdprCommon


@tagged("post_install", "-at_install")
class TestDataCategory(GdprCommon):
    def _field(self, model, name):
        return self.env["ir.model.fields"]._get(model, name)

    def test_standard_fields_are_classified(self):
        expected = {
            ("res.partner", "email"): "contact",
            ("res.partner", "phone"): "contact",
            ("res.partner", "street"): "contact",
            ("res.partner", "vat"): "financial",
            ("res.partner", "bank_ids"): "financial",
            ("res.partner", "comment"): "profiling",
            ("res.partner", "message_bounce"): "marketing",
            ("crm.lead", "email_from"): "contact",
            ("crm.lead", "campaign_id"): "marketing",
            ("res.partner.bank", "acc_number"): "financial",
        }
        for (model, name), code in expected.items():
            category = self.Category._gdpr_category_of_field(model, name)
            self.assertEqual(category.code, code, f"{model}.{name}")
        self.assertFalse(self.Category._gdpr_category_of_field("res.partner", "active"))

    def test_fields_of_model_by_category(self):
        financial = self.Category._gdpr_fields_of("res.partner", ["financial"])
        self.assertIn("vat", financial)
        self.assertNotIn("email", financial)
        every = self.Category._gdpr_fields_of("res.partner")
        self.assertTrue({"vat", "email", "comment"} <= every)

    def test_field_belongs_to_one_category(self):
        profiling = self.env.ref("gdpr_compliance.gdpr_data_category_profiling")
        with self.assertRaisesRegex(ValidationError, "res.partner.email"):
            profiling.write(
                {"field_ids": [(4, self._field("res.partner", "email").id)]}
            )

    def test_default_classification_is_idempotent_and_keeps_dpo_choices(self):
        contact = self.env.ref("gdpr_compliance.gdpr_data_category_contact")
        profiling = self.env.ref("gdpr_compliance.gdpr_data_category_profiling")
        function = self._field("res.partner", "function")
        contact.write({"field_ids": [(3, function.id)]})
        profiling.write({"field_ids": [(4, function.id)]})
        before = {cat.id: cat.field_ids.ids for cat in self.Category.search([])}
        self.Category._gdpr_apply_default_classification()
        after = {cat.id: cat.field_ids.ids for cat in self.Category.search([])}
        self.assertEqual(before, after)
        self.assertEqual(
            self.Category._gdpr_category_of_field("res.partner", "function"), profiling
        )

    def test_removed_field_is_classified_again(self):
        contact = self.env.ref("gdpr_compliance.gdpr_data_category_contact")
        mobile = self._field("res.partner", "mobile")
        contact.write({"field_ids": [(3, mobile.id)]})
        self.assertFalse(self.Category._gdpr_category_of_field("res.partner", "mobile"))
        contact.action_apply_default_classification()
        self.assertEqual(
            self.Category._gdpr_category_of_field("res.partner", "mobile"), contact
        )

    @mute_logger("odoo.sql_db")
    def test_duplicate_code_refused(self):
        with self.assertRaises(IntegrityError):
            self.Category.create({"name": "Another contact", "code": "contact"})

    def test_only_dpo_edits_categories(self):
        contact = self.env.ref("gdpr_compliance.gdpr_data_category_contact")
        self.assertTrue(contact.with_user(self.user_sales).name)
        with self.assertRaises(AccessError):
            contact.with_user(self.user_sales).write({"name": "Renamed"})
        contact.with_user(self.user_dpo).write({"description": "Updated by the DPO"})
        self.assertEqual(contact.description, "Updated by the DPO")
