# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The upgrade to the encrypted consent ledger (18.0.1.2.0), for real: a
database holding consent events as version 18.0.1.1.0 stored them (evidence,
IP address and browser in clear columns named after the fields, the hash
chain over them) is upgraded by ``odoo -u`` in a process of its own. After
it no clear value is left in the ledger, the chain verifies, the re-sealing
is recorded in the audit log, and the events still read the old values."""

import json
import textwrap

from odoo_process import IsolatedDatabaseCase

ADDONS = "gdpr_compliance,gdpr_compliance_marketing"

# what 18.0.1.1.0 hashed: the clear columns, no person key
OLD_COLUMNS = [
    "sequence",
    "partner_id",
    "origin_model",
    "origin_id",
    "purpose_id",
    "action",
    "channel",
    "notice_id",
    "evidence",
    "evidence_attachment_id",
    "ip_address",
    "user_agent",
    "recorded_by_id",
    "carried_from_id",
    "event_time",
    "previous_hash",
]

BEFORE = textwrap.dedent(
    """
    import json
    OLD_COLUMNS = %(columns)s
    Event = env["gdpr.consent.event"]
    source = env.ref("gdpr_compliance.gdpr_source_website")
    person = env["res.partner"].create({
        "name": "Ottavia Chiaro", "email": "ottavia.chiaro@example.org",
        "gdpr_legal_basis": "consent", "gdpr_source_id": source.id,
    })
    lead = env["crm.lead"].create({
        "name": "Kitchen for Ottavia", "contact_name": "Ottavia Chiaro",
        "gdpr_legal_basis": "consent", "gdpr_source_id": source.id,
    })
    person._gdpr_record_consent(
        "marketing", "given", "web_form",
        evidence="Newsletter form of ottavia.chiaro@example.org",
        ip="203.0.113.88", user_agent="OttaviaBrowser/3.0",
    )
    lead._gdpr_record_consent(
        "marketing", "refused", "phone", evidence="Ottavia said no on the phone",
        ip="203.0.113.89",
    )
    # erased before the upgrade: 18.0.1.1.0 destroyed the audit log's key
    # and left the ledger's clear values
    erased = env["res.partner"].create({
        "name": "Erasmo Passato", "email": "erasmo.passato@example.org",
        "gdpr_legal_basis": "consent", "gdpr_source_id": source.id,
    })
    erased._gdpr_record_consent(
        "marketing", "given", "paper", evidence="Paper form of Erasmo Passato",
        ip="203.0.113.90",
    )
    env.flush_all()
    cr = env.cr
    # the ledger as 18.0.1.1.0 stored it: clear values, chained over them
    cr.execute(
        "ALTER TABLE gdpr_consent_event ADD COLUMN evidence text, "
        "ADD COLUMN ip_address varchar, ADD COLUMN user_agent varchar"
    )
    cr.execute("ALTER TABLE gdpr_consent_event DISABLE TRIGGER USER")
    cr.execute("ALTER TABLE gdpr_consent_event_head DISABLE TRIGGER USER")
    events = Event.search([], order="sequence")
    clear = {e.id: (e.evidence, e.ip_address, e.user_agent) for e in events}
    for event_id, (evidence, ip, browser) in clear.items():
        cr.execute(
            "UPDATE gdpr_consent_event SET evidence = %%s, ip_address = %%s, "
            "user_agent = %%s, evidence_encrypted = NULL, "
            "ip_address_encrypted = NULL, user_agent_encrypted = NULL, "
            "subject_key = NULL WHERE id = %%s",
            [evidence or None, ip or None, browser or None, event_id],
        )
    cr.execute(
        "SELECT id, %%s FROM gdpr_consent_event ORDER BY sequence"
        %% ", ".join(OLD_COLUMNS)
    )
    last = "0" * 64
    for values in cr.fetchall():
        row = dict(zip(["id", *OLD_COLUMNS], values), previous_hash=last)
        last = Event._gdpr_hash(row, OLD_COLUMNS)
        cr.execute(
            "UPDATE gdpr_consent_event SET previous_hash = %%s, hash = %%s "
            "WHERE id = %%s", [row["previous_hash"], last, row["id"]],
        )
    cr.execute("UPDATE gdpr_consent_event_head SET hash = %%s", [last])
    cr.execute("ALTER TABLE gdpr_consent_event ENABLE TRIGGER USER")
    cr.execute("ALTER TABLE gdpr_consent_event_head ENABLE TRIGGER USER")
    env["gdpr.audit.log"]._gdpr_log("erasure", "anonymise", subjects=erased)
    cr.execute(
        "DELETE FROM gdpr_audit_subject_key WHERE subject_key = %%s",
        [env["gdpr.keyed.hash"]._gdpr_pseudonym_of("res.partner", erased.id)],
    )
    cr.execute(
        "UPDATE ir_module_module SET latest_version = '18.0.1.1.0' "
        "WHERE name IN ('gdpr_compliance', 'gdpr_compliance_marketing')"
    )
    env.invalidate_all()
    result = {
        "events": {str(k): v for k, v in clear.items()},
        "head": last,
        "old_ok": Event._gdpr_verify_chain(OLD_COLUMNS)["ok"],
        "person": person.id,
        "erased_events": [str(e.id) for e in events if e.partner_id == erased],
    }
    env.cr.commit()
    print(json.dumps(result))
    """
)

AFTER = textwrap.dedent(
    """
    import json
    Event = env["gdpr.consent.event"]
    Log = env["gdpr.audit.log"]
    cr = env.cr
    cr.execute(
        "SELECT latest_version FROM ir_module_module WHERE name = 'gdpr_compliance'"
    )
    version = cr.fetchone()[0]
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'gdpr_consent_event' "
        "AND data_type IN ('text', 'character varying')"
    )
    columns = [row[0] for row in cr.fetchall()]
    cr.execute(
        "SELECT concat_ws(' ', %%s) FROM gdpr_consent_event"
        %% ", ".join(columns)
    )
    stored = " ".join(row[0] for row in cr.fetchall())
    events = Event.search([])
    reseal = Log.search([("action", "=", "reseal")])
    result = {
        "version": version,
        "columns": sorted(columns),
        "stored": stored,
        "ledger_ok": Event._gdpr_verify_chain()["ok"],
        "log_ok": Log._gdpr_verify_chain()["ok"],
        "reseal": reseal.mapped("description"),
        "read": {
            str(e.id): [e.evidence or None, e.ip_address or None,
                        e.user_agent or None]
            for e in events
        },
        "notes": {str(e.id): e.erasure_note or "" for e in events},
    }
    person = env["res.partner"].browse(%(person)d)
    env["gdpr.erasure"]._gdpr_apply(person, "anonymise")
    env.invalidate_all()
    result["after_erasure"] = [
        e.erasure_note or "" for e in Event.search([("partner_id", "=", person.id)])
    ]
    result["ledger_ok_after_erasure"] = Event._gdpr_verify_chain()["ok"]
    env.cr.commit()
    print(json.dumps(result))
    """
)


def last_json(output):
    return json.loads(output.strip().splitlines()[-1])


class TestLedgerEncryptionMigration(IsolatedDatabaseCase):
    modules = ADDONS

    def test_upgrade_encrypts_clear_events_and_reseals(self):
        before = last_json(
            self._odoo(stdin=BEFORE % {"columns": repr(OLD_COLUMNS)}).stdout
        )
        self.assertTrue(before["old_ok"])
        clear = [value for row in before["events"].values() for value in row if value]
        self.assertIn("203.0.113.88", clear)

        self._odoo("-u", ADDONS, "--stop-after-init")

        after = last_json(self._odoo(stdin=AFTER % before).stdout)
        self.assertEqual(after["version"], "18.0.1.2.0")
        # the clear columns are gone, no clear value is left anywhere in
        # the ledger's text
        for name in ("evidence", "ip_address", "user_agent"):
            self.assertNotIn(name, after["columns"])
        for value in clear:
            self.assertNotIn(value, after["stored"])
        self.assertNotIn("Ottavia", after["stored"])
        # the chain verifies over the new stored values, and the re-sealing
        # is itself in the audit log's chain, naming the former head
        self.assertTrue(after["ledger_ok"])
        self.assertTrue(after["log_ok"])
        self.assertEqual(len(after["reseal"]), 1)
        self.assertIn(before["head"], after["reseal"][0])
        self.assertIn(f"{len(before['events'])} events", after["reseal"][0])
        self.assertIn("chain before: intact", after["reseal"][0])
        # decryption gives back what was stored in clear, but for the person
        # erased before the upgrade: theirs is erased, as of their erasure
        erased = before["erased_events"]
        self.assertEqual(len(erased), 1)
        self.assertEqual(
            {k: v for k, v in after["read"].items() if k not in erased},
            {
                event_id: [value or None for value in values]
                for event_id, values in before["events"].items()
                if event_id not in erased
            },
        )
        for event_id in erased:
            self.assertEqual(after["read"][event_id], [None, None, None])
            self.assertTrue(after["notes"][event_id].startswith("Erased on"))
        # and the erasure makes the person's events unreadable
        self.assertTrue(after["after_erasure"])
        for note in after["after_erasure"]:
            self.assertTrue(note.startswith("Erased on"), note)
        self.assertTrue(after["ledger_ok_after_erasure"])
