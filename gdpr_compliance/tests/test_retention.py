# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError, ValidationError
from odoo.modules import module
from odoo.sql_db import TestCursor as OdooTestCursor  # not a test class
from odoo.tests import Form, tagged

from odoo.addons.gdpr_compliance.models.gdpr_retention_run_line import (
    GdprRetentionRunLine,
)
from odoo.addons.gdpr_compliance.models.res_partner import ResPartner

from .common import GdprCommon, tables_containing


class RetentionCommon(GdprCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.now = fields.Datetime.now()
        cls.purpose_followup = cls.env.ref(
            "gdpr_compliance.gdpr_purpose_sales_followup"
        )
        cls.purpose_accounting = cls.env.ref("gdpr_compliance.gdpr_purpose_accounting")
        cls.Run = cls.env["gdpr.retention.run"]
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)

    def _person(self, name, months_ago, **vals):
        partner = self.Partner.create(
            {
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}@example.com",
                "phone": "+39 051 000 1111",
                "gdpr_legal_basis": "legitimate_interest",
                "gdpr_source_id": self.source_fair.id,
                **vals,
            }
        )
        self._age(partner, months_ago)
        return partner

    @staticmethod
    def _subjects(partners):
        return {("res.partner", partner_id) for partner_id in partners.ids}

    def _due(self, partners, as_of=None):
        rows = self.Partner._gdpr_retention_due(as_of=as_of, partner_ids=partners.ids)
        return {row["partner_id"]: row for row in rows}

    def _customer(self, name, months_ago):
        partner = self._person(name, months_ago)
        lead = self.Lead.create(
            {
                "name": f"Deal {name}",
                "partner_id": partner.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_fair.id,
                "stage_id": self.won_stage.id,
            }
        )
        self.env.flush_all()
        when = self.now - relativedelta(months=months_ago)
        self.env.cr.execute(
            "UPDATE crm_lead SET date_closed = %s WHERE id = %s", (when, lead.id)
        )
        self._age(partner, months_ago)
        return partner


