# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.gdpr_purpose import REGISTER_CSV_COLUMNS
from .common import GdprCommon


@tagged("post_install", "-at_install")
class TestPurposeRegister(GdprCommon):
    def test_seeded_purposes(self):
        expected = {
            "marketing": ("consent", 24, "last_interaction"),
            "profiling": ("consent", 12, "last_interaction"),
            "sales_followup": ("legitimate_interest", 24, "last_interaction"),
            "contract": ("contract", 12, "end_of_relationship"),
            "accounting": ("legal_obligation", 120, "end_of_relationship"),
            "support": ("contract", 24, "last_interaction"),
        }
        for code, (basis, months, anchor) in expected.items():
            purpose = self.Purpose._gdpr_get(code)
            self.assertEqual(
                (
                    purpose.legal_basis,
                    purpose.retention_months,
                    purpose.retention_anchor,
                ),
                (basis, months, anchor),
                code,
            )
        self.assertTrue(self.purpose_marketing.requires_consent)
        self.assertFalse(self.Purpose._gdpr_get("accounting").requires_consent)

    def test_get_by_record_or_code(self):
        self.assertEqual(
            self.Purpose._gdpr_get(self.purpose_marketing), self.purpose_marketing
        )
        with self.assertRaisesRegex(ValidationError, "Unknown processing purpose"):
            self.Purpose._gdpr_get("astrology")

    @mute_logger("odoo.sql_db")
    def test_duplicate_code_refused(self):
        with self.assertRaises(IntegrityError):
            self.Purpose.create(
                {"name": "Marketing bis", "code": "marketing", "legal_basis": "consent"}
            )

    def test_invalid_values_refused(self):
        with self.assertRaisesRegex(ValidationError, "lowercase"):
            self.Purpose.create({"name": "Bad", "code": "Bad Code!"})
        with self.assertRaisesRegex(ValidationError, "safeguard"):
            self.Purpose.create(
                {"name": "Cloud CRM", "code": "cloud_crm", "transfer_outside_eu": True}
            )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.Purpose.create(
                {"name": "Negative", "code": "negative", "retention_months": -1}
            )

    def test_transfer_with_safeguard(self):
        purpose = self.Purpose.create(
            {
                "name": "Cloud CRM hosting",
                "code": "cloud_crm",
                "legal_basis": "contract",
                "transfer_outside_eu": True,
                "transfer_country_ids": [(6, 0, self.env.ref("base.us").ids)],
                "transfer_safeguard": "scc",
            }
        )
        # the register tells where the data go and under which safeguard
        # (Art. 30(1)(e) GDPR)
        row = next(csv.DictReader(io.StringIO(purpose._gdpr_register_csv())), None)
        self.assertEqual(
            (
                row["transfer_outside_eu"],
                row["transfer_countries"],
                row["transfer_safeguard"],
            ),
            ("yes", "United States", "Standard contractual clauses (Art. 46(2)(c))"),
        )
        # the safeguard cannot be dropped while the transfer stays
        with self.assertRaisesRegex(ValidationError, "safeguard"):
            purpose.transfer_safeguard = False
            purpose.flush_recordset()

    def test_register_csv(self):
        purposes = self.Purpose.search([])
        content = purposes._gdpr_register_csv()
        rows = list(csv.DictReader(io.StringIO(content)))
        self.assertEqual(list(rows[0].keys()), REGISTER_CSV_COLUMNS)
        self.assertEqual(len(rows), len(purposes))
        marketing = next(row for row in rows if row["code"] == "marketing")
        self.assertEqual(marketing["retention_months"], "24")
        self.assertEqual(marketing["retention_anchor"], "Last interaction")
        self.assertIn("Contact data", marketing["data_categories"])
        self.assertEqual(marketing["transfer_outside_eu"], "no")

    def test_export_action_points_to_controller(self):
        action = self.purpose_marketing.action_export_register_csv()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(
            action["url"], f"/gdpr/register.csv?ids={self.purpose_marketing.id}"
        )

    def test_register_report_html(self):
        purposes = self.Purpose.search([])
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "gdpr_compliance.report_gdpr_purpose_register", purposes.ids
        )
        html = html.decode()
        self.assertIn("Register of Processing Activities", html)
        for purpose in purposes:
            self.assertIn(purpose.name, html)
        self.assertIn("Accounting and tax obligations", html)
        self.assertIn("120", html)

    def test_register_report_pdf(self):
        text = self._render_pdf_text(
            "gdpr_compliance.report_gdpr_purpose_register",
            self.Purpose.search([]).ids,
        )
        self.assertIn("Register of Processing Activities", text)
        self.assertIn("Direct marketing", text)

    def test_only_dpo_edits_the_register(self):
        purpose = self.purpose_marketing.with_user(self.user_sales)
        self.assertEqual(purpose.retention_months, 24)
        with self.assertRaises(AccessError):
            purpose.write({"retention_months": 99})
        self.purpose_marketing.with_user(self.user_dpo).write({"retention_months": 18})
        self.assertEqual(self.purpose_marketing.retention_months, 18)

    def test_company_specific_purpose_hidden_from_other_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        purpose = self.Purpose.create(
            {"name": "Other only", "code": "other_only", "company_id": other_company.id}
        )
        visible = self.Purpose.with_user(self.user_sales).search([])
        self.assertNotIn(purpose, visible)
        self.assertIn(self.purpose_marketing, visible)
