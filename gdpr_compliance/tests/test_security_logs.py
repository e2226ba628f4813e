# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The consent ledger and the audit log stay append-only against plain SQL
(TRUNCATE included), their head is kept by the database alone, and the
verification reports a log made shorter."""

import psycopg2

from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common_request import RequestCommon

LOGS = ("gdpr.consent.event", "gdpr.audit.log")


@tagged("post_install", "-at_install")
class TestLogsAppendOnly(RequestCommon):
    def setUp(self):
        super().setUp()
        # an event in the ledger and its entry in the audit log
        self._record(self.prospect)
        self._record(self.prospect, "withdrawn")
        self.env.flush_all()

    def _refused(self, query, pattern):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(psycopg2.Error, pattern),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(query)

    def test_truncate_and_head_changes_are_refused(self):
        for model in LOGS:
            table = SQL.identifier(self.env[model]._table)
            head = SQL.identifier(self.env[model]._gdpr_head_table())
            with self.subTest(model=model):
                # CASCADE: a plain TRUNCATE of the ledger already stops at the
                # consents referring to it
                self._refused(
                    SQL("TRUNCATE %s CASCADE", table), "append-only: TRUNCATE refused"
                )
                self._refused(SQL("TRUNCATE %s", head), "TRUNCATE refused")
                self._refused(SQL("DELETE FROM %s", head), "DELETE refused")
                self._refused(
                    SQL("UPDATE %s SET sequence = 0, hash = 'x'", head),
                    "UPDATE refused",
                )
                self.assertTrue(self.env[model]._gdpr_verify_chain()["ok"])

    def test_an_entry_not_following_the_head_is_refused(self):
        for model in LOGS:
            Log = self.env[model].sudo()
            last = Log.search([], order="sequence desc", limit=1)
            with self.subTest(model=model):
                # a copy of the last entry inserted by hand at the next position,
                # chained on anything but the head
                self._refused(
                    SQL(
                        """
                        CREATE TEMP TABLE gdpr_forged_entry AS
                            SELECT * FROM %(table)s ORDER BY sequence DESC LIMIT 1;
                        UPDATE gdpr_forged_entry
                           SET id = nextval(%(sequence)s),
                               sequence = sequence + 1,
                               previous_hash = 'forged';
                        INSERT INTO %(table)s SELECT * FROM gdpr_forged_entry;
                        """,
                        table=SQL.identifier(Log._table),
                        sequence=f"{Log._table}_id_seq",
                    ),
                    "does not follow",
                )
                self.assertEqual(Log.search([], order="sequence desc", limit=1), last)

    def _with_triggers_off(self, model, *queries):
        """Change a log as someone able to switch its triggers off would."""
        Log = self.env[model]
        tables = [SQL.identifier(Log._table), SQL.identifier(Log._gdpr_head_table())]
        for table in tables:
            self.env.cr.execute(SQL("ALTER TABLE %s DISABLE TRIGGER USER", table))
        for query in queries:
            self.env.cr.execute(query)
        for table in tables:
            self.env.cr.execute(SQL("ALTER TABLE %s ENABLE TRIGGER USER", table))
        self.env.invalidate_all()

    def test_emptied_log_is_reported(self):
        for model in LOGS:
            Log = self.env[model]
            count = Log.sudo().search_count([])
            with self.subTest(model=model):
                self._with_triggers_off(
                    model, SQL("TRUNCATE %s CASCADE", SQL.identifier(Log._table))
                )
                result = Log._gdpr_verify_chain()
                self.assertFalse(result["ok"])
                self.assertEqual(result["checked"], 0)
                self.assertIn(f"#{count}", result["problem"])

    def test_log_without_its_head_is_reported(self):
        for model in LOGS:
            Log = self.env[model]
            with self.subTest(model=model):
                self._with_triggers_off(
                    model,
                    SQL("DELETE FROM %s", SQL.identifier(Log._gdpr_head_table())),
                )
                result = Log._gdpr_verify_chain()
                self.assertFalse(result["ok"])
                self.assertIn("last entry is missing", result["problem"])