@tagged("post_install", "-at_install")
class TestRetention(RetentionCommon):
    def test_prospect_due_after_the_longest_purpose(self):
        old = self._person("Old Prospect", 30)
        recent = self._person("Recent Prospect", 6)
        due = self._due(old | recent)
        self.assertEqual(set(due), {old.id})
        self.assertEqual(due[old.id]["purpose_id"], self.purpose_followup.id)
        self.assertEqual(due[old.id]["action"], "anonymise")
        self.assertFalse(due[old.id]["hold"])
        # 19 more months and the recent one's 24 months are over too
        later = self._due(old | recent, as_of=self.now + relativedelta(months=19))
        self.assertEqual(set(later), {old.id, recent.id})

    def test_creation_anchor_ignores_later_interactions(self):
        self.purpose_followup.write(
            {"retention_anchor": "creation", "retention_months": 36}
        )
        person = self._person("Collected Long Ago", 2)
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_collection_date = %s WHERE id = %s",
            ((self.now - relativedelta(months=40)).date(), person.id),
        )
        person.invalidate_recordset()
        due = self._due(person)
        self.assertEqual(due[person.id]["purpose_id"], self.purpose_followup.id)
        expected = (self.now - relativedelta(months=4)).date()
        self.assertEqual(due[person.id]["keep_until"].date(), expected)

    def test_customer_kept_for_fiscal_purposes(self):
        customer = self._customer("Long Customer", 30)
        self.assertFalse(self._due(customer), "accounting keeps it ten years")
        due = self._due(customer, as_of=self.now + relativedelta(years=9))
        self.assertEqual(due[customer.id]["purpose_id"], self.purpose_accounting.id)
        self.assertEqual(due[customer.id]["action"], "delete")

    def test_consent_purpose_applies_only_to_consenting_people(self):
        marketing = self.purpose_marketing
        self.purpose_followup.retention_months = 6
        person = self._person("Consenting Person", 12)
        self.assertIn(person.id, self._due(person))
        person._gdpr_record_consent(marketing, "given", "web_form")
        # giving consent is an interaction: the clock starts again
        self.assertFalse(self._due(person))
        self._age(person, 30)
        self.assertEqual(self._due(person)[person.id]["purpose_id"], marketing.id)
        self.assertEqual(self._due(person)[person.id]["action"], "marketing_removal")

    def test_marketing_stops_when_its_retention_is_over(self):
        person = self._person("Lapsed Subscriber", 0)
        person._gdpr_record_consent(self.purpose_marketing, "given", "web_form")
        self.assertTrue(person._gdpr_can_process("marketing")[0])
        self._age(person, 25)
        allowed, reason = person._gdpr_can_process("marketing")
        self.assertFalse(allowed)
        self.assertEqual(reason, "Retention period over")
        excluded = self.env["gdpr.processing.rule"]._gdpr_refusals(
            person.ids, "marketing"
        )
        self.assertEqual(excluded, {person.id: "lapsed"})

    def test_dry_run_changes_nothing(self):
        old = self._person("Dry Run Person", 30)
        run = self.Run._gdpr_start(dry_run=True)
        run._gdpr_execute(subjects=self._subjects(old))
        self.assertEqual(run.state, "done")
        self.assertEqual(run.line_ids.partner_id, old)
        self.assertEqual(run.line_ids.result, "planned")
        self.assertEqual(run.line_ids.partner_key, old._gdpr_pseudonym())
        old.invalidate_recordset()
        self.assertEqual(old.name, "Dry Run Person")
        self.assertFalse(old.gdpr_retention_state)
        self.assertIn("anonymise", run.summary.lower())
        logged = (
            self.env["gdpr.audit.log"]
            .sudo()
            .search([("res_model", "=", run._name), ("res_id", "=", run.id)])
        )
        self.assertEqual(logged.action, "retention")
        self.assertIn("dry run, 1 processed", logged.description)

    def test_preview_wizard_then_apply(self):
        old = self._person("Previewed Person", 30)
        wizard = Form(
            self.env["gdpr.retention.preview.wizard"].with_user(self.user_dpo)
        )
        action = wizard.save().action_preview()
        preview = self.Run.browse(action["res_id"])
        self.assertTrue(preview.dry_run)
        self.assertIn(old, preview.line_ids.partner_id)
        self.assertFalse(old.gdpr_anonymised_date)
        action = preview.with_user(self.user_dpo).action_apply()
        run = self.Run.browse(action["res_id"])
        self.assertFalse(run.dry_run)
        self.assertEqual(run.state, "done")
        old.invalidate_recordset()
        self.assertTrue(old.gdpr_anonymised_date)
        self.assertNotEqual(old.name, "Previewed Person")
        line = run.line_ids.filtered(lambda line: line.partner_id == old)
        self.assertEqual((line.action, line.result), ("anonymise", "done"))

    def test_run_sweeps_the_database_once_at_the_end(self):
        people = self._person("Swept Person", 30) | self._person("Swept Other", 30)
        note = (
            self.env["ir.config_parameter"]
            .sudo()
            .create(
                {
                    "key": "gdpr_test.retention_note",
                    "value": "call swept.person@example.com, "
                    "then swept.other@example.com",
                }
            )
        )
        run = self.Run._gdpr_start()
        run._gdpr_execute(batch_size=1, subjects=self._subjects(people))
        self.assertEqual(run.partner_count, 2)
        note.invalidate_recordset()
        self.assertEqual(note.value, "call [erased], then [erased]")
        self.assertFalse(self.env["gdpr.erasure.pending"].sudo().search_count([]))
        self.assertFalse(
            tables_containing(self.env, "swept.person@example.com", "Swept Other")
        )

    def test_preview_is_for_the_dpo(self):
        with self.assertRaises(UserError):
            self.env["gdpr.retention.preview.wizard"].with_user(self.user_sales).create(
                {}
            ).action_preview()

    def test_legal_hold_minimises_then_releases(self):
        held = self._person("Held Person", 30, street="Via Po 1", vat="IT00000010215")
        hold = self.env["gdpr.legal.hold"].create(
            {"partner_id": held.id, "reason": "Pending dispute"}
        )
        self.assertTrue(hold.is_current)
        self.assertEqual(self._due(held)[held.id]["hold"], "Pending dispute")
        run = self.Run._gdpr_start()
        run._gdpr_execute(subjects=self._subjects(held))
        self.assertEqual(run.line_ids.action, "minimise")
        self.assertEqual(run.line_ids.hold_reason, "Pending dispute")
        held.invalidate_recordset()
        self.assertEqual((held.name, held.street), ("Held Person", "Via Po 1"))
        self.assertFalse(held.email or held.phone)
        self.assertTrue(held.gdpr_restricted)
        self.assertFalse(self._due(held), "nothing more while the hold lasts")
        hold.write(
            {
                "date_from": fields.Date.today() - timedelta(days=10),
                "date_until": fields.Date.today() - timedelta(days=1),
            }
        )
        self.assertFalse(hold.is_current)
        self.assertEqual(self._due(held)[held.id]["action"], "anonymise")
        self.Run._gdpr_start()._gdpr_execute(subjects=self._subjects(held))
        held.invalidate_recordset()
        self.assertEqual(held.gdpr_retention_state, "anonymised")
        self.assertNotEqual(held.name, "Held Person")

    def test_hold_dates_are_checked(self):
        person = self._person("Hold Dates", 1)
        with self.assertRaises(ValidationError):
            self.env["gdpr.legal.hold"].create(
                {
                    "partner_id": person.id,
                    "reason": "Audit",
                    "date_from": fields.Date.today(),
                    "date_until": fields.Date.today() - timedelta(days=3),
                }
            )

    def test_failure_leaves_the_contact_untouched_and_others_processed(self):
        people = (
            self._person("Batch One", 30)
            | self._person("Batch Broken", 30)
            | self._person("Batch Three", 30)
        )
        broken = people[1]
        original = ResPartner._gdpr_retention_apply

        def flaky(records, purpose, action, hold=False):
            result = original(records, purpose, action, hold=hold)
            if broken in records:
                raise ValueError("disk full")
            return result

        with patch.object(ResPartner, "_gdpr_retention_apply", flaky):
            run = self.Run._gdpr_start()
            run._gdpr_execute(subjects=self._subjects(people))
        results = {line.partner_key: line.result for line in run.line_ids}
        self.assertEqual(results[broken._gdpr_pseudonym()], "error")
        self.assertEqual(run.error_count, 1)
        self.assertIn("disk full", run.line_ids.filtered("message").message)
        people.invalidate_recordset()
        self.assertEqual(broken.name, "Batch Broken", "rolled back whole")
        self.assertEqual(broken.email, "batch.broken@example.com")
        self.assertFalse(broken.gdpr_retention_state)
        self.assertTrue((people - broken).mapped("gdpr_anonymised_date")[0])
        self.assertTrue(all((people - broken).mapped("gdpr_anonymised_date")))
        # still due: the next run tries again
        self.assertIn(broken.id, self._due(broken))

    def test_scheduled_run_resumes_in_batches(self):
        people = self.Partner.browse()
        for index in range(3):
            people |= self._person(f"Resumed Person {index}", 40)
        first = self.Run._gdpr_start(scheduled=True)
        remaining = first._gdpr_execute(
            batch_size=1, max_batches=1, subjects=self._subjects(people)
        )
        self.assertEqual(remaining, 1, "more is due")
        self.assertEqual(first.state, "running")
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.retention_batch_size", "1"
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.retention_batches_per_call", "1000"
        )
        self.Run._cron_gdpr_retention()
        self.assertEqual(first.state, "done", "the cron resumed the same run")
        self.assertEqual(self.Run.search_count([("scheduled", "=", True)]), 1)
        self.assertLessEqual(set(people.ids), set(first.line_ids.partner_id.ids))
        people.invalidate_recordset()
        self.assertTrue(all(people.mapped("gdpr_anonymised_date")))
        self.assertFalse(self._due(people), "nothing left to resume")

    def test_processed_contact_comes_back_only_after_a_new_period(self):
        self.purpose_followup.retention_action = "archive"
        person = self._person("Archived Person", 30)
        self.Run._gdpr_start()._gdpr_execute(subjects=self._subjects(person))
        person.invalidate_recordset()
        self.assertFalse(person.active)
        self.assertEqual(person.gdpr_retention_state, "archived")
        self.assertFalse(self._due(person))
        person._gdpr_touch_interaction()
        self.assertFalse(
            self._due(person, as_of=self.now + relativedelta(months=23)),
        )
        self.assertTrue(self._due(person, as_of=self.now + relativedelta(months=25)))

    def test_processing_again_dates_the_state_again(self):
        """A contact archived long ago, then heard of and forgotten again, is
        archived once more and dated now: otherwise it would stay due."""
        self.purpose_followup.retention_action = "archive"
        person = self._person("Twice Archived", 30)
        self.Run._gdpr_start()._gdpr_execute(subjects=self._subjects(person))
        self._age(person, 26)
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_retention_date = %s WHERE id = %s",
            (self.now - relativedelta(months=28), person.id),
        )
        person.invalidate_recordset()
        self.assertTrue(self._due(person))
        self.Run._gdpr_start()._gdpr_execute(subjects=self._subjects(person))
        person.invalidate_recordset()
        self.assertEqual(person.gdpr_retention_state, "archived")
        self.assertGreater(
            person.gdpr_retention_date, self.now - relativedelta(months=1)
        )
        self.assertFalse(self._due(person))

    def test_users_and_companies_are_outside_retention(self):
        company = self._person("Old Company Srl", 60, is_company=True)
        self.assertFalse(self._due(company | self.user_sales.partner_id))

    def test_marketing_removal_expires_the_consent(self):
        for purpose in self.Purpose.search([("code", "!=", "marketing")]):
            purpose.active = False
        person = self._person("Removed Subscriber", 0)
        person._gdpr_record_consent(self.purpose_marketing, "given", "web_form")
        self._age(person, 30)
        run = self.Run._gdpr_start()
        run._gdpr_execute(subjects=self._subjects(person))
        self.assertEqual(run.line_ids.action, "marketing_removal")
        self.assertEqual(person._gdpr_consent_state(self.purpose_marketing), "expired")
        self.assertEqual(person.gdpr_retention_state, "marketing_removed")
        self.assertTrue(person.active)


