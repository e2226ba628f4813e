# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from werkzeug.urls import url_encode

from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import config

from .common import ObjectionCommon


@tagged("post_install", "-at_install")
class TestObjectionModel(ObjectionCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_people()

    def test_blocklisting_is_a_global_objection(self):
        self.env["mail.blacklist"]._add(self.partner.email)
        objection = self._objections()
        self.assertEqual(objection.scope, "global")
        self.assertEqual(objection.channel, "manual_blocklist")
        self.assertEqual(objection.partner_id, self.partner)
        self.assertEqual(self.partner.gdpr_consent_ids.state, "withdrawn")
        event = objection.consent_event_ids
        self.assertEqual((event.action, event.channel), ("withdrawn", "unsubscribe"))
        self.assertIn(f"#{objection.id}", event.evidence)
        self.assertFalse(self.partner._gdpr_can_process("marketing")[0])

    def test_repeated_blocklisting_gives_one_objection(self):
        Blacklist = self.env["mail.blacklist"]
        Blacklist._add(self.partner.email)
        Blacklist._remove(self.partner.email)
        Blacklist._add(self.partner.email)
        self.assertEqual(len(self._objections()), 1)
        self.assertEqual(len(self.partner.gdpr_consent_event_ids), 2)

    def test_list_optout_is_scoped_to_the_list(self):
        mailing_list = self.env["mailing.list"].create({"name": "Design news"})
        contact = self.env["mailing.contact"].create(
            {
                "name": "Olga",
                "email": self.partner.email,
                "list_ids": [(4, mailing_list.id)],
            }
        )
        # list_ids writes the subscriptions behind the cache's back; a real
        # unsubscribe comes in a later request anyway
        self.env.invalidate_all()
        # what the unsubscribe page does for a mailing sent to lists
        mailing_list._update_subscription_from_email(self.partner.email, opt_out=True)
        subscription = self.env["mailing.subscription"].search(
            [("contact_id", "=", contact.id), ("list_id", "=", mailing_list.id)]
        )
        self.assertTrue(subscription.opt_out)
        objection = self._objections()
        self.assertEqual(objection.scope, "list")
        self.assertEqual(objection.list_id, mailing_list)
        self.assertEqual(objection.channel, "backend_optout")
        # other marketing remains allowed
        self.assertEqual(self.partner.gdpr_consent_ids.state, "given")
        reason = self.env["mailing.subscription.optout"].create(
            {"name": "Too many emails"}
        )
        subscription.opt_out_reason_id = reason
        self.assertEqual(objection.reason, "Too many emails")
        # idempotent
        subscription.opt_out = False
        subscription.opt_out = True
        self.assertEqual(len(self._objections()), 1)

    def test_portal_account_deletion_is_not_an_objection(self):
        user = self.env["res.users"].create(
            {
                "name": "Portal Olga",
                "login": "portal_olga",
                "email": "portal.olga@example.org",
                "groups_id": [(6, 0, self.env.ref("base.group_portal").ids)],
            }
        )
        user._deactivate_portal_user(request_blacklist=True)
        self.assertTrue(
            self.env["mail.blacklist"]
            .with_context(active_test=False)
            .search([("email", "=", "portal.olga@example.org")])
        )
        self.assertFalse(self._objections("portal.olga@example.org"))

    def test_objection_is_evidence(self):
        self.env["mail.blacklist"]._add(self.partner.email)
        objection = self._objections()
        with self.assertRaises(UserError):
            objection.write({"channel": "request"})
        with self.assertRaises(UserError):
            objection.unlink()

    def test_resubscribing_needs_new_consent(self):
        self.env["mail.blacklist"]._add(self.partner.email)
        self.env["mail.blacklist"]._remove(self.partner.email)
        self.assertFalse(self.partner._gdpr_can_process("marketing")[0])
        self.partner._gdpr_record_consent("marketing", "given", "web_form")
        # the objection put the address on the suppression list, which every
        # mailing reads: the rule says no until the DPO removes the entry
        self.assertEqual(
            self.partner._gdpr_can_process("marketing"),
            (False, "On the suppression list"),
        )
        self.env["gdpr.suppression"].search(
            [("email_normalized", "=", self.partner.email_normalized)]
        ).unlink()
        self.assertTrue(self.partner._gdpr_can_process("marketing")[0])

    def test_a_consent_the_person_gives_again_ends_the_objection(self):
        Blacklist = self.env["mail.blacklist"]
        Blacklist._add(self.partner.email)
        objection = self._objections()
        suppressed = (False, "On the suppression list")
        # a user recording a consent after an objection proves nothing
        for channel in ("phone", "paper", "import", "web_form"):
            self.partner._gdpr_record_consent("marketing", "given", channel)
            self.assertEqual(self.partner._gdpr_can_process("marketing"), suppressed)
        self.assertFalse(objection.lifted_by_id)
        # the person, through their privacy centre: the objection ends
        event = self.partner._gdpr_record_consent(
            "marketing", "given", "privacy_centre"
        )
        self.assertEqual(objection.lifted_by_id, event)
        self.assertTrue(objection.lifted_date)
        self.assertTrue(self.partner._gdpr_can_process("marketing")[0])
        self.assertFalse(
            self.env["gdpr.suppression"].search(
                [("email_normalized", "=", self.partner.email_normalized)]
            )
        )
        self.assertFalse(Blacklist.search([("email", "=", self.partner.email)]))
        log = (
            self.env["gdpr.audit.log"]
            .sudo()
            .search([("action", "=", "objection")], order="id desc", limit=1)
        )
        self.assertIn("Objection ended by a new consent", log.description)
        # objecting again is a new objection, in force again
        Blacklist._add(self.partner.email)
        objections = self._objections()
        self.assertEqual(len(objections), 2)
        self.assertFalse((objections - objection).lifted_by_id)
        self.assertFalse(self.partner._gdpr_can_process("marketing")[0])
        self.assertTrue(
            self.env["gdpr.suppression"]._gdpr_suppressed([self.partner.email])
        )

    def test_an_erased_address_stays_suppressed(self):
        Suppression = self.env["gdpr.suppression"]
        Suppression._gdpr_suppress(self.partner.email, "erased")
        self.partner._gdpr_record_consent("marketing", "given", "privacy_centre")
        self.assertTrue(Suppression._gdpr_suppressed([self.partner.email]))


@tagged("post_install", "-at_install")
class TestObjectionControllers(ObjectionCommon, HttpCase):
    """Opt-outs through mass_mailing's real pages and tokens."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_people()
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "Autumn offers",
                "body_html": "<p>Offers</p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", cls.partner.id)]),
            }
        )

    def _params(self, token=None):
        email = self.partner.email_normalized
        return {
            "document_id": self.partner.id,
            "email": email,
            "hash_token": token
            or self.mailing._generate_mailing_recipient_token(self.partner.id, email),
        }

    def test_unsubscribe_link(self):
        response = self.url_open(
            f"/mailing/{self.mailing.id}/unsubscribe?{url_encode(self._params())}",
            # without proxy_mode, a client's own X-Forwarded-For is not believed
            headers={"X-Forwarded-For": "192.0.2.66"},
        )
        self.assertEqual(response.status_code, 200)
        objection = self._objections()
        self.assertEqual(objection.channel, "unsubscribe_link")
        self.assertEqual(objection.mailing_id, self.mailing)
        self.assertEqual(objection.ip_address, "127.0.0.1")
        self.assertEqual(self.partner.gdpr_consent_ids.state, "withdrawn")
        # a second click changes nothing
        self.url_open(
            f"/mailing/{self.mailing.id}/unsubscribe?{url_encode(self._params())}"
        )
        self.assertEqual(len(self._objections()), 1)

    def test_objection_ip_behind_a_proxy(self):
        """Behind a reverse proxy (proxy_mode) the evidence names the client,
        the last X-Forwarded-For hop the proxy wrote."""
        with patch.dict(config.options, {"proxy_mode": True}):
            response = self.url_open(
                f"/mailing/{self.mailing.id}/unsubscribe?{url_encode(self._params())}",
                headers={"X-Forwarded-For": "192.0.2.66, 198.51.100.8"},
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._objections().ip_address, "198.51.100.8")

    def test_one_click_list_unsubscribe_post(self):
        response = self.url_open(
            f"/mailing/{self.mailing.id}/unsubscribe_oneclick?{url_encode(self._params())}",
            data={"List-Unsubscribe": "One-Click"},
        )
        self.assertEqual(response.status_code, 200)
        objection = self._objections()
        self.assertEqual(objection.channel, "one_click")
        self.assertEqual(objection.consent_event_ids.action, "withdrawn")

    def test_forged_token_changes_nothing(self):
        response = self.url_open(
            f"/mailing/{self.mailing.id}/unsubscribe?"
            f"{url_encode(self._params(token='forged-token'))}"
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(self._objections())
        self.assertEqual(self.partner.gdpr_consent_ids.state, "given")

    def test_blocklist_button(self):
        params = dict(self._params(), mailing_id=self.mailing.id)
        result = self.make_jsonrpc_request("/mailing/blocklist/add", params)
        self.assertTrue(result)
        objection = self._objections()
        self.assertEqual(objection.channel, "blocklist_button")
        self.assertEqual(objection.mailing_id, self.mailing)
