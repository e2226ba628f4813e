# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from ..models.gdpr_public_input import PublicInputError
from .common_request import RequestCommon

URL = re.compile(r"/privacy/request/confirm\?token=([\w.\-]+)")


@tagged("post_install", "-at_install")
class TestRequestLink(RequestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Link = cls.env["gdpr.request.link"]

    def _issue(self, email="prospect@example.com", request_type="access", **kwargs):
        with self.capture_emails() as sent:
            link = self.Link._gdpr_issue(email, request_type, **kwargs)
        self.assertEqual(len(sent), 1)
        # the address typed, which Odoo's mail queue writes in lower case
        self.assertEqual(sent[0]["To"], email.lower())
        return link, URL.search(self.email_text(sent[0])).group(1)

    def test_no_request_until_the_address_confirms(self):
        before = self.Request.search_count([])
        link, token = self._issue(name="Prospect Person", ip_address="198.51.100.4")
        self.assertEqual(self.Request.search_count([]), before)
        request = self.Link._gdpr_confirm(token)
        self.assertEqual(self.Request.search_count([]), before + 1)
        self.assertEqual(request.partner_id, self.prospect)
        self.assertEqual(request.state, "verified")
        self.assertEqual(request.verification_method, "email_link")
        self.assertEqual(request.channel, "web")
        self.assertEqual(request.request_type, "access")
        self.assertEqual(link.request_id, request)
        self.assertEqual(request.verified_email, "prospect@example.com")
        # a link serves once: a second click is told so and changes nothing
        with self.assertRaises(PublicInputError) as caught:
            self.Link._gdpr_confirm(token)
        self.assertEqual(caught.exception.status, 409)
        self.assertEqual(self.Request.search_count([]), before + 1)

    def test_unknown_address_gives_a_request_without_contact(self):
        _link, token = self._issue("Nobody@Example.org", "erasure")
        request = self.Link._gdpr_confirm(token)
        self.assertFalse(request.partner_id)
        self.assertEqual(request.requester_email, "Nobody@Example.org")
        self.assertEqual(request.verified_email, "Nobody@Example.org")
        self.assertEqual(request.user_id, request._gdpr_default_responsible())

    def test_expired_link(self):
        link, token = self._issue()
        later = fields.Datetime.now() + timedelta(hours=25)
        with patch.object(fields.Datetime, "now", return_value=later):
            with self.assertRaisesRegex(UserError, "expired"):
                self.Link._gdpr_confirm(token)
        self.assertFalse(link.request_id)

    def test_forged_links(self):
        link, token = self._issue()
        link_id, expires, signature = token.split(".")
        forged = [
            f"{link_id}.{expires}.{'0' * len(signature)}",
            f"{link_id}.{int(expires) + 86400}.{signature}",
            f"{int(link_id) + 1}.{expires}.{signature}",
            "garbage",
            "",
        ]
        for token_try in forged:
            with self.assertRaises(PublicInputError, msg=token_try) as caught:
                self.Link._gdpr_confirm(token_try)
            self.assertIn(caught.exception.status, (400, 403), token_try)
        self.assertFalse(link.request_id)

    def test_old_links_are_purged_daily(self):
        old, _token = self._issue("old@example.org")
        fresh, _token = self._issue("fresh.link@example.org")
        self.env.cr.execute(
            "UPDATE gdpr_request_link SET create_date = now() - interval '8 days' "
            "WHERE id = %s",
            [old.id],
        )
        self.env.invalidate_all()
        self.env.ref(
            "gdpr_compliance.ir_cron_gdpr_request_link_purge"
        ).method_direct_trigger()
        self.assertFalse(old.exists())
        self.assertTrue(fresh.exists())

    def test_bad_input_and_rate_limit(self):
        with self.assertRaises(PublicInputError):
            self.Link._gdpr_issue("not-an-address", "access")
        with self.assertRaises(PublicInputError):
            self.Link._gdpr_issue("a@example.org", "portability")
        for _attempt in range(3):
            self._issue("flood@example.org", ip_address="192.0.2.1")
        with self.assertRaises(PublicInputError) as caught:
            self.Link._gdpr_issue("flood@example.org", "access", ip_address="192.0.2.2")
        self.assertEqual(caught.exception.status, 429)
        for number in range(7):
            self._issue(f"p{number}@example.org", ip_address="192.0.2.1")
        with self.assertRaises(PublicInputError):
            self.Link._gdpr_issue("fresh@example.org", "access", ip_address="192.0.2.1")
        self.assertEqual(
            self.Link.search_count([("email", "=", "fresh@example.org")]), 0
        )


@tagged("post_install", "-at_install")
class TestRequestPage(HttpCase, RequestCommon):
    def test_public_page_round_trip(self):
        page = self.url_open("/privacy/request")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_gdpr_request_form", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        before = self.Request.search_count([])
        with self.capture_emails() as sent:
            answer = self.url_open(
                "/privacy/request",
                data={
                    "csrf_token": csrf,
                    "request_type": "objection",
                    "name": "Prospect Person",
                    "email": "prospect@example.com",
                },
            )
        self.assertEqual(answer.status_code, 200)
        self.assertIn("o_gdpr_request_sent", answer.text)
        self.assertEqual(self.Request.search_count([]), before)
        token = URL.search(self.email_text(sent[0])).group(1)
        forged = self.url_open(f"/privacy/request/confirm?token={token[:-2]}00")
        self.assertEqual(forged.status_code, 403)
        self.assertEqual(self.Request.search_count([]), before)
        # opening the link only asks: a mail scanner following every link
        # registers nothing
        opened = self.url_open(f"/privacy/request/confirm?token={token}")
        self.assertEqual(opened.status_code, 200)
        self.assertIn("Confirm my request", opened.text)
        self.assertEqual(self.Request.search_count([]), before)
        # a post without the page's CSRF token is refused
        forged_post = self.url_open(
            "/privacy/request/confirm", data={"token": token, "csrf_token": "x"}
        )
        self.assertEqual(forged_post.status_code, 400)
        self.assertEqual(self.Request.search_count([]), before)
        confirmed = self.confirm_link(token)
        self.assertEqual(confirmed.status_code, 200)
        request = self.Request.search([], order="id desc", limit=1)
        self.assertEqual(request.request_type, "objection")
        self.assertEqual(request.partner_id, self.prospect)
        self.assertIn(request.name, confirmed.text)

    def test_public_page_refuses_bad_input(self):
        page = self.url_open("/privacy/request")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = self.url_open(
            "/privacy/request",
            data={"csrf_token": csrf, "request_type": "access", "email": "nope"},
        )
        self.assertEqual(answer.status_code, 400)
        self.assertIn("o_gdpr_request_error", answer.text)
        self.assertFalse(self.env["gdpr.request.link"].search([("email", "=", "nope")]))

    def test_public_page_speaks_the_language_of_its_link(self):
        # Italian is active with the demo company, and this addon's
        # translation was loaded with it
        self.assertIn("it_IT", dict(self.env["res.lang"].get_installed()))
        italian = self.url_open("/privacy/request?lang=it_IT")
        self.assertEqual(italian.status_code, 200)
        self.assertIn("I tuoi dati personali", italian.text)
        self.assertIn('hreflang="en-US"', italian.text)
        self.assertIn("Your personal data", self.url_open("/privacy/request").text)
        # a language that is not installed is ignored, not an error
        unknown = self.url_open("/privacy/request?lang=xx_XX")
        self.assertEqual(unknown.status_code, 200)
        self.assertIn("Your personal data", unknown.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', italian.text).group(1)
        self.assertIn('name="lang" value="it_IT"', italian.text)
        with self.capture_emails() as sent:
            self.url_open(
                "/privacy/request",
                data={
                    "csrf_token": csrf,
                    "request_type": "access",
                    "email": "persona@example.com",
                    "lang": "it_IT",
                },
            )
        self.assertEqual(sent[0]["Subject"], "Conferma la tua richiesta privacy")
        link = self.env["gdpr.request.link"].search(
            [("email", "=", "persona@example.com")]
        )
        self.assertEqual(link.lang, "it_IT")
        text = self.email_text(sent[0])
        self.assertIn("lang=it_IT", text)
        token = URL.search(text).group(1)
        confirmed = self.confirm_link(token, lang="it_IT")
        self.assertEqual(confirmed.status_code, 200)
        self.assertIn("I tuoi dati personali", confirmed.text)
        self.assertEqual(link.request_id.lang, "it_IT")
