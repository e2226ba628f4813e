# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import json
from unittest import mock

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import file_open

from ..models.gdpr_import_apply import GdprImportApply
from .common_import import ImportCommon, csv_file, xlsx_file


@tagged("post_install", "-at_install")
class TestImportWrite(ImportCommon):
    """Merge or skip, all or nothing, and the consents of the file in the
    ledger with the file as their evidence."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.existing = cls.Partner.create(
            {
                "name": "Elena Esposito",
                "email": "elena.esposito@example.com",
                "city": "Napoli",
                "gdpr_legal_basis": "legitimate_interest",
                "gdpr_source_id": cls.source_phone.id,
            }
        )

    def _fair_rows(self):
        return [
            self._row(
                "Marco Neri",
                "marco.neri@example.com",
                "+39 011 555 0101",
                "given",
                self.answered,
                channel="paper",
                evidence="Badge form 117",
            ),
            self._row(
                "Elena E.",
                "ELENA.ESPOSITO@example.com",
                "+39 081 555 0202",
                "given",
                self.answered - relativedelta(days=5),
                city="Salerno",
                channel="web_form",
            ),
            self._row(
                "Marco Neri (bis)",
                "",
                "011 5550101",
                "given",
                self.answered + relativedelta(days=3),
                city="Torino",
                channel="verbal",
            ),
        ]

    def test_merge_fills_only_empty_fields_and_keeps_a_stronger_basis(self):
        imp = self._checked(
            self._fair_rows(), duplicate_mode="merge", legal_basis="consent"
        )
        lines = self._lines(imp)
        self.assertIn("City kept", lines[3].message)
        self.assertIn("merged into it", lines[4].message)
        imp.action_import()
        self.assertEqual(imp.state, "done", imp.error_message)
        self.assertEqual(
            (imp.count_created, imp.count_merged, imp.count_skipped), (1, 2, 0)
        )
        # the contact's own city stays; its empty phone is filled; its basis
        # becomes the stronger one of the file (consent over legitimate
        # interest)
        self.assertEqual(self.existing.city, "Napoli")
        self.assertEqual(self.existing.phone, "+39 081 555 0202")
        self.assertEqual(self.existing.gdpr_legal_basis, "consent")
        self.assertEqual(self.existing.gdpr_source_id, self.source_phone)
        self.assertEqual(self.existing.name, "Elena Esposito")
        marco = self.Partner.search([("gdpr_import_id", "=", imp.id)])
        self.assertEqual(marco.name, "Marco Neri")
        # the later row filled what the first left empty
        self.assertEqual(marco.city, "Torino")
        self.assertEqual(marco.gdpr_source_id, self.source_web)
        self.assertEqual(marco.gdpr_legal_basis, "consent")
        self.assertEqual(marco.gdpr_collected_by_id, self.user_marketing)
        self.assertFalse(marco.gdpr_basis_to_review)
        self.assertEqual(marco.commercial_partner_id, marco)
        self.assertEqual(marco.email_normalized, "marco.neri@example.com")
        self.assertEqual(marco.complete_name, "Marco Neri")

    def test_a_weaker_basis_never_replaces_the_contacts_own(self):
        self.existing.gdpr_legal_basis = "contract"
        imp = self._checked(
            [self._row("Elena", "elena.esposito@example.com", "+39 081 1")],
            duplicate_mode="merge",
            legal_basis="legitimate_interest",
        )
        imp.action_import()
        self.assertEqual(self.existing.gdpr_legal_basis, "contract")

    def test_skip_leaves_existing_contacts_untouched(self):
        imp = self._checked(self._fair_rows(), duplicate_mode="skip")
        self.assertIn("skipped", self._lines(imp)[3].message)
        imp.action_import()
        self.assertEqual(
            (imp.count_created, imp.count_merged, imp.count_skipped), (1, 0, 2)
        )
        self.assertFalse(self.existing.phone)
        self.assertEqual(self.existing.gdpr_legal_basis, "legitimate_interest")
        self.assertFalse(self.existing.gdpr_consent_event_ids)
        marco = self.Partner.search([("gdpr_import_id", "=", imp.id)])
        self.assertFalse(marco.city)
        self.assertEqual(marco.gdpr_consent_ids.state, "given")

    def test_consent_columns_go_to_the_ledger_with_the_files_hash(self):
        content = xlsx_file(
            [
                [row[0], row[1], row[2], row[3], row[4], self.answered, row[6], row[7]]
                for row in self._fair_rows()[:1]
            ]
            + [["Nina Refused", "nina@example.com", "", "", "refused", self.answered]]
        )
        collected = self.answered - relativedelta(days=10)
        imp = self._import(
            content, "fair.xlsx", duplicate_mode="merge", collection_date=collected
        )
        imp.action_check()
        imp.action_import()
        self.assertEqual(imp.state, "done", imp.error_message)
        digest = hashlib.sha256(content).hexdigest()
        self.assertEqual(imp.evidence_sha256, digest)
        self.assertEqual(imp.file_sha256, digest)
        self.assertEqual(imp.evidence_id.raw, content)
        events = self.env["gdpr.consent.event"].search(
            [("origin_model", "=", "gdpr.import"), ("origin_id", "=", imp.id)]
        )
        self.assertEqual(len(events), 2)
        self.assertEqual(imp.count_events, 2)
        self.assertEqual(set(events.mapped("channel")), {"import"})
        self.assertEqual(events.evidence_attachment_id, imp.evidence_id)
        self.assertEqual(events.recorded_by_id, self.user_marketing)
        self.assertEqual(events.notice_id, self.notice)
        for event in events:
            self.assertIn(digest, event.evidence)
        marco = events.partner_id.filtered(lambda p: p.name == "Marco Neri")
        marco_event = events.filtered(lambda event: event.partner_id == marco)
        self.assertEqual(marco_event.action, "given")
        self.assertIn("Row 2", marco_event.evidence)
        self.assertIn("Badge form 117", marco_event.evidence)
        self.assertIn("Paper form", marco_event.evidence)
        # the state and the last interaction run from the day of the answer
        consent = marco.gdpr_consent_ids
        self.assertEqual(consent.state, "given")
        self.assertEqual(fields.Date.to_date(consent.state_date), self.answered)
        self.assertEqual(
            fields.Date.to_date(marco.gdpr_last_interaction), self.answered
        )
        nina = events.partner_id - marco
        self.assertEqual(nina.gdpr_consent_ids.state, "refused")
        # without an answer given, the last exchange is the collection
        self.assertEqual(fields.Date.to_date(nina.gdpr_last_interaction), collected)
        self.assertEqual(nina.gdpr_collection_date, collected)
        # one attachment for the whole file, on the import
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "gdpr.import"), ("res_id", "=", imp.id)]
            ),
            1,
        )
        # audited: who imported whom, and the consents
        AuditLog = self.env["gdpr.audit.log"]
        logs = AuditLog.search(
            [("res_model", "=", "gdpr.import"), ("res_id", "=", imp.id)]
        ) | AuditLog.search(
            [("res_model", "=", "gdpr.consent.event"), ("res_id", "in", events.ids)]
        )
        self.assertEqual(set(logs.mapped("action")), {"import", "consent"})
        self.assertEqual(set(logs.user_id.ids), {self.user_marketing.id})
        keys = set(
            "\n".join(
                logs.filtered(lambda log: log.action == "import").mapped("subject_keys")
            ).split("\n")
        )
        self.assertEqual(keys, set((marco | nina).mapped("gdpr_subject_key")))
        self.assertTrue(self.env["gdpr.consent.event"]._gdpr_verify_chain()["ok"])

    def test_the_ledgers_later_answer_wins_over_the_file(self):
        self.existing._gdpr_record_consent(
            "marketing", "given", "web_form", notice=self.notice
        )
        self.existing._gdpr_record_consent("marketing", "withdrawn", "email")
        imp = self._checked(
            [
                self._row(
                    "Elena",
                    "elena.esposito@example.com",
                    "",
                    "given",
                    self.answered,
                )
            ],
            duplicate_mode="merge",
        )
        self.assertIn("later answer", imp.line_ids.message)
        imp.action_import()
        self.assertEqual(imp.state, "done")
        self.assertEqual(imp.count_events, 0)
        self.assertEqual(self.existing.gdpr_consent_ids.state, "withdrawn")

    def test_a_bad_row_aborts_the_whole_file(self):
        rows = self._fair_rows() + [self._row("Broken", "broken@", "")]
        imp = self._checked(rows, duplicate_mode="merge")
        self.assertEqual(imp.count_invalid, 1)
        imp.action_import()
        self.assertEqual(imp.state, "failed")
        self.assertIn("Nothing was imported", imp.error_message)
        self.assertIn("rows 5", imp.error_message)
        self.assertEqual(
            self._report(imp),
            [["5", "Email", "broken@", "Not a valid email address."]],
        )
        self.assertFalse(
            self.Partner.search(
                [("email", "in", ("marco.neri@example.com", "broken@"))]
            )
        )
        self.assertFalse(self.existing.phone)
        self.assertFalse(
            self.env["gdpr.consent.event"].search(
                [("origin_model", "=", "gdpr.import")]
            )
        )
        self.assertFalse(imp.evidence_id)

    def test_a_row_failing_while_written_aborts_the_whole_file(self):
        """A row the check found good but the database refuses: the report
        names it, and the rows written before it are undone."""
        rows = [self._row(f"Person {n}", f"person{n}@example.com") for n in range(5)]
        rows[3][0] = "Refused By The Database"
        group_vals = GdprImportApply._gdpr_group_vals

        def broken_group_vals(apply, imp, group):
            vals = group_vals(apply, imp, group)
            if vals["name"] == "Refused By The Database":
                vals["country_id"] = 999999999
            return vals

        imp = self._checked(rows)
        self.assertEqual(imp.count_new, 5)
        with mock.patch.object(GdprImportApply, "_gdpr_group_vals", broken_group_vals):
            imp.action_import()
        self.assertEqual(imp.state, "failed")
        report = self._report(imp)
        self.assertEqual([line[0] for line in report], ["5"])
        self.assertEqual(report[0][2], "Refused By The Database")
        self.assertFalse(
            self.Partner.search([("email", "like", "person%@example.com")])
        )
        # the file can be corrected and imported again
        imp.action_check()
        imp.action_import()
        self.assertEqual(imp.state, "done")
        self.assertEqual(
            self.Partner.search_count([("email", "like", "person%@example.com")]), 5
        )

    def test_the_file_is_not_kept_once_imported(self):
        imp = self._checked([self._row("Anna Bassi", "anna.bassi@example.com")])
        imp.action_import()
        self.assertFalse(imp.file)
        self.assertFalse(imp.line_ids)
        self.assertFalse(any(imp.column_ids.mapped("example")))
        self.assertTrue(imp.evidence_id)
        self.assertEqual(imp.partner_count, 1)
        action = imp.action_view_partners()
        self.assertEqual(
            self.Partner.search(action["domain"]).email, "anna.bassi@example.com"
        )

    def test_unfinished_imports_are_cancelled_after_a_week(self):
        stale = self._checked([self._row("Stale Person", "stale@example.com")])
        fresh = self._import(csv_file([self._row("Fresh", "fresh@example.com")]))
        done = self._checked([self._row("Done Person", "done@example.com")])
        done.action_import()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE gdpr_import SET write_date = now() - interval '8 days' "
            "WHERE id IN %s",
            [(stale.id, done.id)],
        )
        self.env.invalidate_all()
        self.Import._gc_gdpr_stale_imports()
        self.assertEqual(stale.state, "cancelled")
        self.assertFalse(stale.file)
        self.assertFalse(stale.line_ids)
        self.assertEqual(fresh.state, "mapped")
        self.assertEqual(done.state, "done")

    def test_large_files_run_in_the_background_with_progress(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.import_background_rows", "1"
        )
        rows = [self._row("Bg One", "bg1@example.com"), self._row("Bg Two", "")]
        imp = self._import(csv_file(rows))
        cron = self.env.ref("gdpr_compliance.ir_cron_gdpr_import")
        imp.action_check()
        self.assertEqual(imp.state, "checking")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        cron.method_direct_trigger()
        self.assertEqual(imp.state, "checked")
        self.assertEqual(imp.count_new, 2)
        imp.action_import()
        self.assertEqual(imp.state, "importing")
        cron.method_direct_trigger()
        self.assertEqual(imp.state, "done")
        created = self.Partner.search([("gdpr_import_id", "=", imp.id)])
        self.assertEqual(len(created), 2)
        # done as the person who asked, not as the scheduler's user
        self.assertEqual(created.create_uid, self.user_marketing)
        channel = [self.env.cr.dbname, "res.partner", self.user_marketing.partner_id.id]
        messages = [
            json.loads(bus.message)
            for bus in self.env["bus.bus"].sudo().search([])
            if json.loads(bus.channel) == channel
        ]
        progress = [
            message["payload"]
            for message in messages
            if message["type"] == "gdpr_import_progress"
        ]
        self.assertTrue(any(payload.get("label") for payload in progress))
        self.assertTrue(any(payload.get("finished") for payload in progress))
        self.assertTrue(
            any(message["type"] == "simple_notification" for message in messages)
        )

    def test_a_failing_background_job_reports_and_frees_the_import(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.import_background_rows", "1"
        )
        imp = self._import(csv_file([self._row("A", "a@example.com")] * 2))
        imp.action_check()
        imp.sudo().file = base64.b64encode(b"\x00 not a file any more")
        self.env.ref("gdpr_compliance.ir_cron_gdpr_import").method_direct_trigger()
        self.assertEqual(imp.state, "mapped")
        self.assertIn("no row under its header", imp.error_message)

    def test_the_sample_file_imports_cleanly(self):
        notice = self.env["gdpr.privacy.notice"].create(
            {
                "name": "Sample notice",
                "valid_from": "2025-12-30",
                "purpose_ids": [(6, 0, self.purpose_marketing.ids)],
            }
        )
        with file_open(
            "gdpr_compliance/static/samples/privacy_import_sample.csv", "rb"
        ) as handle:
            content = handle.read()
        imp = self._import(
            content,
            "privacy_import_sample.csv",
            source_id=self.source_fair.id,
            legal_basis="consent",
            notice_id=notice.id,
        )
        self.assertEqual(
            imp.column_ids.mapped("target"),
            [
                "name",
                "email",
                "phone",
                "mobile",
                "city",
                "country_id",
                "company_name",
                "gdpr_legal_basis",
                "gdpr_source_id",
                "consent",
                "consent_date",
                "consent_channel",
                "consent_evidence",
            ],
        )
        imp.action_check()
        self.assertEqual(imp.count_new, 7, imp.line_ids.mapped("message"))
        imp.action_import()
        self.assertEqual(imp.state, "done", imp.error_message)
        elisa = self.Partner.search([("email", "=", "elisa.ghiberti@example.com")])
        self.assertEqual(elisa.gdpr_legal_basis, "legitimate_interest")
        self.assertEqual(elisa.gdpr_source_id.code, "event")
        self.assertEqual(elisa.gdpr_consent_ids.state, "refused")
        self.assertEqual(elisa.company_name, "Ghiberti Arredi")
        self.assertEqual(imp.count_events, 6)
