# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_import import HEADER, ImportCommon, csv_file, xlsx_file


@tagged("post_install", "-at_install")
class TestImportCheck(ImportCommon):
    """Every row is classified before anything is written: new, duplicate
    (of a contact or of an earlier row), invalid with its reasons."""

    def test_columns_are_read_and_matched_by_base_import(self):
        imp = self._import(
            csv_file(
                [["Anna", "anna@example.com", "x", "Roma", "given", "", "", ""]],
                ["Name", "E-mail", "Phone", "City", "consent", "Consent date", "", ""],
            )
        )
        self.assertEqual(imp.state, "mapped")
        self.assertEqual(imp.row_count, 1)
        targets = {column.header: column.target for column in imp.column_ids}
        # exact label, close label, technical name, fuzzy match on a date
        self.assertEqual(targets["Name"], "name")
        self.assertEqual(targets["E-mail"], "email")
        self.assertEqual(targets["consent"], "consent")
        self.assertEqual(targets["Consent date"], "consent_date")
        self.assertEqual(
            imp.column_ids.filtered(lambda column: column.header == "City").example,
            "Roma",
        )

    def test_an_italian_file_for_an_italian_user(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["base", "gdpr_compliance"], ["it_IT"], overwrite=True
        )
        header = ["Nome", "Email", "Telefono", "Città", "Consenso", "Data del consenso"]
        answered = self.answered.strftime("%d/%m/%Y")
        imp = self._import(
            csv_file(
                [["Anna Rossi", "anna.rossi@example.com", "", "Roma", "sì", answered]],
                header,
            ),
            source_id=self.source_fair.id,
            lang="it_IT",
        )
        self.assertEqual(
            imp.column_ids.mapped("target"),
            ["name", "email", "phone", "city", "consent", "consent_date"],
        )
        imp.action_check()
        self.assertEqual(imp.count_new, 1, imp.line_ids.message)

    def test_mapping_chosen_once_is_suggested_next_time(self):
        header = ["Nominativo", "Posta"]
        imp = self._import(csv_file([["Anna Neri", "anna.neri@example.com"]], header))
        self.assertFalse(imp.column_ids.filtered("target"))
        imp.column_ids[0].target = "name"
        imp.column_ids[1].target = "email"
        imp.action_check()
        imp.action_import()
        self.assertEqual(imp.state, "done")
        again = self._import(csv_file([["Bruno Neri", "bruno@example.com"]], header))
        self.assertEqual(again.column_ids.mapped("target"), ["name", "email"])

    def test_two_columns_cannot_fill_the_same_field(self):
        imp = self._import(csv_file([["Anna", "a@example.com"]], ["Name", "Email"]))
        with self.assertRaisesRegex(Exception, "both imported into"):
            imp.column_ids.filtered(lambda c: c.header == "Email").target = "name"

    def test_new_rows_from_csv_and_xlsx(self):
        rows = [
            ["Anna Verdi", "anna.verdi@example.com", "+39 06 1234 5678", "Roma"],
            ["Bruno Gialli", "bruno.gialli@example.com", "", "Torino"],
        ]
        header = ["Name", "Email", "Phone", "City"]
        for content, name in (
            (csv_file(rows, header), "list.csv"),
            (xlsx_file(rows, header), "list.xlsx"),
        ):
            imp = self._import(content, name)
            imp.action_check()
            self.assertEqual(imp.state, "checked")
            self.assertEqual(
                (imp.count_new, imp.count_duplicate, imp.count_invalid), (2, 0, 0)
            )
            lines = self._lines(imp)
            self.assertEqual(lines[2].name, "Anna Verdi")
            self.assertEqual(lines[3].status, "new")
            self.assertFalse(imp.report_file)
        self.assertFalse(
            self.Partner.search([("email", "like", "%.verdi@example.com")])
        )

    def test_xlsx_date_cells_are_read_as_dates(self):
        rows = [["Carla Blu", "carla@example.com", "", "", "given", self.answered]]
        imp = self._import(
            xlsx_file(rows, HEADER[:6]), "fair.xlsx", source_id=self.source_fair.id
        )
        imp.action_check()
        self.assertEqual(imp.count_new, 1, imp.line_ids.message)

    def test_duplicate_by_email_phone_and_company_tax_id(self):
        it = self.env.ref("base.it")
        anna = self.Partner.create(
            {
                "name": "Anna Esistente",
                "email": "Anna.Esistente@Example.com",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        bruno = self.Partner.create(
            {
                "name": "Bruno Esistente",
                "phone": "+39 02 1234 5678",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        acme = self.Partner.create(
            {
                "name": "Acme S.r.l.",
                "is_company": True,
                "vat": "IT 01234567897",
                "country_id": it.id,
                "gdpr_source_id": self.source_phone.id,
            }
        )
        header = ["Name", "Email", "Phone", "Company Type", "Tax ID", "Country"]
        # the DPO: a marketer may not see tax IDs (financial data)
        imp = self._checked(
            [
                ["Anna", "ANNA.ESISTENTE@example.com", "", "", "", ""],
                ["Bruno", "", "0039-02-12345678", "", "", ""],
                ["Bruno bis", "", "02 1234.5678", "", "", ""],
                ["Acme", "", "", "company", "01234567897", "Italy"],
                ["Acme person", "", "", "person", "01234567897", "Italy"],
                ["Carla", "carla@example.com", "+39 333 000 1111", "", "", ""],
                ["Carla bis", "", "333 0001111", "", "", ""],
            ],
            header,
            user=self.user_dpo,
        )
        lines = self._lines(imp)
        expected = {
            2: ("duplicate", anna, "email"),
            3: ("duplicate", bruno, "phone"),
            4: ("duplicate", bruno, "phone"),
            5: ("duplicate", acme, "vat"),
            # a tax ID identifies a company, not the person filed with it
            6: ("new", self.Partner, False),
            7: ("new", self.Partner, False),
            8: ("duplicate", self.Partner, "phone"),
        }
        for number, (status, partner, kind) in expected.items():
            line = lines[number]
            self.assertEqual(
                (line.status, line.partner_id, line.match_kind),
                (status, partner, kind),
                f"row {number}: {line.message}",
            )
        self.assertEqual(lines[8].duplicate_row, 7)
        self.assertIn("row 7", lines[8].message)
        self.assertEqual((imp.count_new, imp.count_duplicate), (2, 5))

    def test_national_number_of_a_country_with_a_trunk_prefix(self):
        self.Partner.create(
            {
                "name": "Jean Martin",
                "phone": "+33 1 23 45 67 89",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        imp = self._checked(
            [["Jean", "01 23 45 67 89", "France"]], ["Name", "Phone", "Country"]
        )
        self.assertEqual(imp.line_ids.status, "duplicate")
        self.assertEqual(imp.line_ids.partner_id.name, "Jean Martin")

    def _invalid(self, rows, header=None, **settings):
        imp = self._checked(rows, header, **settings)
        self.assertEqual(imp.count_invalid, len(rows), imp.line_ids.mapped("message"))
        return {row[0]: row[1:] for row in self._report(imp)}, imp

    def test_each_invalid_reason_is_reported_with_its_column(self):
        rows = [
            ["", "noname@example.com", "", "", "", "", "", ""],
            ["Bad Email", "not-an-address", "", "", "", "", "", ""],
            ["Bad Consent", "c1@example.com", "", "", "perhaps", "", "", ""],
            ["Future", "c2@example.com", "", "", "given", "2999-01-01", "", ""],
            ["Not Date", "c3@example.com", "", "", "given", "yesterday", "", ""],
            ["Bad Channel", "c4@example.com", "", "", "given", "", "pigeon", ""],
        ]
        report, imp = self._invalid(rows, consent_purpose_id=self.purpose_marketing.id)
        expected = {
            "2": ("Name", "", "A contact needs a name."),
            "3": ("Email", "not-an-address", "Not a valid email address."),
            "4": ("Consent", "perhaps", "Unknown consent answer"),
            "5": ("Consent Date", "2999-01-01", "a date in the future"),
            "6": ("Consent Date", "yesterday", "Not a date"),
            "7": ("Consent Channel", "pigeon", "Unknown channel"),
        }
        for number, (column, value, reason) in expected.items():
            self.assertEqual(report[number][:2], [column, value], number)
            self.assertIn(reason, report[number][2])
        self.assertTrue(imp.report_filename.endswith("-errors.csv"))
        # nothing was written while checking
        self.assertFalse(self.Partner.search([("email", "=", "noname@example.com")]))

    def test_unknown_basis_source_country_and_company_type(self):
        header = ["Name", "Legal Basis", "Data Source", "Country", "Company Type"]
        rows = [
            ["One", "because", "", "", ""],
            ["Two", "", "carrier pigeon", "", ""],
            ["Three", "", "", "Atlantis", ""],
            ["Four", "", "", "", "robot"],
        ]
        report, _imp = self._invalid(rows, header)
        self.assertEqual(report["2"][:2], ["Legal Basis", "because"])
        self.assertIn("Unknown legal basis", report["2"][2])
        self.assertEqual(report["3"][:2], ["Data Source", "carrier pigeon"])
        self.assertEqual(report["4"][:2], ["Country", "Atlantis"])
        self.assertEqual(report["5"][:2], ["Company Type", "robot"])

    def test_per_row_basis_and_source_are_read_by_code_and_label(self):
        header = ["Name", "Legal Basis", "Data Source"]
        rows = [
            ["One", "contract", "phone_call"],
            ["Two", "Legitimate interest (Art. 6(1)(f))", "Phone call"],
            ["Three", "Legitimate interest", "WEBSITE"],
        ]
        imp = self._checked(rows, header)
        self.assertEqual(imp.count_new, 3, imp.line_ids.mapped("message"))

    def test_consent_without_notice_version(self):
        report, _imp = self._invalid(
            [self._row("No Notice", "nn@example.com", consent="given")],
            notice_id=False,
        )
        self.assertEqual(report["2"][0], "Consent")
        self.assertIn("version of the privacy notice", report["2"][2])

    def test_notice_published_after_the_answer(self):
        before = self.notice.valid_from - relativedelta(days=10)
        report, _imp = self._invalid(
            [self._row("Early", "early@example.com", "", "given", before)]
        )
        self.assertEqual(report["2"][:2], ["Consent Date", str(before)])
        self.assertIn("after this answer", report["2"][2])

    def test_source_requiring_explicit_consent_without_consent(self):
        rows = [
            self._row("Refused", "r@example.com", consent="refused"),
            self._row("Silent", "s@example.com"),
        ]
        report, _imp = self._invalid(rows, source_id=self.source_fair.id)
        for number in ("2", "3"):
            self.assertIn("need an explicit consent", report[number][2])
        given = self._checked(
            [self._row("Given", "g@example.com", "", "given", self.answered)],
            source_id=self.source_fair.id,
        )
        self.assertEqual(given.count_new, 1, given.line_ids.message)

    def test_basis_consent_without_consent_given(self):
        report, _imp = self._invalid(
            [self._row("Basis Only", "b@example.com")], legal_basis="consent"
        )
        self.assertEqual(report["2"][0], "Legal Basis")
        self.assertIn("legal basis is consent", report["2"][2])

    def test_lapsed_consent(self):
        self.purpose_marketing.consent_validity_months = 12
        old = self.today - relativedelta(months=13)
        self.notice.valid_from = old - relativedelta(days=1)
        report, _imp = self._invalid(
            [self._row("Old", "old@example.com", "", "given", old)]
        )
        self.assertIn("has lapsed", report["2"][2])

    def test_settings_errors_are_refused_before_any_row(self):
        imp = self._import(csv_file([["Anna", "a@example.com"]], ["Nome", "Mail"]))
        with self.assertRaisesRegex(UserError, "Name"):
            imp.action_check()
        self.assertEqual(imp.state, "mapped")
        with self.assertRaisesRegex(UserError, "cannot be read"):
            self._import(b"\x00\x01\x02 not a spreadsheet", "broken.xlsx")
        with self.assertRaisesRegex(UserError, "no row under its header"):
            self._import(b"Name,Email\n", "empty.csv")
        other = self.env["gdpr.privacy.notice"].create(
            {
                "name": "Profiling only",
                "valid_from": self.today - relativedelta(days=40),
                "purpose_ids": [
                    (6, 0, self.env.ref("gdpr_compliance.gdpr_purpose_profiling").ids)
                ],
            }
        )
        with self.assertRaisesRegex(Exception, "does not cover"):
            imp.notice_id = other

    def test_changing_a_setting_or_a_column_invalidates_the_check(self):
        imp = self._checked([self._row("Anna", "anna@example.com")])
        self.assertEqual(imp.state, "checked")
        self.assertTrue(imp.line_ids)
        imp.duplicate_mode = "merge"
        self.assertEqual(imp.state, "mapped")
        self.assertFalse(imp.line_ids)
        imp.action_check()
        imp.column_ids.filtered(lambda column: column.header == "City").target = False
        self.assertEqual(imp.state, "mapped")