@tagged("post_install", "-at_install")
class TestRetentionScheduled(RetentionCommon):
    """The scheduled action as the scheduler runs it, outside test mode: a
    commit after every batch, and a run marked failed, its committed batches
    kept, when the engine stops on an error. Commits and rollbacks are those of
    Odoo's test cursor (a savepoint each) on this test's transaction."""

    @contextmanager
    def _scheduler_env(self, batch_size):
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("gdpr_compliance.retention_batch_size", str(batch_size))
        icp.set_param("gdpr_compliance.retention_batches_per_call", "1000")
        self.env.flush_all()
        cr = OdooTestCursor(self.env.cr, threading.RLock(), readonly=False)
        try:
            with patch.object(module, "current_test", None):
                yield api.Environment(cr, SUPERUSER_ID, {})
        finally:
            cr.close()
        self.env.invalidate_all()

    def _due_count(self):
        return len(self.Run._gdpr_start(dry_run=True)._gdpr_due_rows(None, set()))

    def _lines_kept(self, env):
        env.cr.execute("SELECT count(*) FROM gdpr_retention_run_line")
        return env.cr.fetchone()[0]

    def test_each_batch_is_committed(self):
        for index in range(5):
            self._person(f"Committed Person {index}", 40)
        due = self._due_count()
        with self._scheduler_env(batch_size=2) as env:
            before = self._lines_kept(env)
            kept = []
            commit = env.cr.commit

            def counting_commit():
                commit()
                kept.append(self._lines_kept(env) - before)

            with patch.object(env.cr, "commit", counting_commit):
                env["gdpr.retention.run"]._cron_gdpr_retention()
        batches = [min(2 * index, due) for index in range(1, (due + 1) // 2 + 1)]
        # one commit per batch, then the run's end
        self.assertEqual(kept, [*batches, due])
        run = self.Run.search([("scheduled", "=", True)])
        self.assertEqual((run.state, run.partner_count), ("done", due))

    def test_failed_run_keeps_its_committed_batches(self):
        people = self.Partner.browse()
        for index in range(5):
            people |= self._person(f"Failing Person {index}", 40)
        original = GdprRetentionRunLine._gdpr_insert
        calls = []

        def failing(lines, vals_list):
            calls.append(len(vals_list))
            # the second batch is applied, its lines not yet written
            if len(calls) == 2:
                raise ValueError("connection to the database lost")
            return original(lines, vals_list)

        with (
            self._scheduler_env(batch_size=2) as env,
            patch.object(GdprRetentionRunLine, "_gdpr_insert", failing),
            self.assertRaisesRegex(ValueError, "database lost"),
        ):
            env["gdpr.retention.run"]._cron_gdpr_retention()
        run = self.Run.search([("scheduled", "=", True)])
        self.assertEqual(run.state, "failed")
        self.assertIn("database lost", run.error_message)
        self.assertTrue(run.date_end)
        # the first batch was committed before the error: it stays, whole;
        # the second is rolled back, whole
        self.assertEqual(len(run.line_ids), 2)
        self.assertEqual(set(run.line_ids.mapped("result")), {"done"})
        processed = self.Partner.with_context(active_test=False).search(
            [("gdpr_retention_state", "!=", False)]
        )
        self.assertEqual(processed, run.line_ids.partner_id)
        # the next call starts a new run for whoever is still due
        self.Run._cron_gdpr_retention()
        self.assertFalse(self._due(people), "nothing left after the next call")
