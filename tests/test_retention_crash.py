# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The retention engine killed in the middle of a batch, for real: a separate
Odoo process on a database of its own commits batch after batch and dies with
a batch half-applied; nothing of that batch may remain, every earlier batch
must, and the next scheduled call resumes the same run."""

import textwrap

from odoo_process import IsolatedDatabaseCase, due_people_script

BATCH = 5
PEOPLE = 23
CRASH_IN_BATCH = 3

CRASH = textwrap.dedent(
    """
    import os
    from odoo.addons.gdpr_compliance.models.gdpr_retention_run import (
        GdprRetentionRun,
    )
    original = GdprRetentionRun._gdpr_apply_rows
    calls = []

    def dying(self, rows):
        original(self, rows)
        calls.append(len(rows))
        if len(calls) == %(crash)d:
            # the batch is applied in the transaction, not yet committed
            os._exit(9)

    GdprRetentionRun._gdpr_apply_rows = dying
    env["gdpr.retention.run"]._cron_gdpr_retention()
    """
)

RESUME = 'env["gdpr.retention.run"]._cron_gdpr_retention()\n'


class TestRetentionCrash(IsolatedDatabaseCase):
    def _state(self):
        # the lines of the scheduled runs: the demo data hold a dry run too
        scheduled_lines = """
            SELECT run_id, partner_id, result FROM gdpr_retention_run_line
             WHERE run_id IN (SELECT id FROM gdpr_retention_run WHERE scheduled)
        """
        conn = self._connect(self.db)
        with conn, conn.cursor() as cr:
            cr.execute(
                f"""
                SELECT id, name, email, phone, gdpr_retention_state
                  FROM res_partner WHERE name LIKE 'Crash Person %%'
                    OR id IN (SELECT partner_id FROM ({scheduled_lines}) AS l)
                """  # noqa: S608 - a constant
            )
            partners = cr.fetchall()
            cr.execute(
                "SELECT id, state FROM gdpr_retention_run WHERE scheduled ORDER BY id"
            )
            runs = cr.fetchall()
            cr.execute(scheduled_lines)
            lines = cr.fetchall()
        conn.close()
        return partners, runs, lines

    def test_killed_mid_batch_loses_nothing_and_resumes(self):
        self._odoo(
            stdin=due_people_script(
                "Crash Person", "crash", "+39 051 000", PEOPLE, BATCH
            )
        )
        crashed = self._odoo(stdin=CRASH % {"crash": CRASH_IN_BATCH}, check=False)
        self.assertEqual(crashed.returncode, 9, crashed.stderr[-2000:])

        partners, runs, lines = self._state()
        processed = [row for row in partners if row[4]]
        untouched = [row for row in partners if not row[4]]
        # two whole batches kept, the third one gone whole
        committed = BATCH * (CRASH_IN_BATCH - 1)
        self.assertEqual(len(processed), committed)
        self.assertEqual(len(lines), committed)
        self.assertEqual({line[2] for line in lines}, {"done"})
        self.assertEqual({line[1] for line in lines}, {row[0] for row in processed})
        for _id, name, email, phone, _state in processed:
            self.assertFalse(name.startswith("Crash Person"))
            self.assertFalse(email or phone, f"{name} kept an address")
        for _id, name, email, phone, _state in untouched:
            self.assertTrue(email and phone, f"{name} was half-processed")
        self.assertEqual([state for _id, state in runs], ["running"])

        self._odoo(stdin=RESUME)
        partners, runs, lines = self._state()
        self.assertEqual(len(runs), 1, "the next call resumes the same run")
        self.assertEqual(runs[0][1], "done")
        self.assertFalse([row for row in partners if row[1].startswith("Crash")])
        self.assertEqual(len(lines), len({line[1] for line in lines}))
        self.assertGreaterEqual(len(lines), PEOPLE)
