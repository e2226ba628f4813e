# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common_import import ImportCommon


@tagged("post_install", "-at_install")
class TestImportTour(HttpCase, ImportCommon):
    def test_marketer_imports_a_fair_list_through_the_wizard(self):
        known = self.Partner.create(
            {
                "name": "Tour Known",
                "email": "tour.known@example.com",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        self.start_tour("/odoo", "gdpr_import_tour", login="gdpr_test_marketer")
        imp = self.env["gdpr.import"].search([("user_id", "=", self.user_marketing.id)])
        self.assertEqual(imp.state, "done")
        self.assertEqual(imp.file_name, "fair.csv")
        created = self.Partner.search([("gdpr_import_id", "=", imp.id)])
        self.assertEqual(
            sorted(created.mapped("email")),
            ["tour.alpha@example.com", "tour.beta@example.com"],
        )
        self.assertEqual(created.gdpr_source_id, self.source_fair)
        self.assertEqual(set(created.mapped("gdpr_legal_basis")), {"consent"})
        self.assertEqual(set(created.gdpr_consent_ids.mapped("state")), {"given"})
        self.assertEqual(created.gdpr_consent_event_ids.notice_id, self.notice)
        self.assertEqual(
            set(created.gdpr_consent_event_ids.mapped("channel")), {"import"}
        )
        self.assertFalse(known.gdpr_consent_event_ids)
