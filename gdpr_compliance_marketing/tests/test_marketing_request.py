# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import json
import zipfile

from odoo.tests import TransactionCase, tagged

from .common import ObjectionCommon


@tagged("post_install", "-at_install")
class TestMarketingRequests(ObjectionCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_people()
        cls.mailing_list = cls.env["mailing.list"].create({"name": "Kitchen ideas"})
        cls.contact = cls.env["mailing.contact"].create(
            {
                "name": "Olga",
                "email": "Olga.Objector@example.org",
                "subscription_ids": [(0, 0, {"list_id": cls.mailing_list.id})],
            }
        )

    def _request(self, request_type):
        request = self.env["gdpr.request"].create(
            [{"request_type": request_type, "partner_id": self.partner.id}]
        )
        request._gdpr_verify_identity("known_contact")
        request._gdpr_process()
        return request

    def test_objection_request_suppresses_the_address(self):
        self._request("objection")
        objection = self._objections()
        self.assertEqual(len(objection), 1)
        self.assertEqual(objection.channel, "request")
        self.assertEqual(objection.scope, "global")
        self.assertEqual(
            self.env["gdpr.suppression"]._gdpr_suppressed([self.partner.email]),
            {"olga.objector@example.org"},
        )
        self.assertFalse(self.partner._gdpr_can_process("marketing")[0])
        # one withdrawal, with the objection as evidence, not one per path
        withdrawals = self.partner.gdpr_consent_event_ids.filtered(
            lambda e: e.action == "withdrawn" and e.purpose_id.code == "marketing"
        )
        self.assertEqual(len(withdrawals), 1)
        # asking twice changes nothing more
        self._request("objection")
        self.assertEqual(len(self._objections()), 1)

    def test_subscriptions_in_access_and_portability(self):
        data = self.partner._gdpr_personal_data()
        self.assertEqual(
            [(s["list"], s["opted_out"]) for s in data["subscriptions"]],
            [("Kitchen ideas", False)],
        )
        request = self._request("portability")
        archive = zipfile.ZipFile(io.BytesIO(request.attachment_id.raw))
        exported = json.loads(archive.read("data.json"))
        self.assertEqual(exported["subscriptions"][0]["list"], "Kitchen ideas")
        self.assertIn("Kitchen ideas", archive.read("subscriptions.csv").decode())
        access = self._request("access")
        self.assertIn("Kitchen ideas", access.attachment_id.raw.decode())
