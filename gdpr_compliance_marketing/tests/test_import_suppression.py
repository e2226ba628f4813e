# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib

from odoo.tests import tagged

from odoo.addons.gdpr_compliance.tests.common import tables_containing
from odoo.addons.gdpr_compliance.tests.common_import import ImportCommon, csv_file


@tagged("post_install", "-at_install")
class TestImportSuppression(ImportCommon):
    """An import never brings back a person who was erased or who objected
    to marketing: their rows are suppressed, and their address is kept
    nowhere, not even in the evidence of the others' consent."""

    def test_erased_and_objecting_people_are_never_imported(self):
        erased = self.Partner.create(
            {
                "name": "Ernesto Cancellato",
                "email": "ernesto.cancellato@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_web.id,
            }
        )
        erased._gdpr_erase()
        self.env["gdpr.objection"]._gdpr_register(
            "Olga.Opposta@example.org", "request", reason="Art. 21 letter"
        )
        # not interested in a newsletter is not an objection to being a contact
        self.env["gdpr.suppression"]._gdpr_suppress(
            "nina.newsletter@example.org", "not_interested"
        )
        self.assertFalse(tables_containing(self.env, "ernesto.cancellato"))
        rows = [
            self._row(
                "Ernesto Cancellato",
                "ERNESTO.CANCELLATO@example.org",
                "",
                "given",
                self.answered,
            ),
            self._row("Olga", "olga.opposta@example.org", "", "given", self.answered),
            self._row(
                "Nina Newsletter",
                "nina.newsletter@example.org",
                "",
                "given",
                self.answered,
            ),
            self._row(
                "Piero Nuovo", "piero.nuovo@example.org", "", "given", self.answered
            ),
        ]
        content = csv_file(rows)
        imp = self._import(content, "fair.csv", duplicate_mode="merge")
        examples = " ".join(imp.column_ids.mapped("example")).lower()
        self.assertNotIn("cancellato", examples)
        self.assertIn("piero.nuovo", examples)
        imp.action_check()
        lines = self._lines(imp)
        self.assertEqual(lines[2].status, "suppressed")
        self.assertEqual(lines[3].status, "suppressed")
        self.assertIn("erased or objecting", lines[2].message)
        # who a suppressed row is about is not shown, not even to the importer
        self.assertFalse(lines[2].email or lines[2].name)
        self.assertEqual(lines[4].status, "new")
        self.assertEqual(lines[5].status, "new")
        self.assertEqual((imp.count_suppressed, imp.count_new), (2, 2))
        imp.action_import()
        self.assertEqual(imp.state, "done", imp.error_message)
        self.assertEqual(imp.count_created, 2)
        self.assertFalse(
            self.Partner.with_context(active_test=False).search(
                [
                    (
                        "email_normalized",
                        "in",
                        ("ernesto.cancellato@example.org", "olga.opposta@example.org"),
                    )
                ]
            )
        )
        # the evidence is the file without the suppressed rows, and each
        # consent event names that copy's hash
        evidence = imp.evidence_id.raw
        self.assertNotEqual(evidence, content)
        self.assertNotIn(b"cancellato", evidence.lower())
        self.assertNotIn(b"olga", evidence.lower())
        self.assertIn(b"piero.nuovo@example.org", evidence)
        digest = hashlib.sha256(evidence).hexdigest()
        self.assertEqual(imp.evidence_sha256, digest)
        events = self.env["gdpr.consent.event"].search(
            [("origin_model", "=", "gdpr.import"), ("origin_id", "=", imp.id)]
        )
        self.assertEqual(len(events), 2)
        for event in events:
            self.assertIn(digest, event.evidence)
        # nothing of the erased person came back anywhere in the database
        self.assertFalse(tables_containing(self.env, "ernesto.cancellato"))
