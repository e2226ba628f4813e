# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_request import RequestCommon


@tagged("post_install", "-at_install")
class TestAuditLog(RequestCommon):
    def test_entries_name_people_by_key_only(self):
        event = self.prospect._gdpr_record_consent("marketing", "given", "web_form")
        entry = self._audit("consent", event)
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.subject_keys, self.prospect._gdpr_pseudonym())
        self.assertEqual(entry.user_id, self.env.user)
        self.assertEqual(entry.subject_count, 1)
        for value in entry.read(list(entry._gdpr_chain_fields))[0].values():
            self.assertNotIn("Prospect", str(value))
            self.assertNotIn("prospect@example.com", str(value))

    def test_nobody_writes_or_deletes(self):
        self.prospect._gdpr_record_consent("marketing", "given", "web_form")
        entry = self.AuditLog.search([], limit=1)
        with self.assertRaises(AccessError):
            self.env["gdpr.audit.log"].create([{"action": "export"}])
        with self.assertRaises(UserError):
            entry.write({"description": "nothing happened"})
        with self.assertRaises(UserError):
            entry.unlink()
        self.assertTrue(entry.with_user(self.user_dpo).read(["description"]))
        with self.assertRaises(AccessError):
            entry.with_user(self.user_sales).read(["description"])
        with self.assertRaises(UserError):
            entry.with_user(self.user_dpo).write({"description": "x"})
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(psycopg2.Error, "append-only"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE gdpr_audit_log SET description = 'x' WHERE id = %s", [entry.id]
            )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(psycopg2.Error, "append-only"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute("DELETE FROM gdpr_audit_log WHERE id = %s", [entry.id])

    def test_tampering_is_detected(self):
        for action in ("given", "withdrawn", "given"):
            self.prospect._gdpr_record_consent("marketing", action, "web_form")
        self.assertTrue(self.AuditLog._gdpr_verify_chain()["ok"])
        last = self.AuditLog.search([], order="sequence desc", limit=1)
        # someone with database rights switches the trigger off to edit
        self.env.cr.execute("ALTER TABLE gdpr_audit_log DISABLE TRIGGER USER")
        self.env.cr.execute(
            "UPDATE gdpr_audit_log SET user_id = %s WHERE id = %s",
            [self.user_sales.id, last.id - 1],
        )
        self.env.cr.execute("ALTER TABLE gdpr_audit_log ENABLE TRIGGER USER")
        self.env.invalidate_all()
        result = self.AuditLog._gdpr_verify_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["sequence"], last.sequence - 1)
        self.assertIn("altered", result["problem"])
        notification = (
            self.env["gdpr.audit.log"].with_user(self.user_dpo).action_verify_log()
        )
        self.assertEqual(notification["params"]["type"], "danger")
        with self.assertRaises(AccessError):
            self.env["gdpr.audit.log"].with_user(self.user_sales).action_verify_log()

    def test_removed_tail_is_detected(self):
        self.prospect._gdpr_record_consent("marketing", "given", "web_form")
        last = self.AuditLog.search([], order="sequence desc", limit=1)
        self.env.cr.execute("ALTER TABLE gdpr_audit_log DISABLE TRIGGER USER")
        self.env.cr.execute("DELETE FROM gdpr_audit_log WHERE id = %s", [last.id])
        self.env.cr.execute("ALTER TABLE gdpr_audit_log ENABLE TRIGGER USER")
        result = self.AuditLog._gdpr_verify_chain()
        self.assertFalse(result["ok"])
        self.assertIn("removed", result["problem"])

    def test_request_actions_and_erasure_are_logged(self):
        request = self._verified("restriction")
        request._gdpr_process()
        descriptions = self._audit("request", request).mapped("description")
        self.assertTrue(any("received" in d for d in descriptions))
        self.assertTrue(any("identity verified" in d for d in descriptions))
        self.assertTrue(any("processing restricted" in d for d in descriptions))
        key = self.prospect._gdpr_pseudonym()
        self.prospect.with_user(self.user_dpo)._gdpr_anonymize()
        erasure = self._audit("erasure")
        self.assertEqual(erasure.subject_keys, key)
        self.assertEqual(erasure.user_id, self.user_dpo)
