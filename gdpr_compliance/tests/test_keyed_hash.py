# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import hmac

from odoo.addons.gdpr_compliance.models import gdpr_keyed_hash
from odoo.addons.gdpr_compliance.models.gdpr_keyed_hash import PSEUDONYM_SCOPE


def legacy_pseudonyms(hashes, model, res_ids):
    """Pseudonyms as version 18.0.1.0.0 computed them: an HMAC of
    ``model:id`` with the database's secret, without scope."""
    return hashes._gdpr_legacy_pseudonyms_of(model, res_ids)


@tagged("post_install", "-at_install")
class TestKeyedHash(TransactionCase):
    """One home for keyed hashes: signatures per scope the Odoo way, and no
    hash at all without the database's secret."""

    def setUp(self):
        super().setUp()
        self.Hash = self.env["gdpr.keyed.hash"]

    def test_signature_per_scope(self):
        signature = self.Hash._gdpr_hmac("gdpr_compliance.request_link", "42")
        self.assertEqual(
            signature, hmac(self.env(su=True), "gdpr_compliance.request_link", "42")
        )
        self.assertNotEqual(
            signature,
            self.Hash._gdpr_hmac("gdpr_compliance_marketing.double_opt_in", "42"),
        )

    def test_pseudonyms_are_stable_and_keyed(self):
        key = self.Hash._gdpr_pseudonym_of("res.partner", 7)
        # their own scope: a pseudonym is no signature of a link, nor the
        # unscoped hash stored before
        self.assertEqual(key, hmac(self.env(su=True), PSEUDONYM_SCOPE, "res.partner:7"))
        self.assertNotEqual(
            key, self.Hash._gdpr_legacy_pseudonyms_of("res.partner", [7])[0]
        )
        self.assertEqual(key, self.Hash._gdpr_pseudonyms_of("res.partner", [7])[0])
        self.assertNotEqual(key, self.Hash._gdpr_pseudonym_of("res.partner", 8))
        self.env["ir.config_parameter"].sudo().set_param(
            "database.secret", "another secret"
        )
        self.assertNotEqual(key, self.Hash._gdpr_pseudonym_of("res.partner", 7))

    def test_pseudonyms_remembered_are_the_keyed_ones(self):
        """A batch asks the same people's keys several times: they are
        hashed once, remembered for the secret they were made with, and the
        memory has a bound."""
        ids = list(range(1, 8))
        expected = [
            hmac(self.env(su=True), PSEUDONYM_SCOPE, f"res.partner:{res_id}")
            for res_id in ids
        ]
        self.assertEqual(self.Hash._gdpr_pseudonyms_of("res.partner", ids), expected)
        hashes = type(self.Hash)._gdpr_hmacs
        with patch.object(
            type(self.Hash), "_gdpr_hmacs", side_effect=AssertionError("hashed")
        ):
            self.assertEqual(
                self.Hash._gdpr_pseudonyms_of("res.partner", ids[::-1]),
                expected[::-1],
            )
        # another model, the same ids: other keys
        other = self.Hash._gdpr_pseudonyms_of("crm.lead", ids)
        self.assertFalse(set(other) & set(expected))
        # past its bound the memory starts again
        with (
            patch.object(gdpr_keyed_hash, "PSEUDONYM_MEMO_SIZE", 4),
            patch.object(
                type(self.Hash), "_gdpr_hmacs", autospec=True, side_effect=hashes
            ) as hashed,
        ):
            self.assertEqual(
                self.Hash._gdpr_pseudonyms_of("res.partner", ids), expected
            )
            hashed.assert_called_once()
            self.assertEqual(
                len(self.env.cr.cache[gdpr_keyed_hash.PSEUDONYM_MEMO]), len(ids)
            )
        self.env["ir.config_parameter"].sudo().set_param("database.secret", "other")
        self.assertNotEqual(
            self.Hash._gdpr_pseudonyms_of("res.partner", ids[:1]), expected[:1]
        )

    def test_no_secret_no_hash(self):
        # an empty key would make every hash a plain SHA-256, which anyone
        # can recompute from a guessed address or id
        # (Odoo refuses to delete the parameter: a restored or hand-made
        # database can still hold it empty)
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = '' WHERE key = 'database.secret'"
        )
        self.env.registry.clear_cache()
        with self.assertRaisesRegex(UserError, "database.secret"):
            self.Hash._gdpr_pseudonym_of("res.partner", 7)
        with self.assertRaisesRegex(UserError, "database.secret"):
            self.Hash._gdpr_hmacs("gdpr_compliance.pseudonym", ["res.partner:7"])
        with self.assertRaisesRegex(UserError, "database.secret"):
            self.Hash._gdpr_legacy_hashes(["someone@example.org"])
        with self.assertRaisesRegex(UserError, "database.secret"):
            self.Hash._gdpr_hmac("gdpr_compliance.request_link", "42")


