# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The upgrade to scoped keys (18.0.1.1.0), for real: a database holding
pseudonyms and suppression hashes as version 18.0.1.0.0 wrote them (an HMAC
of the bare text with the database's secret, computed here with that
formula) is upgraded by ``odoo -u`` in a process of its own. The audit log,
hash-chained, must still verify and still name the person; erasure must still
destroy the person's encryption key; an address erased before must still be
refused, and a new one is hashed with the suppression scope."""

import json
import textwrap

from odoo_process import IsolatedDatabaseCase

ADDONS = "gdpr_compliance,gdpr_compliance_marketing"

BEFORE = textwrap.dedent(
    """
    import hashlib, hmac, json
    from unittest.mock import patch

    # the formula of 18.0.1.0.0: no scope
    secret = env["ir.config_parameter"].sudo().get_param("database.secret").encode()

    def old_hashes(values):
        return [
            hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()
            for value in values
        ]

    def old_pseudonyms(self, model, res_ids):
        return old_hashes([f"{model}:{res_id}" for res_id in res_ids])

    def old_suppression_hashes(self, emails):
        return old_hashes(list(emails))

    Hash = env["gdpr.keyed.hash"]
    Suppression = env["gdpr.suppression"]
    Log = env["gdpr.audit.log"]
    person = env["res.partner"].create({
        "name": "Mira Migrated",
        "email": "mira.migrated@example.org",
        "gdpr_legal_basis": "consent",
        "gdpr_source_id": env.ref("gdpr_compliance.gdpr_source_website").id,
    })
    with patch.object(type(Hash), "_gdpr_pseudonyms_of", old_pseudonyms), \\
            patch.object(type(Suppression), "_gdpr_hashes_normalized",
                         old_suppression_hashes):
        person._gdpr_record_consent("marketing", "given", "web_form")
        rectified = Log._gdpr_log(
            "rectification", "email corrected", subjects=person,
            changes={"email": ("mira@old.example.org", person.email)},
        )
        Suppression._gdpr_suppress("erased.before@example.org", "erased")
    env.cr.execute(
        "UPDATE ir_module_module SET latest_version = '18.0.1.0.0' "
        "WHERE name IN ('gdpr_compliance', 'gdpr_compliance_marketing')"
    )
    env.cr.commit()
    print(json.dumps({
        "person": person.id,
        "rectified": rectified.id,
        "old_key": old_hashes([f"res.partner:{person.id}"])[0],
        "old_suppression": old_hashes(["erased.before@example.org"])[0],
        "log_ok": Log._gdpr_verify_chain()["ok"],
    }))
    """
)

AFTER = textwrap.dedent(
    """
    import json
    from odoo.exceptions import ValidationError
    from odoo.tools.misc import hmac

    Log = env["gdpr.audit.log"]
    Suppression = env["gdpr.suppression"]
    person = env["res.partner"].browse(%(person)d)
    rectified = Log.browse(%(rectified)d)
    key = person.gdpr_subject_key
    env.cr.execute(
        "SELECT name, latest_version FROM ir_module_module "
        "WHERE name IN ('gdpr_compliance', 'gdpr_compliance_marketing')"
    )
    result = {
        "versions": dict(env.cr.fetchall()),
        "key": key,
        "log_ok": Log._gdpr_verify_chain()["ok"],
        "ledger_ok": env["gdpr.consent.event"]._gdpr_verify_chain()["ok"],
        "entry_keys": rectified.subject_keys,
        "found": sorted(Log.search([("person_key", "=", key)]).mapped("action")),
        "readable": rectified.changes_display,
        "legacy": Suppression.search(
            [("email_hash", "=", "%(old_suppression)s")]
        ).legacy_hash,
        "suppressed": sorted(Suppression._gdpr_suppressed(
            ["Erased.Before@example.org", "never.listed@example.org"]
        )),
    }
    try:
        env["mailing.contact"]._gdpr_check_not_erased(["erased.before@example.org"])
        result["import_refused"] = False
    except ValidationError:
        result["import_refused"] = True
    new = Suppression._gdpr_suppress("erased.after@example.org", "erased")
    result["new_hash_scoped"] = new.email_hash == hmac(
        env(su=True), "gdpr_compliance_marketing.suppression",
        "erased.after@example.org",
    )
    result["new_legacy"] = new.legacy_hash
    env["gdpr.erasure"]._gdpr_apply(person, "anonymise")
    env.cr.execute(
        "SELECT count(*) FROM gdpr_audit_subject_key WHERE subject_key = ANY(%%s)",
        [["%(old_key)s", key]],
    )
    result["crypto_keys_left"] = env.cr.fetchone()[0]
    rectified.invalidate_recordset()
    result["readable_after_erasure"] = rectified.changes_display
    result["log_ok_after_erasure"] = Log._gdpr_verify_chain()["ok"]
    env.cr.commit()
    print(json.dumps(result))
    """
)


def last_json(output):
    return json.loads(output.strip().splitlines()[-1])


class TestKeyMigration(IsolatedDatabaseCase):
    modules = ADDONS

    def test_upgrade_keeps_old_keys_working(self):
        before = last_json(self._odoo(stdin=BEFORE).stdout)
        self.assertTrue(before["log_ok"])

        self._odoo("-u", ADDONS, "--stop-after-init")

        after = last_json(self._odoo(stdin=AFTER % before).stdout)
        self.assertEqual(
            after["versions"],
            {
                "gdpr_compliance": "18.0.1.2.0",
                "gdpr_compliance_marketing": "18.0.1.1.0",
            },
        )
        # the chained entries are as they were, and still verify
        self.assertTrue(after["log_ok"])
        self.assertTrue(after["ledger_ok"])
        self.assertEqual(after["entry_keys"], before["old_key"])
        # the person's new key finds what was logged under the old one
        self.assertNotEqual(after["key"], before["old_key"])
        self.assertIn("consent", after["found"])
        self.assertIn("rectification", after["found"])
        self.assertIn("mira@old.example.org", after["readable"])
        # an address erased before stays refused; new ones are scoped
        self.assertTrue(after["legacy"])
        self.assertEqual(after["suppressed"], ["erased.before@example.org"])
        self.assertTrue(after["import_refused"])
        self.assertTrue(after["new_hash_scoped"])
        self.assertFalse(after["new_legacy"])
        # erasure destroys the person's encryption key, old key included
        self.assertEqual(after["crypto_keys_left"], 0)
        self.assertIn("Not readable any more", after["readable_after_erasure"])
        self.assertTrue(after["log_ok_after_erasure"])
