# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import hmac


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
        self.assertEqual(key, self.Hash._gdpr_pseudonyms_of("res.partner", [7])[0])
        self.assertNotEqual(key, self.Hash._gdpr_pseudonym_of("res.partner", 8))
        self.env["ir.config_parameter"].sudo().set_param(
            "database.secret", "another secret"
        )
        self.assertNotEqual(key, self.Hash._gdpr_pseudonym_of("res.partner", 7))

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
            self.Hash._gdpr_keyed_hashes(["someone@example.org"])
        with self.assertRaisesRegex(UserError, "database.secret"):
            self.Hash._gdpr_hmac("gdpr_compliance.request_link", "42")