@tagged("post_install", "-at_install")
class TestFormerPseudonyms(TransactionCase):
    """Entries written before pseudonyms were scoped keep their former key
    (rewriting them would break the log's hash chain): the upgrade records
    each former key with the person's new one, and both name the person."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Hash = cls.env["gdpr.keyed.hash"]
        cls.Log = cls.env["gdpr.audit.log"]
        cls.person = cls.env["res.partner"].create(
            {"name": "Fiona Former", "email": "fiona.former@example.org"}
        )
        cls.other = cls.env["res.partner"].create({"name": "Oscar Other"})
        cls.lead = cls.env["crm.lead"].create({"name": "Former lead"})

    def _log_as_before(self, *args, **kwargs):
        with patch.object(type(self.Hash), "_gdpr_pseudonyms_of", legacy_pseudonyms):
            return self.Log._gdpr_log(*args, **kwargs)

    def test_former_keys_still_find_and_forget_the_person(self):
        former = self.Hash._gdpr_legacy_pseudonyms_of("res.partner", [self.person.id])
        rectified = self._log_as_before(
            "rectification",
            "email corrected",
            subjects=self.person,
            changes={"email": ("fiona@old.example.org", "fiona.former@example.org")},
        )
        exported = self._log_as_before(
            "export", "export", subjects=self.person | self.other
        )
        lead_entry = self._log_as_before("objection", "lead", subjects=self.lead)
        other_entry = self.Log._gdpr_log("export", "other", subjects=self.other)
        self.assertEqual(rectified.subject_keys, former[0])

        aliased, unmatched = self.Hash._gdpr_alias_legacy_pseudonyms()
        self.assertGreaterEqual(aliased, 3)
        self.assertEqual(unmatched, 0)
        # the log is as it was: its chain still holds
        self.assertTrue(self.Log._gdpr_verify_chain()["ok"])
        self.assertEqual(rectified.subject_keys, former[0])

        key = self.person.gdpr_subject_key
        self.assertNotEqual(key, former[0])
        after = self.Log._gdpr_log("restriction", "restricted", subjects=self.person)
        about = self.Log.search([("person_key", "=", key)])
        self.assertEqual(
            about & (rectified | exported | after), rectified | exported | after
        )
        self.assertNotIn(other_entry, about)
        self.assertNotIn(lead_entry, about)
        # a partial key, as typed in the search, finds them too
        self.assertIn(rectified, self.Log.search([("person_key", "ilike", key[:16])]))
        lead_key = self.Hash._gdpr_pseudonym_of("crm.lead", self.lead.id)
        self.assertEqual(self.Log.search([("person_key", "=", lead_key)]), lead_entry)

        self.assertIn("fiona@old.example.org", rectified.changes_display)
        # erasure destroys the person's encryption key, whichever key named it
        self.Log._gdpr_forget_subjects(self.person)
        rectified.invalidate_recordset()
        self.assertIn("Not readable any more", rectified.changes_display)
        self.env.cr.execute(
            "SELECT count(*) FROM gdpr_audit_subject_key WHERE subject_key = ANY(%s)",
            [[former[0], key]],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_stored_keys_outside_the_log_take_the_new_key(self):
        former = self.Hash._gdpr_legacy_pseudonyms_of("res.partner", [self.person.id])[
            0
        ]
        request = self.env["gdpr.request"].create(
            {"request_type": "access", "partner_id": self.person.id}
        )
        self.env.cr.execute(
            "UPDATE gdpr_request SET subject_key = %s WHERE id = %s",
            [former, request.id],
        )
        self._log_as_before("request", "asked", subjects=self.person)
        self.Hash._gdpr_alias_legacy_pseudonyms()
        request.invalidate_recordset()
        self.assertEqual(request.subject_key, self.person.gdpr_subject_key)
        # run again, the upgrade changes nothing more
        self.assertEqual(self.Hash._gdpr_alias_legacy_pseudonyms()[1], 0)

    def test_search_by_key_needs_a_key(self):
        with self.assertRaises(UserError):
            self.Log.search([("person_key", "in", ["a", "b"])])
