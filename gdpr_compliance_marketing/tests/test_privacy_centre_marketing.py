# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The privacy centre's mailing lists and objections, and the links to it
that every mailing and double opt-in email carry."""

import html
import re

from odoo.tests import HttpCase, tagged

from odoo.addons.gdpr_compliance.tests.common_request import RequestCommon
from odoo.addons.gdpr_compliance.tests.common_security import PublicSurfaceMixin

CENTRE_URL = re.compile(r"/privacy/me\?token=[\w.\-]+")


class CentreMarketingCommon(PublicSurfaceMixin, HttpCase, RequestCommon):
    surface_tables = (
        "gdpr_consent_event",
        "gdpr_objection",
        "gdpr_suppression",
        "mailing_subscription",
        "mailing_contact",
        "mail_mail",
    )
    user_agent = "PrivacyCentreMarketing/1.0"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Centre = cls.env["gdpr.privacy.centre"]
        cls.person = cls.Partner.create(
            {
                "name": "Tour Person",
                "email": "tour.person@example.org",
                "lang": "en_US",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.source_fair.id,
            }
        )
        for purpose in ("marketing", "profiling"):
            cls.person._gdpr_record_consent(
                purpose, "given", "web_form", notice=cls.notice
            )
        cls.offers, cls.design = cls.env["mailing.list"].create(
            [
                {"name": "Tour Offers", "is_public": True},
                {"name": "Tour Design News", "is_public": True},
            ]
        )
        cls.contact = (
            cls.env["mailing.contact"]
            .with_context(gdpr_subscription_confirmed=True)
            .create(
                [
                    {
                        "name": "Tour Person",
                        "email": "tour.person@example.org",
                        "list_ids": [(6, 0, (cls.offers | cls.design).ids)],
                    }
                ]
            )
        )

    def setUp(self):
        super().setUp()
        self.opener.headers["User-Agent"] = self.user_agent

    def _post(self, path, token=None, **values):
        token = self.Centre._gdpr_token(self.person) if token is None else token
        page = self.get(
            "/privacy/me", params={"token": self.Centre._gdpr_token(self.person)}
        )
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(path, data=dict(values, csrf_token=csrf, token=token))

    def _subscription(self, mailing_list):
        return self.contact.subscription_ids.filtered(
            lambda sub: sub.list_id == mailing_list
        )


@tagged("post_install", "-at_install")
class TestPrivacyCentreMarketing(CentreMarketingCommon):
    def test_withdrawn_on_the_page_is_left_out_of_the_next_mailing(self):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Offers",
                "body_html": "<p>Offers</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, self.offers.ids)],
            }
        )
        self.assertIn(self.contact.id, mailing._get_recipients())
        response = self._post(
            "/privacy/me/consent",
            purpose_id=self.env.ref("gdpr_compliance.gdpr_purpose_marketing").id,
            answer="withdraw",
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertNotIn(self.contact.id, mailing._get_recipients())
        self.assertEqual(
            mailing._gdpr_excluded_recipients([self.contact.id]),
            {self.contact.id: "withdrawn"},
        )
        partners = self.env["mailing.mailing"].create(
            {
                "subject": "Offers",
                "body_html": "<p>Offers</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", self.person.id)]),
            }
        )
        self.assertFalse(partners._get_recipients())

    def test_leaving_a_list_objects_to_that_list_only(self):
        response = self._post(
            "/privacy/me/list", list_id=self.design.id, action="leave"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self._subscription(self.design).opt_out)
        self.assertFalse(self._subscription(self.offers).opt_out)
        objection = self.env["gdpr.objection"].search(
            [("email_normalized", "=", "tour.person@example.org")]
        )
        self.assertEqual(
            (objection.scope, objection.list_id, objection.channel),
            ("list", self.design, "privacy_centre"),
        )
        self.assertEqual(objection.ip_address, "127.0.0.1")
        self.assertEqual(objection.user_agent, self.user_agent)
        # the topic of one list, not marketing as a whole
        self.assertEqual(
            self.person._gdpr_consent_state(self.purpose_marketing), "given"
        )
        self.assertIn("You left this list", html.unescape(response.text))

    def test_joining_a_list_goes_through_double_opt_in(self):
        self._post("/privacy/me/list", list_id=self.design.id, action="leave")
        with self.capture_emails() as sent:
            response = self._post(
                "/privacy/me/list", list_id=self.design.id, action="join"
            )
        self.assertEqual(response.status_code, 200)
        subscription = self._subscription(self.design)
        self.assertFalse(subscription.opt_out)
        self.assertEqual(subscription.gdpr_confirmation_state, "pending")
        self.assertEqual([m["To"] for m in sent], ["tour.person@example.org"])
        text = self.email_text(sent[0])
        self.assertIn("/gdpr/subscription/confirm", text)
        # the double opt-in email carries the privacy centre too
        url = html.unescape(CENTRE_URL.search(text).group(0))
        self.assertIn("Tour Person", self.url_open(url).text)

    def test_unknown_or_private_lists_are_refused(self):
        private = self.env["mailing.list"].create({"name": "Private list"})
        for list_id, action in (
            (private.id, "join"),
            ("x", "leave"),
            (999999, "leave"),
            (self.design.id, "delete"),
        ):
            with self.subTest(list_id=list_id), self.assert_nothing_changes():
                response = self._post(
                    "/privacy/me/list", list_id=list_id, action=action
                )
            self.assert_refused(response, 400)

    def test_stop_all_marketing_is_a_global_objection(self):
        response = self._post("/privacy/me/object")
        self.assertEqual(response.status_code, 200)
        objection = self.env["gdpr.objection"].search(
            [("email_normalized", "=", "tour.person@example.org")]
        )
        self.assertEqual(
            (objection.scope, objection.channel), ("global", "privacy_centre")
        )
        events = self.person.gdpr_consent_event_ids.filtered(
            lambda e: e.action == "withdrawn"
        )
        # one withdrawal per purpose, all from the privacy centre
        self.assertEqual(
            sorted(events.mapped("purpose_id.code")), ["marketing", "profiling"]
        )
        self.assertEqual(set(events.mapped("channel")), {"privacy_centre"})
        self.assertEqual(objection.consent_event_ids.purpose_id.code, "marketing")
        self.assertTrue(
            self.env["gdpr.suppression"]._gdpr_suppressed(["tour.person@example.org"])
        )

    def test_consent_request_skips_suppressed_and_objecting(self):
        Partner = self.Partner
        values = {
            "gdpr_legal_basis": "consent",
            "gdpr_source_id": self.source_fair.id,
            "comment": "ask-marketing-test",
        }
        asked, objecting, suppressed = Partner.create(
            [
                dict(values, name="Asked One", email="asked.one@example.org"),
                dict(values, name="Objecting One", email="objecting@example.org"),
                dict(values, name="Suppressed One", email="suppressed@example.org"),
            ]
        )
        self.env["gdpr.objection"]._gdpr_register(objecting.email, "request")
        self.env["gdpr.suppression"]._gdpr_suppress(suppressed.email, "not_interested")
        request = self.env["gdpr.consent.request"].create(
            [
                {
                    "name": "Ask",
                    "purpose_ids": [(6, 0, self.purpose_marketing.ids)],
                    "partner_domain": repr([("comment", "=", "ask-marketing-test")]),
                }
            ]
        )
        targets, skipped = request._gdpr_targets()
        self.assertEqual(targets, asked)
        self.assertEqual(skipped["objecting"], objecting)
        self.assertEqual(skipped["suppressed"], suppressed)
        self.assertIn("On the suppression list: 1", request.skipped_summary)
        with self.capture_emails() as sent:
            request.action_send()
        self.assertEqual([m["To"] for m in sent], ["asked.one@example.org"])


@tagged("post_install", "-at_install")
class TestMailingFooter(CentreMarketingCommon):
    def test_every_mailing_links_to_the_privacy_centre(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["gdpr_compliance_marketing"], ["it_IT"], overwrite=True
        )
        italian = self.Partner.create(
            {
                "name": "Persona Italiana",
                "email": "persona@example.org",
                "lang": "it_IT",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        italian._gdpr_record_consent(
            "marketing", "given", "web_form", notice=self.notice
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Offers",
                "body_html": "<p>Offers</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", (self.person | italian).ids)]),
            }
        )
        with self.capture_emails() as sent:
            mailing.action_send_mail()
        by_address = {m["To"]: self.email_text(m) for m in sent}
        self.assertEqual(
            set(by_address),
            {
                '"Tour Person" <tour.person@example.org>',
                '"Persona Italiana" <persona@example.org>',
            },
        )
        english = by_address['"Tour Person" <tour.person@example.org>']
        self.assertIn("Manage your consents and your data", english)
        self.assertIn(
            "Gestisci i tuoi consensi",
            by_address['"Persona Italiana" <persona@example.org>'],
        )
        url = html.unescape(CENTRE_URL.search(english).group(0))
        page = self.url_open(url).text
        self.assertIn("Tour Person", page)
        self.assertNotIn("Persona Italiana", page)


@tagged("post_install", "-at_install")
class TestPrivacyCentreTour(CentreMarketingCommon):
    def test_person_withdraws_leaves_a_list_and_downloads(self):
        # the link of the mailing footer, as the person opens it
        url = self.Centre._gdpr_url(self.person).split("/privacy/me", 1)[1]
        self.start_tour(f"/privacy/me{url}", "gdpr_privacy_centre", timeout=120)
        self.assertEqual(
            self.person._gdpr_consent_state(self.purpose_profiling), "withdrawn"
        )
        self.assertEqual(
            self.person._gdpr_consent_state(self.purpose_marketing), "given"
        )
        event = self.person.gdpr_consent_event_ids.sorted("sequence")[-1]
        self.assertEqual((event.action, event.channel), ("withdrawn", "privacy_centre"))
        self.assertTrue(self._subscription(self.design).opt_out)
        self.assertFalse(self._subscription(self.offers).opt_out)
        export = self.Request.search(
            [("partner_id", "=", self.person.id), ("request_type", "=", "portability")]
        )
        self.assertEqual((export.state, export.channel), ("done", "privacy_centre"))
