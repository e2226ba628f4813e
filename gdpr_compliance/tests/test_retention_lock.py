# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One retention run at a time: while another process holds the run lock, the
daily action and a DPO's apply process nobody and say why."""

from unittest.mock import patch

from odoo.sql_db import db_connect
from odoo.tests import tagged

from odoo.addons.gdpr_compliance.models import gdpr_retention_run
from odoo.addons.gdpr_compliance.models.gdpr_retention_run import (
    RUN_LOCK_KEY,
    GdprRunInProgress,
)

from .test_retention import RetentionCommon


@tagged("post_install", "-at_install")
class TestRetentionLock(RetentionCommon):
    def _hold_lock_elsewhere(self):
        """Take the run lock on a connection of its own, as a run in another
        worker does; released at the end of the test."""
        cr = db_connect(self.env.cr.dbname).cursor()
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", RUN_LOCK_KEY)
        self.assertTrue(cr.fetchone()[0])

        def release():
            if not cr.closed:
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", RUN_LOCK_KEY)
                cr.close()

        self.addCleanup(release)
        return release

    def test_cron_during_another_run_processes_nobody(self):
        person = self._person("Locked Out Person", 40)
        runs_before = self.Run.search_count([])
        release = self._hold_lock_elsewhere()
        with patch.object(gdpr_retention_run._logger, "info") as info:
            self.assertEqual(self.Run._cron_gdpr_retention(), 0)
        self.assertIn("another run is in progress", info.call_args[0][0])
        self.assertEqual(self.Run.search_count([]), runs_before, "no run started")
        person.invalidate_recordset()
        self.assertEqual(person.name, "Locked Out Person")
        self.assertFalse(person.gdpr_retention_state)

        # once the other run has finished, the next call does the work
        release()
        self.Run._cron_gdpr_retention()
        person.invalidate_recordset()
        self.assertTrue(person.gdpr_anonymised_date)

    def test_apply_during_another_run_is_refused_and_changes_nothing(self):
        person = self._person("Applied Too Soon", 40)
        preview = self.Run.with_user(self.user_dpo)._gdpr_preview()
        self.assertIn(person, preview.line_ids.partner_id)
        runs_before = self.Run.search_count([])
        self._hold_lock_elsewhere()
        with self.assertRaisesRegex(GdprRunInProgress, "in progress"):
            preview.with_user(self.user_dpo).action_apply()
        self.assertEqual(self.Run.search_count([]), runs_before)
        person.invalidate_recordset()
        self.assertEqual(person.name, "Applied Too Soon")

    def test_a_dry_run_needs_no_lock(self):
        person = self._person("Previewed During A Run", 40)
        self._hold_lock_elsewhere()
        preview = self.Run.with_user(self.user_dpo)._gdpr_preview()
        self.assertIn(person, preview.line_ids.partner_id)

    def test_the_lock_is_released_after_a_run_and_after_a_failure(self):
        person = self._person("Released Person", 40)
        self.Run._gdpr_start()._gdpr_execute(subjects=self._subjects(person))
        self._assert_lock_free()
        run = self.Run._gdpr_start()
        with self.assertRaises(ZeroDivisionError):
            with run._gdpr_exclusive():
                raise ZeroDivisionError
        self._assert_lock_free()

    def _assert_lock_free(self):
        cr = db_connect(self.env.cr.dbname).cursor()
        try:
            cr.execute("SELECT pg_try_advisory_lock(%s, %s)", RUN_LOCK_KEY)
            self.assertTrue(cr.fetchone()[0], "the run lock was left held")
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", RUN_LOCK_KEY)
        finally:
            cr.close()
