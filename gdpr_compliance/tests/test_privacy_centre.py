# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The person's own privacy centre (``/privacy/me``), walked over HTTP as the
person does: every change lands in the ledger, the requests and the audit
log with the channel and the evidence; every bad link changes nothing and
shows nothing."""

import html
import io
import json
import re
import time
import zipfile

from odoo.tests import new_test_user, tagged

from .common_privacy_centre import PrivacyCentreCommon

CENTRE_URL = re.compile(r"/privacy/me\?token=[\w.\-]+")


@tagged("post_install", "-at_install")
class TestPrivacyCentrePage(PrivacyCentreCommon):
    def test_page_shows_holder_source_purposes_and_consents(self):
        self._record(self.prospect, "given", "web_form", notice=self.notice)
        response = self._page()
        self.assertEqual(response.status_code, 200)
        text = html.unescape(response.text)
        self.assertIn("Prospect Person", text)
        self.assertIn(self.env.company.name, text)
        self.assertIn(self.source_fair.name, text)
        self.assertIn(self.purpose_marketing.name, text)
        self.assertIn("Test notice v9", text)
        # every purpose of the register, with its basis and retention
        for purpose in self.Purpose.search([]):
            self.assertIn(f'data-purpose="{purpose.code}"', response.text)
        self.assertIn("24 months", text)

    def test_page_speaks_the_link_language(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["gdpr_compliance"], ["it_IT"], overwrite=True
        )
        response = self._page(lang="it_IT")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Per cosa usiamo i tuoi dati", html.unescape(response.text))

    def test_withdraw_and_give_are_recorded_with_channel_and_evidence(self):
        self._record(self.prospect, "given", "web_form", notice=self.notice)
        response = self._post(
            "/privacy/me/consent",
            purpose_id=self.purpose_marketing.id,
            answer="withdraw",
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._message(response), "Your choice is recorded.")
        event = self.prospect.gdpr_consent_event_ids.sorted("sequence")[-1]
        self.assertEqual((event.action, event.channel), ("withdrawn", "privacy_centre"))
        self.assertEqual(event.ip_address, "127.0.0.1")
        self.assertEqual(event.user_agent, self.user_agent)
        self.assertIn("Privacy centre", event.evidence)
        self.assertEqual(
            self.prospect._gdpr_consent_state(self.purpose_marketing), "withdrawn"
        )
        self.assertTrue(self._audit("consent", event))
        # the page shows the change at once
        row = re.search(
            r'data-purpose="marketing".*?o_gdpr_privacy_centre_state">\s*<span>'
            r"([^<]*)</span>",
            response.text,
            re.S,
        )
        self.assertEqual(row.group(1), "Withdrawn")
        # giving it back records the notice version the page showed
        response = self._post(
            "/privacy/me/consent", purpose_id=self.purpose_marketing.id, answer="give"
        )
        event = self.prospect.gdpr_consent_event_ids.sorted("sequence")[-1]
        self.assertEqual((event.action, event.channel), ("given", "privacy_centre"))
        self.assertEqual(event.notice_id, self.notice)
        self.assertEqual(
            self.prospect._gdpr_consent_state(self.purpose_marketing), "given"
        )

    def test_purpose_on_another_basis_is_not_changed(self):
        contract = self.env.ref("gdpr_compliance.gdpr_purpose_contract")
        with self.assert_nothing_changes():
            response = self._post(
                "/privacy/me/consent", purpose_id=contract.id, answer="withdraw"
            )
        self.assert_refused(response, 400, "does not rest on your consent")
        for purpose_id in ("x", "999999", "-1", ""):
            with self.assert_nothing_changes():
                response = self._post(
                    "/privacy/me/consent", purpose_id=purpose_id, answer="give"
                )
            self.assert_refused(response, 400)

    def test_stop_all_marketing_withdraws_marketing_and_profiling(self):
        self._record(self.prospect, "given", "web_form", notice=self.notice)
        response = self._post("/privacy/me/object")
        self.assertEqual(response.status_code, 200)
        for purpose in (self.purpose_marketing, self.purpose_profiling):
            self.assertEqual(self.prospect._gdpr_consent_state(purpose), "withdrawn")
        events = self.prospect.gdpr_consent_event_ids.filtered(
            lambda e: e.action == "withdrawn"
        )
        self.assertEqual(set(events.mapped("channel")), {"privacy_centre"})
        self.assertEqual(set(events.mapped("ip_address")), {"127.0.0.1"})
        self.assertTrue(self._audit("objection"))

    def test_download_is_answered_at_once_and_rate_limited(self):
        with self.capture_emails() as sent:
            response = self._post("/privacy/me/download")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        data = json.loads(archive.read("data.json"))
        self.assertEqual(data["contact"]["email"], "prospect@example.com")
        request = self.Request.search(
            [("partner_id", "=", self.prospect.id), ("channel", "=", "privacy_centre")]
        )
        self.assertEqual(len(request), 1)
        self.assertEqual(
            (request.request_type, request.state, request.verification_method),
            ("portability", "done", "email_link"),
        )
        self.assertEqual(request.verified_email, "prospect@example.com")
        # the DPO sees it, answered, with the export and the audit entries
        self.assertEqual(request.user_id, self.Request._gdpr_default_responsible())
        self.assertTrue(request.sudo().attachment_id)
        self.assertTrue(self._audit("request", request))
        self.assertEqual([m["To"] for m in sent], ["prospect@example.com"])
        self._post("/privacy/me/download")
        self._post("/privacy/me/download")
        with self.assert_nothing_changes():
            response = self._post("/privacy/me/download")
        self.assert_refused(response, 429, "Too many requests today")

    def test_erasure_and_rectification_open_a_request_for_the_dpo(self):
        response = self._post("/privacy/me/request", request_type="erasure")
        self.assertEqual(response.status_code, 200)
        request = self.Request.search([("partner_id", "=", self.prospect.id)])
        self.assertEqual(
            (request.request_type, request.state, request.channel),
            ("erasure", "verified", "privacy_centre"),
        )
        self.assertIn(request.name, self._message(response))
        self.assertTrue(self.prospect.exists() and self.prospect.active)
        response = self._post(
            "/privacy/me/request",
            request_type="rectification",
            description="My phone is +39 02 1234567",
        )
        rectification = (
            self.Request.search([("partner_id", "=", self.prospect.id)]) - request
        )
        self.assertEqual(rectification.description, "My phone is +39 02 1234567")
        for values, message in (
            ({"request_type": "rectification"}, "Say which of your data"),
            ({"request_type": "portability"}, "Choose what you are asking for"),
            ({"request_type": "erasure", "description": "<b>x</b>"}, "may not contain"),
        ):
            with self.assert_nothing_changes():
                response = self._post("/privacy/me/request", **values)
            self.assert_refused(response, 400, message)

    def test_logged_in_user_opens_their_own_page(self):
        self.authenticate(self.user_sales.login, self.user_sales.login)
        response = self.url_open("/privacy/me")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.user_sales.partner_id.name, response.text)
        self.assertNotIn("Prospect Person", response.text)

    def test_portal_user_reaches_the_page_from_my_account(self):
        portal = new_test_user(
            self.env,
            login="gdpr_test_portal",
            groups="base.group_portal",
            name="Portal Person",
            email="portal.person@example.org",
        )
        self._record(portal.partner_id, "given", "web_form", notice=self.notice)
        self.authenticate(portal.login, portal.login)
        home = self.url_open("/my/home")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/privacy/me"', home.text)
        page = self.url_open("/privacy/me")
        self.assertIn("Portal Person", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/privacy/me/consent",
            data={
                "csrf_token": csrf,
                "token": token,
                "purpose_id": self.purpose_marketing.id,
                "answer": "withdraw",
            },
        )
        self.assertEqual(response.status_code, 200)
        event = portal.partner_id.gdpr_consent_event_ids.sorted("sequence")[-1]
        self.assertEqual((event.action, event.channel), ("withdrawn", "privacy_centre"))


@tagged("post_install", "-at_install")
class TestPrivacyCentreLinks(PrivacyCentreCommon):
    def _assert_no_data(self, response):
        for needle in ("Prospect Person", "prospect@example.com", "Other Person"):
            self.assertNotIn(needle, response.text)
        # and a way to ask for a new link
        self.assertIn('action="/privacy/me/link"', response.text)

    def test_bad_links_show_nothing_and_change_nothing(self):
        token = self._token()
        partner_id, expires, signature = token.split(".")
        other_token = self._token(self.other)
        forged = f"{partner_id}.{expires}.{'0' * 64}"
        # the other person's signature on this person's number
        cross = f"{self.other.id}.{expires}.{signature}"
        longer = f"{partner_id}.{int(expires) + 86400}.{signature}"
        cases = [
            ("", 400),
            ("garbage", 400),
            ("1.2.3", 400),
            (token + "x", 400),
            ("é" * 10, 400),
            ("9" * 300, 400),
            (forged, 403),
            (cross, 403),
            (longer, 403),
            (f"99999999.{expires}.{signature}", 403),
        ]
        for bad, status in cases:
            with self.subTest(token=bad[:40]):
                with self.assert_nothing_changes():
                    response = self.get("/privacy/me", params={"token": bad})
                    self.assert_refused(response, status)
                    self._assert_no_data(response)
                    response = self._post(
                        "/privacy/me/consent",
                        token=bad,
                        purpose_id=self.purpose_marketing.id,
                        answer="withdraw",
                    )
                    self.assert_refused(response, status)
                    self._assert_no_data(response)
                    for path in (
                        "/privacy/me/object",
                        "/privacy/me/download",
                        "/privacy/me/request",
                    ):
                        response = self._post(path, token=bad, request_type="erasure")
                        self.assert_refused(response, status)
                        self._assert_no_data(response)
        # the other person's own token opens their page, not this one's
        response = self.get("/privacy/me", params={"token": other_token})
        self.assertIn("Other Person", response.text)
        self.assertNotIn("Prospect Person", response.text)

    def test_expired_link_and_changed_address(self):
        past = int(time.time()) - 60
        signature = self.Centre._gdpr_signature(
            self.prospect.id, self.prospect.email, past
        )
        with self.assert_nothing_changes():
            response = self.get(
                "/privacy/me",
                params={"token": f"{self.prospect.id}.{past}.{signature}"},
            )
        self.assert_refused(response, 410, "expired")
        self._assert_no_data(response)
        # a link stops working once the contact's address changes
        token = self._token()
        self.prospect.email = "new.address@example.com"
        with self.assert_nothing_changes():
            response = self.get("/privacy/me", params={"token": token})
        self.assert_refused(response, 403)

    def test_forms_need_the_csrf_token(self):
        with self.assert_nothing_changes():
            response = self.url_open(
                "/privacy/me/object",
                data={"token": self._token(), "csrf_token": "forged"},
            )
        self.assertEqual(response.status_code, 400)

    def test_link_is_emailed_never_shown(self):
        self.env.ref("base.user_admin").partner_id.email = "admin@example.org"
        csrf = self.csrf_token("/privacy/request")
        self.assertIn(
            'action="/privacy/me/link"', self.url_open("/privacy/request").text
        )
        with self.capture_emails() as sent:
            response = self.url_open(
                "/privacy/me/link",
                data={"csrf_token": csrf, "email": " prospect@example.com "},
            )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("token=", response.text)
        self.assertEqual([m["To"] for m in sent], ["prospect@example.com"])
        url = html.unescape(CENTRE_URL.search(self.email_text(sent[0])).group(0))
        self.assertIn("Prospect Person", self.url_open(url).text)
        # an unknown address gets the same answer and no email
        with self.capture_emails() as sent:
            unknown = self.url_open(
                "/privacy/me/link",
                data={"csrf_token": csrf, "email": "nobody@example.org"},
            )
        self.assertEqual(unknown.status_code, 200)

        def same(text):
            return re.sub(r"\s+", " ", re.sub(r"[0-9a-f]{40}o[0-9]+", "", text))

        self.assertEqual(same(unknown.text), same(response.text))
        self.assertFalse(sent)
        # bad input, then too many links for one address
        with self.assert_nothing_changes():
            response = self.url_open(
                "/privacy/me/link", data={"csrf_token": csrf, "email": "x@"}
            )
        self.assert_refused(response, 400, "Enter one valid email address")
        for _i in range(2):
            self.url_open(
                "/privacy/me/link",
                data={"csrf_token": csrf, "email": "prospect@example.com"},
            )
        with self.assert_nothing_changes():
            response = self.url_open(
                "/privacy/me/link",
                data={"csrf_token": csrf, "email": "prospect@example.com"},
            )
        self.assert_refused(response, 429, "Too many requests")

    def test_request_answer_links_to_the_privacy_centre(self):
        request = self._verified("access")
        request._gdpr_process()
        with self.capture_emails() as sent:
            request._gdpr_send_answer()
        text = html.unescape(self.email_text(sent[0]))
        url = CENTRE_URL.search(text).group(0)
        self.assertIn("Prospect Person", self.url_open(url).text)
        # not after an erasure: nobody is left to show
        erasure = self._verified("erasure", self.other)
        self.assertFalse(erasure._gdpr_privacy_centre_url())
