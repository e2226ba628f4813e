# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import hmac

from odoo.addons.gdpr_compliance_marketing.models.gdpr_suppression import (
    SUPPRESSION_SCOPE,
)


def legacy_hashes(suppression, normalized_emails):
    """Suppression hashes as version 18.0.1.0.0 computed them: an HMAC of the
    address with the database's secret, without scope."""
    return suppression.env["gdpr.keyed.hash"]._gdpr_legacy_hashes(normalized_emails)


@tagged("post_install", "-at_install")
class TestSuppression(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Suppression = cls.env["gdpr.suppression"]
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Sara Suppressed",
                "email": "Sara.Suppressed@Example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.env.ref("gdpr_compliance.gdpr_source_website").id,
            }
        )
        cls.partner._gdpr_record_consent("marketing", "given", "web_form")

    def test_hash_is_keyed_and_stable(self):
        digest = self.Suppression._gdpr_hash("Sara.Suppressed@Example.org")
        self.assertEqual(
            digest, self.Suppression._gdpr_hash("sara.suppressed@example.org")
        )
        self.assertNotIn("sara", digest)
        # a scope of its own: never a pseudonym nor a link signature
        self.assertEqual(
            digest,
            hmac(self.env(su=True), SUPPRESSION_SCOPE, "sara.suppressed@example.org"),
        )
        self.env["ir.config_parameter"].sudo().set_param("database.secret", "other")
        self.assertNotEqual(
            digest, self.Suppression._gdpr_hash("sara.suppressed@example.org")
        )

    def test_suppressed_address_is_never_mailed(self):
        self.Suppression._gdpr_suppress(self.partner.email, "not_interested")
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Offers",
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", self.partner.id)]),
            }
        )
        self.assertEqual(
            mailing._gdpr_excluded_recipients(self.partner.ids),
            {self.partner.id: "suppressed"},
        )
        mailing.action_gdpr_count_exclusions()
        self.assertIn("On the suppression list: 1", mailing.gdpr_exclusion_summary)
        with self.assertRaises(UserError):
            mailing.action_send_mail()

    def test_erased_keeps_only_the_hash_and_refuses_reimport(self):
        # the demo data hold entries of their own
        before = self.Suppression.search_count([])
        self.Suppression._gdpr_suppress(self.partner.email, "objection")
        entry = self.Suppression._gdpr_suppress(self.partner.email, "erased")
        self.assertFalse(entry.email_normalized)
        self.assertEqual(entry.reason, "erased")
        self.assertEqual(self.Suppression.search_count([]), before + 1)
        # a weaker reason never brings the address back
        self.Suppression._gdpr_suppress(self.partner.email, "not_interested")
        self.assertFalse(entry.email_normalized)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM gdpr_suppression WHERE email_normalized ILIKE %s",
            ["%sara%"],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        with self.assertRaisesRegex(ValidationError, "erased"):
            self.env["mailing.contact"].create(
                {"name": "Back again", "email": "sara.suppressed@example.org"}
            )
        result = self.env["mailing.contact"].load(
            ["name", "email"], [["Back again", "SARA.SUPPRESSED@example.org"]]
        )
        self.assertFalse(result["ids"])
        self.assertIn("erased", str(result["messages"]))

    def test_global_objection_suppresses(self):
        self.env["mail.blacklist"]._add(self.partner.email)
        entry = self.Suppression.search(
            [("email_normalized", "=", "sara.suppressed@example.org")]
        )
        self.assertEqual(entry.reason, "objection")

    def test_bad_input(self):
        before = self.Suppression.search([])
        with self.assertRaises(ValidationError):
            self.Suppression._gdpr_suppress("not an email", "objection")
        with self.assertRaises(ValidationError):
            self.Suppression._gdpr_suppress(self.partner.email, "because")
        self.assertEqual(self.Suppression.search([]), before)

    def test_entries_cannot_be_edited(self):
        entry = self.Suppression._gdpr_suppress(self.partner.email, "objection")
        with self.assertRaises(UserError):
            entry.write({"reason": "not_interested"})

    def test_entries_listed_before_scoped_hashes(self):
        Suppression = self.Suppression
        with patch.object(type(Suppression), "_gdpr_hashes_normalized", legacy_hashes):
            Suppression._gdpr_suppress("gone@example.org", "erased")
            Suppression._gdpr_suppress("kept@example.org", "objection")
            Suppression._gdpr_suppress(self.partner.email, "erased")
        former = legacy_hashes(Suppression, ["gone@example.org"])[0]
        readable = Suppression.search_count([("email_normalized", "!=", False)])
        self.assertEqual(
            Suppression._gdpr_flag_legacy_hashes(),
            (readable, Suppression.search_count([]) - readable),
        )

        erased = Suppression.search([("email_hash", "=", former)])
        self.assertTrue(erased.legacy_hash)
        kept = Suppression.search([("email_normalized", "=", "kept@example.org")])
        self.assertFalse(kept.legacy_hash)
        self.assertEqual(kept.email_hash, Suppression._gdpr_hash("kept@example.org"))
        # an address blocked before stays blocked, at every door
        self.assertEqual(
            Suppression._gdpr_suppressed(
                ["Gone@Example.org", "kept@example.org", "new@example.org"]
            ),
            {"gone@example.org", "kept@example.org"},
        )
        with self.assertRaises(ValidationError):
            self.env["mailing.contact"]._gdpr_check_not_erased(["gone@example.org"])
        self.assertEqual(
            Suppression._gdpr_suppressed_records("res.partner", self.partner.ids),
            set(self.partner.ids),
        )
        self.assertEqual(
            self.partner._gdpr_can_process("marketing"),
            (False, "On the suppression list"),
        )
        # new entries use the scoped hash only
        new = Suppression._gdpr_suppress("new@example.org", "erased")
        self.assertFalse(new.legacy_hash)
        self.assertEqual(
            new.email_hash,
            hmac(self.env(su=True), SUPPRESSION_SCOPE, "new@example.org"),
        )
        # once the address is in hand again, the old entry takes the new hash
        again = Suppression._gdpr_suppress("gone@example.org", "erased")
        self.assertEqual(again, erased)
        self.assertFalse(erased.legacy_hash)
        self.assertEqual(erased.email_hash, Suppression._gdpr_hash("gone@example.org"))
        self.assertIn(
            "gone@example.org", Suppression._gdpr_suppressed(["gone@example.org"])
        )
