# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading

import psycopg2

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.gdpr_consent_event import CONSENT_CHANNEL_SELECTION
from .common import ConsentCommon


@tagged("post_install", "-at_install")
class TestConsentLedger(ConsentCommon):
    def test_every_action_and_channel_is_recorded(self):
        for channel, _label in CONSENT_CHANNEL_SELECTION:
            for action in ("given", "withdrawn", "refused", "expired"):
                event = self._record(self.prospect, action, channel)
                self.assertEqual((event.action, event.channel), (action, channel))
        self.assertEqual(
            len(self.prospect.gdpr_consent_event_ids),
            len(CONSENT_CHANNEL_SELECTION) * 4,
        )

    def test_event_content_and_defaults(self):
        event = self._record(
            self.prospect.with_user(self.user_sales),
            evidence="Ticked the box",
            ip="192.0.2.10",
            user_agent="Mozilla/5.0",
        )
        self.assertEqual(event.notice_id, self.notice)
        self.assertEqual(event.recorded_by_id, self.user_sales)
        self.assertEqual(event.ip_address, "192.0.2.10")
        self.assertTrue(event.event_time)
        self.assertEqual(len(event.hash), 64)
        previous = self.Event.search([("sequence", "=", event.sequence - 1)])
        self.assertEqual(event.previous_hash, previous.hash)

    def test_state_follows_the_last_event(self):
        sequence = [
            ("given", "given"),
            ("withdrawn", "withdrawn"),
            ("given", "given"),
            ("refused", "refused"),
            ("expired", "expired"),
        ]
        for action, expected in sequence:
            self._record(self.prospect, action)
            consent = self.prospect.gdpr_consent_ids.filtered(
                lambda c: c.purpose_id == self.purpose_marketing
            )
            self.assertEqual(consent.state, expected)
        self.assertEqual(len(self.prospect.gdpr_consent_ids), 1)
        self.assertEqual(
            self.prospect._gdpr_consent_state(self.purpose_profiling), "none"
        )

    def test_bad_input_records_nothing(self):
        count = self.Event.search_count([])
        with self.assertRaisesRegex(ValidationError, "Unknown processing purpose"):
            self.prospect._gdpr_record_consent("horoscope", "given", "web_form")
        with self.assertRaisesRegex(ValidationError, "channel"):
            self.prospect._gdpr_record_consent("marketing", "given", None)
        with self.assertRaisesRegex(ValidationError, "not a consent channel"):
            self.prospect._gdpr_record_consent("marketing", "given", "pigeon")
        with self.assertRaisesRegex(ValidationError, "not a consent action"):
            self.prospect._gdpr_record_consent("marketing", "maybe", "email")
        self.purpose_marketing.consent_evidence_required = True
        with self.assertRaisesRegex(ValidationError, "requires evidence"):
            self.prospect._gdpr_record_consent("marketing", "given", "phone")
        self.assertEqual(self.Event.search_count([]), count)
        self.assertFalse(self.prospect.gdpr_consent_ids)
        # withdrawing never needs evidence: as easy as giving
        self._record(self.prospect, "withdrawn", "email")

    def test_given_consent_needs_a_notice(self):
        sales = self.env.ref("gdpr_compliance.gdpr_purpose_sales_followup")
        with self.assertRaisesRegex(ValidationError, "privacy notice"):
            self.prospect._gdpr_record_consent(sales, "given", "verbal")
        other = self.env["gdpr.privacy.notice"].create(
            {"name": "Support notice", "purpose_ids": [(6, 0, sales.ids)]}
        )
        with self.assertRaisesRegex(ValidationError, "does not cover"):
            self._record(self.prospect, notice=other)

    def test_write_and_unlink_refused_even_as_superuser(self):
        event = self._record(self.prospect)
        for events in (
            event,
            event.sudo(),
            event.with_user(self.env.ref("base.user_root")),
        ):
            with self.assertRaises(UserError):
                events.write({"evidence": "forged"})
            with self.assertRaises(UserError):
                events.unlink()
        self.assertFalse(event.evidence)

    def test_direct_create_refused(self):
        with self.assertRaises(AccessError):
            self.Event.sudo().create(
                {
                    "partner_id": self.prospect.id,
                    "purpose_id": self.purpose_marketing.id,
                    "action": "given",
                    "channel": "api",
                }
            )
        consent = self._record(self.prospect) and self.prospect.gdpr_consent_ids
        with self.assertRaises(AccessError):
            consent.sudo().write({"state": "withdrawn"})

    def test_sql_update_and_delete_refused_by_trigger(self):
        event = self._record(self.prospect)
        self.env.flush_all()
        for query in (
            "UPDATE gdpr_consent_event SET evidence_encrypted = 'forged' WHERE id = %s",
            "DELETE FROM gdpr_consent_event WHERE id = %s",
        ):
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(psycopg2.Error, "append-only"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(query, [event.id])

    def _tamper(self, query, params):
        """Change the ledger as an attacker with database access would."""
        self.env.flush_all()
        self.env.cr.execute(
            "ALTER TABLE gdpr_consent_event "
            "DISABLE TRIGGER gdpr_consent_event_append_only"
        )
        self.env.cr.execute(query, params)
        self.env.cr.execute(
            "ALTER TABLE gdpr_consent_event "
            "ENABLE TRIGGER gdpr_consent_event_append_only"
        )
        self.env.invalidate_all()

    def test_verify_intact_ledger(self):
        for _i in range(3):
            self._record(self.prospect)
        result = self.Event._gdpr_verify_chain()
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["checked"], self.Event.search_count([]))

    def test_verify_detects_altered_event(self):
        first = self._record(self.prospect)
        self._record(self.prospect, "withdrawn")
        self._tamper(
            "UPDATE gdpr_consent_event SET action = 'refused' WHERE id = %s", [first.id]
        )
        result = self.Event._gdpr_verify_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["sequence"], first.sequence)
        self.assertIn("altered", result["problem"])

    def test_verify_detects_deleted_event(self):
        self._record(self.prospect)
        middle = self._record(self.prospect, "withdrawn")
        middle_sequence = middle.sequence
        last = self._record(self.prospect)
        last_sequence = last.sequence
        self._tamper("DELETE FROM gdpr_consent_event WHERE id = %s", [middle.id])
        result = self.Event._gdpr_verify_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["sequence"], middle_sequence)
        # removing the newest events is caught too: the head remembers them
        self._tamper(
            "DELETE FROM gdpr_consent_event WHERE sequence >= %s", [middle_sequence]
        )
        result = self.Event._gdpr_verify_chain()
        self.assertFalse(result["ok"])
        self.assertIn(str(last_sequence), result["problem"])

    def test_verify_detects_rehashed_event(self):
        first = self._record(self.prospect)
        self._record(self.prospect, "withdrawn")
        # an attacker recomputing the hash of the event he changed still breaks
        # the link with the next event
        values = {field: first[field] for field in ("sequence", "action", "channel")}
        self._tamper(
            "UPDATE gdpr_consent_event SET action = 'refused', hash = %s WHERE id = %s",
            [
                self.Event._gdpr_hash(
                    dict(
                        values,
                        action="refused",
                        partner_id=first.partner_id.id,
                        subject_key=first.subject_key,
                        purpose_id=first.purpose_id.id,
                        notice_id=first.notice_id.id,
                        recorded_by_id=first.recorded_by_id.id,
                        event_time=first.event_time,
                        previous_hash=first.previous_hash,
                    )
                ),
                first.id,
            ],
        )
        result = self.Event._gdpr_verify_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["sequence"], first.sequence + 1)

    def test_verify_action_only_for_dpo(self):
        with self.assertRaises(AccessError):
            self.Event.with_user(self.user_sales).action_verify_ledger()
        action = self.Event.with_user(self.user_dpo).action_verify_ledger()
        self.assertEqual(action["params"]["type"], "success")

    def test_salesperson_records_and_reads(self):
        event = self._record(self.prospect.with_user(self.user_sales))
        self.assertEqual(
            self.prospect.with_user(self.user_sales).gdpr_consent_event_ids, event
        )
        self.assertEqual(event.with_user(self.user_sales).action, "given")


