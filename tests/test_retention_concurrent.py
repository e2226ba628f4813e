# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two retention runs at once, for real: two Odoo processes on a database of
their own, the first one a scheduled call that commits batch after batch, the
second started while the first is between batches, as the daily action on a
second cron worker and a DPO applying a dry run would. Every person must be
processed exactly once, and the second process must process nobody and say
why."""

import subprocess
import sys
import tempfile
import textwrap
import time

from odoo_process import IsolatedDatabaseCase, due_people_script

from odoo.tools import config

BATCH = 4
PEOPLE = 16

# the DPO's dry run, applied by the second process
PREVIEW = textwrap.dedent(
    """
    dpo = env.ref("base.user_admin")
    preview = env["gdpr.retention.run"].with_user(dpo)._gdpr_preview()
    print("PREVIEW", preview.id)
    """
)

# the first process: the scheduled call, slowed down after each committed
# batch so that the second one surely starts in the middle of it
SLOW_CRON = textwrap.dedent(
    """
    import time
    from odoo.addons.gdpr_compliance.models.gdpr_retention_run import (
        GdprRetentionRun,
    )
    original = GdprRetentionRun._gdpr_process_batch

    def slow(self, rows):
        original(self, rows)
        time.sleep(1.5)

    GdprRetentionRun._gdpr_process_batch = slow
    print("FIRST", env["gdpr.retention.run"]._cron_gdpr_retention())
    env.cr.commit()
    """
)

# the second process: the daily action again, then the DPO's apply
SECOND = textwrap.dedent(
    """
    from odoo.exceptions import UserError
    Run = env["gdpr.retention.run"]
    print("CRON", Run._cron_gdpr_retention())
    try:
        Run.browse(%(preview)d).with_user(env.ref("base.user_admin")).action_apply()
        print("APPLY done")
    except UserError as error:
        print("APPLY refused:", error.args[0])
    env.cr.commit()
    """
)


class TestRetentionTwoProcesses(IsolatedDatabaseCase):
    def _popen(self, code):
        command = [
            sys.executable,
            "-m",
            "odoo",
            "shell",
            "-c",
            config.rcfile,
            "-d",
            self.db,
            "--log-level=warn",
            "--no-http",
        ]
        script = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
        self.addCleanup(script.close)
        script.write(code)
        script.seek(0)
        return subprocess.Popen(
            command,
            stdin=script,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def _lines_done(self):
        return self._rows(
            """
            SELECT l.partner_id, l.run_id FROM gdpr_retention_run_line l
              JOIN gdpr_retention_run r ON r.id = l.run_id
             WHERE NOT r.dry_run AND l.result = 'done'
            """
        )

    def test_second_run_meanwhile_processes_nobody(self):
        setup = self._odoo(
            stdin=due_people_script(
                "Twice Person", "twice", "+39 051 111", PEOPLE, BATCH, then=PREVIEW
            )
        )
        preview_id = int(setup.stdout.split("PREVIEW", 1)[1].split()[0])
        twice = self._rows("SELECT id FROM res_partner WHERE name LIKE 'Twice %%'")
        self.assertEqual(len(twice), PEOPLE)

        first = self._popen(SLOW_CRON)
        # wait until the first process has committed its first batch
        deadline = time.monotonic() + 120
        while not self._lines_done():
            self.assertIsNone(first.poll(), "the first run ended before a batch")
            self.assertLess(time.monotonic(), deadline, "the first run never started")
            time.sleep(0.2)
        second = self._popen(SECOND % {"preview": preview_id})
        second_out, second_err = second.communicate(timeout=300)
        first_out, first_err = first.communicate(timeout=300)
        self.assertEqual(second.returncode, 0, second_err[-3000:])
        self.assertEqual(first.returncode, 0, first_err[-3000:])
        # the second process ran while the first one held the lock
        self.assertIn("CRON 0", second_out)
        self.assertIn("APPLY refused: Another retention run is in progress", second_out)
        self.assertIn("FIRST 0", first_out)

        lines = self._lines_done()
        processed = [partner_id for partner_id, _run in lines]
        twice_ids = {row[0] for row in twice}
        self.assertEqual(len(processed), len(set(processed)), "someone processed twice")
        self.assertLessEqual(twice_ids, set(processed), "someone left unprocessed")
        self.assertEqual(len({run for _partner, run in lines}), 1, "a single run")
        runs = self._rows("SELECT count(*) FROM gdpr_retention_run WHERE NOT dry_run")
        self.assertEqual(runs[0][0], 1, "the second process started no run")
