# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import format_date

from odoo.addons.gdpr_compliance.models.gdpr_subject_key import GdprSubjectKey

from .common import ConsentCommon, tables_containing

EVIDENCE = "Web form of Livia Santarelli, livia.santarelli@example.org"
IP = "203.0.113.41"
BROWSER = "LiviaBrowser/7.1 (X11)"


@tagged("post_install", "-at_install")
class TestConsentLedgerEncryption(ConsentCommon):
    """The ledger stores what an event says about the person (evidence, IP
    address, browser) encrypted with the person's own key: readable while the
    person's data exist, unreadable once the erasure destroyed the key, the
    hash chain intact all along."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person = cls.Partner.create(
            {
                "name": "Livia Santarelli",
                "email": "livia.santarelli@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.source_fair.id,
            }
        )

    def _record_proof(self, partner=None):
        return self._record(
            partner or self.person, evidence=EVIDENCE, ip=IP, user_agent=BROWSER
        )

    def _ledger_columns_containing(self, *needles):
        return {
            column
            for table, column in tables_containing(self.env, *needles)
            if table == self.Event._table
        }

    def _raw(self, event):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT subject_key, evidence_encrypted, ip_address_encrypted, "
            "user_agent_encrypted FROM gdpr_consent_event WHERE id = %s",
            [event.id],
        )
        return self.env.cr.fetchone()

    def test_stored_encrypted_shown_in_clear(self):
        event = self._record_proof()
        key, *stored = self._raw(event)
        self.assertEqual(
            key,
            self.env["gdpr.keyed.hash"]._gdpr_pseudonym_of(
                "res.partner", self.person.id
            ),
        )
        self.assertTrue(all(stored))
        self.assertFalse(self._ledger_columns_containing(EVIDENCE, IP, BROWSER))
        # the screens, the proof and the person's own copy read it in clear
        event.invalidate_recordset()
        self.assertEqual(
            event.read(["evidence", "ip_address", "user_agent", "erasure_note"])[0],
            {
                "id": event.id,
                "evidence": EVIDENCE,
                "ip_address": IP,
                "user_agent": BROWSER,
                "erasure_note": False,
            },
        )
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "gdpr_compliance.report_gdpr_consent_proof", self.person.ids
        )
        self.assertIn(EVIDENCE, html.decode())
        self.assertIn(IP, html.decode())
        data = self.env["gdpr.subject.export"]._gdpr_personal_data(self.person)
        self.assertEqual([c["ip_address"] for c in data["consents"]], [IP])
        self.assertTrue(self.Event._gdpr_verify_chain()["ok"])

    def test_erasure_leaves_the_events_unreadable(self):
        event = self._record_proof()
        self._record(self.person, "withdrawn", "email", ip=IP)
        # an event that said nothing of the person says they were erased too
        self._record(self.person, "refused", "phone")
        key = event.subject_key
        self.person.with_user(self.user_dpo)._gdpr_erase()
        self.env.invalidate_all()
        # no clear text of the person in any text column of the ledger
        self.assertFalse(
            self._ledger_columns_containing(
                EVIDENCE,
                IP,
                BROWSER,
                "Livia Santarelli",
                "livia.santarelli@example.org",
            )
        )
        self.assertTrue(self.Event._gdpr_verify_chain()["ok"])
        events = self.Event.search([("subject_key", "=", key)])
        self.assertEqual(len(events), 3)
        for erased in events:
            self.assertFalse(erased.evidence or erased.ip_address or erased.user_agent)
            self.assertTrue(erased.erased_on)
            self.assertEqual(
                erased.erasure_note,
                f"Erased on {format_date(self.env, erased.erased_on.date())}",
            )
            self.assertEqual(erased.subject_key, key)
        # the proof of the consents says so, with the person's key
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "gdpr_compliance.report_gdpr_consent_proof", event.partner_id.ids
        )
        self.assertIn("Erased on", html.decode())
        self.assertIn(key, html.decode())
        self.assertNotIn(IP, html.decode())

    def test_erasure_empties_the_evidence_document(self):
        """A scanned form attached to the person is their data too: the
        record the chain names stays, its content goes."""
        form = self.env["ir.attachment"].create(
            {
                "name": "Modulo firmato Livia Santarelli.txt",
                "res_model": "res.partner",
                "res_id": self.person.id,
                "raw": b"Firmato: Livia Santarelli, 203.0.113.41",
            }
        )
        self._record(self.person, attachment=form)
        self.person.with_user(self.user_dpo)._gdpr_erase()
        self.env.invalidate_all()
        self.assertTrue(form.exists())
        self.assertFalse(form.raw)
        self.assertNotIn("Livia", form.name)
        self.assertFalse(tables_containing(self.env, "Livia Santarelli", IP))
        self.assertTrue(self.Event._gdpr_verify_chain()["ok"])

    def test_lead_consent_uses_the_lead_key_and_goes_with_the_person(self):
        lead = self.Lead.create(
            {
                "name": "Kitchen for Livia",
                "contact_name": "Livia Santarelli",
                "email_from": "livia.santarelli@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        on_lead = lead._gdpr_record_consent(
            "marketing", "given", "web_form", evidence=EVIDENCE, ip=IP
        )
        self.assertEqual(
            on_lead.subject_key,
            self.env["gdpr.keyed.hash"]._gdpr_pseudonym_of("crm.lead", lead.id),
        )
        self.assertEqual(on_lead.evidence, EVIDENCE)
        # the consent follows the lead to its contact, under the contact's key
        lead.partner_id = self.person
        carried = self.Event.search([("carried_from_id", "=", on_lead.id)])
        self.assertEqual(carried.evidence, EVIDENCE)
        self.assertEqual(carried.ip_address, IP)
        self.assertNotEqual(carried.subject_key, on_lead.subject_key)
        self.person.with_user(self.user_dpo)._gdpr_erase()
        self.env.invalidate_all()
        self.assertFalse(on_lead.evidence or carried.evidence)
        self.assertTrue(on_lead.erasure_note and carried.erasure_note)
        self.assertFalse(self._ledger_columns_containing(EVIDENCE, IP))

    def test_recorded_again_after_anonymisation(self):
        """A contact kept anonymised (other records need it) may be recorded
        again: the new event gets a new key, the old ones stay erased."""
        before = self._record_proof()
        self.env["gdpr.erasure"]._gdpr_apply(self.person, "anonymise")
        after = self._record(self.person, "withdrawn", "email", ip="192.0.2.9")
        self.env.invalidate_all()
        self.assertEqual(after.ip_address, "192.0.2.9")
        self.assertFalse(after.erasure_note)
        self.assertFalse(before.ip_address)
        self.assertTrue(before.erasure_note.startswith("Erased on"))

    def test_tampered_ciphertext_is_detected(self):
        event = self._record_proof()
        self._record(self.person, "withdrawn", "email")
        _key, evidence, _ip, _browser = self._raw(event)
        forged = evidence[:-8] + ("A" * 8 if evidence[-8:] != "A" * 8 else "B" * 8)
        self.env.cr.execute(
            "ALTER TABLE gdpr_consent_event "
            "DISABLE TRIGGER gdpr_consent_event_append_only"
        )
        self.env.cr.execute(
            "UPDATE gdpr_consent_event SET evidence_encrypted = %s WHERE id = %s",
            [forged, event.id],
        )
        self.env.cr.execute(
            "ALTER TABLE gdpr_consent_event "
            "ENABLE TRIGGER gdpr_consent_event_append_only"
        )
        self.env.invalidate_all()
        result = self.Event._gdpr_verify_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["sequence"], event.sequence)
        self.assertIn("altered", result["problem"])
        self.assertIn("altered", event.evidence)
        self.assertFalse(event.erasure_note)

    def test_batch_looks_keys_up_once(self):
        """An import's consents: one key per person, created in one lookup
        for the whole batch, whatever the number of events."""
        other = self.prospect
        entries = [
            {
                "partner": partner,
                "purpose": purpose,
                "action": "given",
                "channel": "import",
                "evidence": f"Row {n} of the fair's list",
                "ip": IP,
            }
            for n, (partner, purpose) in enumerate(
                [
                    (self.person, self.purpose_marketing),
                    (self.person, self.purpose_profiling),
                    (other, self.purpose_marketing),
                ]
            )
        ]
        calls = []
        original = GdprSubjectKey._gdpr_ciphers

        def counted(model, keys, create=False):
            calls.append((sorted(set(keys)), create))
            return original(model, keys, create=create)

        with patch.object(GdprSubjectKey, "_gdpr_ciphers", counted):
            events = self.Event._gdpr_record_batch(entries)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0], (sorted(set(events.mapped("subject_key"))), True))
        self.assertEqual(len(calls[0][0]), 2)
        self.env.invalidate_all()
        self.assertEqual(
            events.mapped("evidence"), [entry["evidence"] for entry in entries]
        )