@tagged("post_install", "-at_install")
class TestConsentConcurrency(ConsentCommon):
    def test_two_transactions_recording_at_once_keep_one_chain(self):
        """Two real database connections record events at the same time; the
        advisory lock serialises them, so the chain stays valid."""
        registry = self.env.registry
        partner_id = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo").id
        barrier = threading.Barrier(2)
        admin_id = self.env.ref("base.user_admin").id
        errors = []
        created = []

        retries = []

        def record_one(wait):
            # what Odoo's RPC layer does: retry on a serialization failure
            for _attempt in range(20):
                with registry.cursor() as cr:
                    env = self.env(cr=cr, user=admin_id)
                    partner = env["res.partner"].browse(partner_id)
                    if wait:
                        barrier.wait(timeout=10)
                        wait = False
                    try:
                        event = partner._gdpr_record_consent(
                            "profiling", "refused", "api"
                        )
                        # two real transactions are the point of this test
                        cr.commit()  # pylint: disable=invalid-commit
                        return event.id
                    except psycopg2.errors.SerializationFailure:
                        cr.rollback()
                        retries.append(1)
            raise AssertionError("no attempt succeeded")

        def writer():
            try:
                for index in range(5):
                    created.append(record_one(wait=index == 0))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        if registry.in_test_mode():
            self.skipTest("needs independent database connections")
        threads = [threading.Thread(target=writer) for _i in range(2)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertFalse(errors)
            with registry.cursor() as cr:
                env = self.env(cr=cr)
                result = env["gdpr.consent.event"]._gdpr_verify_chain()
                self.assertTrue(result["ok"], result)
                cr.execute(
                    "SELECT count(DISTINCT sequence), count(*) FROM gdpr_consent_event "
                    "WHERE id = ANY(%s)",
                    [created],
                )
                self.assertEqual(cr.fetchone(), (10, 10))
        finally:
            self._cleanup_committed(created)

    def _cleanup_committed(self, event_ids):
        if not event_ids:
            return
        with self.env.registry.cursor() as cr:
            # the database keeps the ledger and its head: switched off to undo
            # what this test committed
            for table in ("gdpr_consent_event", "gdpr_consent_event_head"):
                cr.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cr.execute(
                "DELETE FROM gdpr_consent WHERE last_event_id = ANY(%s)", [event_ids]
            )
            cr.execute("DELETE FROM gdpr_consent_event WHERE id = ANY(%s)", [event_ids])
            cr.execute(
                "UPDATE gdpr_consent_event_head h SET sequence = e.sequence, "
                "hash = e.hash FROM (SELECT sequence, hash FROM gdpr_consent_event "
                "ORDER BY sequence DESC LIMIT 1) e WHERE h.id = 1"
            )
            for table in ("gdpr_consent_event", "gdpr_consent_event_head"):
                cr.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
