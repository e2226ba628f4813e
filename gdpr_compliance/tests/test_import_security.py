# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import call_kw
from .common_import import ImportCommon, csv_file


@tagged("post_install", "-at_install")
class TestImportAccess(ImportCommon):
    """Who may import, into which fields, and what an importer learns about
    contacts they may not see."""

    def test_a_salesperson_imports_only_when_granted(self):
        with self.assertRaises(AccessError):
            self.Import.with_user(self.user_sales).create(
                {
                    "file_name": "mine.csv",
                    "source_id": self.source_web.id,
                    "legal_basis": "legitimate_interest",
                }
            )
        self.user_sales.groups_id += self.env.ref("gdpr_compliance.group_gdpr_import")
        imp = self._import(
            csv_file([self._row("Sara Lead", "sara.lead@example.com")]),
            user=self.user_sales,
        )
        imp.action_check()
        imp.action_import()
        self.assertEqual(imp.state, "done", imp.error_message)
        contact = self.Partner.search([("email", "=", "sara.lead@example.com")])
        # a salesperson sees the contacts assigned to them: theirs from now on
        self.assertEqual(contact.user_id, self.user_sales)
        self.assertEqual(contact.with_user(self.user_sales).name, "Sara Lead")

    def test_roles_import_into_the_fields_they_may_see(self):
        marketer_targets = dict(
            self.env["gdpr.import.column"]
            .with_user(self.user_marketing)
            ._gdpr_targets()
        )
        manager_targets = dict(
            self.env["gdpr.import.column"].with_user(self.user_manager)._gdpr_targets()
        )
        # a tax ID is financial data: not for marketing
        self.assertNotIn("vat", marketer_targets)
        self.assertIn("vat", manager_targets)
        self.assertIn("consent", marketer_targets)
        imp = self._import(csv_file([["Anna", "01234"]], ["Name", "Tax ID"]))
        column = imp.column_ids.filtered(lambda c: c.header == "Tax ID")
        self.assertFalse(column.target)
        with self.assertRaisesRegex(ValidationError, "not a field you may import"):
            column.write({"target": "vat"})

    def test_imports_are_private_to_their_importer_and_the_dpo(self):
        imp = self._import(csv_file([self._row("Anna", "a@example.com")]))
        with self.assertRaises(AccessError):
            imp.with_user(self.user_manager).read(["file_name"])
        with self.assertRaises(AccessError):
            imp.with_user(self.user_manager).action_check()
        self.assertFalse(
            self.env["gdpr.import.line"]
            .with_user(self.user_manager)
            .search([("import_id", "=", imp.id)])
        )
        self.assertEqual(imp.with_user(self.user_dpo).file_name, "contacts.csv")

    def test_what_the_application_sets_is_refused_to_a_client(self):
        imp = self._import(csv_file([self._row("Anna", "a@example.com")]))
        for vals in (
            {"state": "done"},
            {"count_invalid": 0},
            {"evidence_sha256": "0" * 64},
            {"user_id": self.user_manager.id},
        ):
            with self.assertRaisesRegex(AccessError, "set by the application"):
                imp.write(vals)
        with self.assertRaisesRegex(AccessError, "set by the application"):
            self.Import.with_user(self.user_marketing).create(
                {
                    "file_name": "x.csv",
                    "source_id": self.source_web.id,
                    "legal_basis": "consent",
                    "user_id": self.user_manager.id,
                }
            )
        imp.action_check()
        imp.action_import()
        with self.assertRaisesRegex(Exception, "can no longer change"):
            imp.write({"file": base64.b64encode(b"Name\nOther\n")})
        with self.assertRaisesRegex(Exception, "cannot be deleted"):
            imp.unlink()

    def test_duplicates_of_contacts_the_importer_may_not_see(self):
        other_salesperson = new_test_user(
            self.env,
            login="gdpr_test_other_sales",
            groups="sales_team.group_sale_salesman",
            name="Other Salesperson",
        )
        hidden = self.Partner.create(
            {
                "name": "Hidden Customer",
                "email": "hidden@example.com",
                "user_id": other_salesperson.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        self.assertFalse(hidden.with_user(self.user_manager).has_access("read"))
        imp = self._checked(
            [self._row("Guessed Name", "hidden@example.com", "+39 02 9999 8888")],
            user=self.user_manager,
            duplicate_mode="merge",
        )
        line = imp.line_ids
        self.assertEqual(line.status, "duplicate")
        # the line neither names the contact nor links to it
        self.assertFalse(line.partner_id)
        self.assertNotIn("Hidden Customer", line.message)
        self.assertIn("may not access", line.message)
        imp.action_import()
        self.assertEqual((imp.count_created, imp.count_skipped), (0, 1))
        self.assertFalse(hidden.phone)

    def test_a_restricted_contact_is_not_merged(self):
        restricted = self.Partner.create(
            {
                "name": "Restricted Person",
                "email": "restricted@example.com",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        restricted._gdpr_restrict()
        imp = self._checked(
            [
                self._row(
                    "Restricted",
                    "restricted@example.com",
                    "+39 02 1",
                    "given",
                    self.answered,
                )
            ],
            duplicate_mode="merge",
        )
        self.assertIn("restricted (Art. 18)", imp.line_ids.message)
        imp.action_import()
        self.assertFalse(restricted.phone)
        self.assertFalse(restricted.gdpr_consent_event_ids)

    def test_basis_strength_order(self):
        stronger = self.Partner._gdpr_stronger_basis
        self.assertEqual(stronger("legitimate_interest", "consent"), "consent")
        self.assertEqual(stronger("consent", "legitimate_interest"), "consent")
        self.assertEqual(stronger("consent", "contract"), "contract")
        self.assertEqual(stronger("contract", "legal_obligation"), "legal_obligation")
        self.assertEqual(
            stronger("public_interest", "legitimate_interest"), "public_interest"
        )
        self.assertEqual(stronger(False, "legitimate_interest"), "legitimate_interest")
        self.assertEqual(stronger("vital_interest", "vital_interest"), "vital_interest")

    def test_odoo_import_screen_points_to_the_privacy_import(self):
        for model, content in (
            ("res.partner", b"name,email\nOne,one@example.com\n"),
            ("crm.lead", b"name,contact_name,email_from\nDeal,Two,two@example.com\n"),
        ):
            columns = content.decode().splitlines()[0].split(",")
            wizard = (
                self.env["base_import.import"]
                .with_user(self.user_manager)
                .create(
                    {
                        "res_model": model,
                        "file": content,
                        "file_type": "text/csv",
                        "file_name": "standard.csv",
                    }
                )
            )
            result = wizard.execute_import(
                columns,
                columns,
                {"quoting": '"', "separator": ",", "has_headers": True},
            )
            self.assertFalse(result["ids"])
            messages = " ".join(message["message"] for message in result["messages"])
            self.assertIn("Legal basis and data source are required", messages)
            self.assertIn("Import with Privacy Data", messages)


@tagged("post_install", "-at_install")
class TestImportDoors(HttpCase, ImportCommon):
    """The same limits through the web client's RPC."""

    def test_rpc_cannot_run_private_steps_or_set_state(self):
        imp = self._import(csv_file([self._row("Rpc Person", "rpc@example.com")]))
        self.authenticate("gdpr_test_marketer", "gdpr_test_marketer")
        answer = call_kw(self, "gdpr.import", "write", [imp.id], {"state": "done"})
        self.assertIn("set by the application", answer["error"]["data"]["message"])
        answer = call_kw(self, "gdpr.import", "_gdpr_run_import", [imp.id])
        self.assertIn("error", answer)
        self.assertEqual(imp.state, "mapped")
        self.authenticate("gdpr_test_sales_manager", "gdpr_test_sales_manager")
        answer = call_kw(self, "gdpr.import", "action_check", [imp.id])
        self.assertIn("error", answer)
        self.assertFalse(imp.line_ids)
