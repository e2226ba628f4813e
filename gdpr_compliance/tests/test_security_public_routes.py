# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The public surface of gdpr_compliance, tried as an attacker would: every
route the addon adds (``/privacy/request`` GET and POST,
``/privacy/request/confirm``, ``/gdpr/register.csv``) answers bad input with
a clear 4xx page, logs no traceback and changes no row."""

import html
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import config

from .common_request import RequestCommon
from .common_security import HUGE, HUGE_IN_URL, SCRIPT, PublicSurfaceMixin

URL = re.compile(r"/privacy/request/confirm\?token=([\w.\-]+)")


@tagged("post_install", "-at_install")
class TestPublicRequestForm(PublicSurfaceMixin, HttpCase, RequestCommon):
    surface_tables = ("gdpr_request_link", "gdpr_request", "mail_mail")

    @staticmethod
    def _error(response):
        """The page's error message, unescaped."""
        found = re.search(
            r'o_gdpr_request_error"[^>]*>(.*?)</div>', response.text, re.S
        )
        return html.unescape(found.group(1)) if found else ""

    def _post(self, **values):
        data = {"csrf_token": self.csrf_token("/privacy/request")}
        data.update(values)
        return self.url_open("/privacy/request", data=data)

    def test_bad_input_is_refused_on_the_same_page(self):
        def form(**changes):
            return dict(
                {"request_type": "access", "email": "ok@example.org", "name": "Anna"},
                **changes,
            )

        cases = [
            ({}, "Choose what you are asking for."),
            (form(email="   "), "Enter your email address."),
            (form(email=HUGE + "@example.org"), "at most 254 characters"),
            # within the 64 characters before the @, beyond 254 in all
            (form(email="a" * 60 + "@" + ("b" * 60 + ".") * 4 + "org"), "at most 254"),
            (form(email="a" * 65 + "@example.org"), "at most 64 characters"),
            (form(email="x' OR 1=1--@example.org"), "Enter one valid email address"),
            (form(email=SCRIPT + "@x.org"), "Enter one valid email address"),
            (form(email="a@example.org, b@example.org"), "Enter one valid"),
            (form(email="a@example.org\r\nBcc: b@example.org"), "Enter one valid"),
            (form(email="Someone <a@example.org>"), "Enter one valid email address"),
            (form(email="jürgen@example.org"), "Enter one valid email address"),
            (form(email="a@localhost"), "Enter one valid email address"),
            (form(name=HUGE), "Name has at most 128 characters."),
            (form(name=SCRIPT), "Name may not contain < > or control characters."),
            (form(name="Anna\x00"), "Name may not contain"),
            (form(request_type="portability"), "Choose what you are asking for."),
            (form(request_type=SCRIPT), "Choose what you are asking for."),
            (form(request_type=HUGE), "Choose what you are asking for."),
        ]
        for values, message in cases:
            label = {key: value[:40] for key, value in values.items()}
            with self.subTest(values=label), self.assert_nothing_changes():
                response = self._post(**values)
                self.assert_refused(response, 400)
                self.assertIn(message, self._error(response))
                self.assertIn("o_gdpr_request_form", response.text)
                self.assertNotIn(SCRIPT, response.text)
                # what was typed is kept (escaped) when the form lets type it
                name = values.get("name")
                if name and len(name) <= 128 and name.isprintable():
                    self.assertIn(
                        name.replace("<", "&lt;").replace(">", "&gt;"), response.text
                    )

    def test_the_address_as_typed_is_the_only_one_mailed(self):
        with self.capture_emails() as sent:
            response = self._post(
                request_type="access", email="Anna.Verdi+privacy@Example.org"
            )
        self.assertEqual(response.status_code, 200)
        # the one address typed, which Odoo's mail queue writes in lower case
        self.assertEqual(
            [message["To"] for message in sent], ["anna.verdi+privacy@example.org"]
        )
        link = self.env["gdpr.request.link"].search([], order="id desc", limit=1)
        self.assertEqual(link.email, "Anna.Verdi+privacy@Example.org")

    def test_missing_csrf_token_and_wrong_methods(self):
        with self.assert_nothing_changes():
            response = self.url_open(
                "/privacy/request",
                data={"request_type": "access", "email": "ok@example.org"},
            )
            self.assert_refused(response, 400)
            response = self.url_open(
                "/privacy/request",
                data={
                    "csrf_token": "forged",
                    "request_type": "access",
                    "email": "ok@example.org",
                },
            )
            self.assert_refused(response, 400)
            for method in ("PUT", "DELETE", "PATCH"):
                response = self.opener.request(
                    method, self.base_url() + "/privacy/request", timeout=12
                )
                self.assert_refused(response, 405)
            # the confirmation is a form post: without the page's CSRF token
            # it is refused
            response = self.url_open(
                "/privacy/request/confirm", data={"token": "1.2.3"}
            )
            self.assert_refused(response, 400)
            for method in ("PUT", "DELETE", "PATCH"):
                response = self.opener.request(
                    method, self.base_url() + "/privacy/request/confirm", timeout=12
                )
                self.assert_refused(response, 405)

    def _link_token(self, email="token.person@example.org"):
        with self.capture_emails() as sent:
            self.env["gdpr.request.link"]._gdpr_issue(email, "access")
        return URL.search(self.email_text(sent[0])).group(1)

    def test_bad_tokens_are_refused(self):
        token = self._link_token()
        link_id, expires, signature = token.split(".")
        cases = [
            ("", 400),
            (HUGE_IN_URL, 400),
            ("é" * 10, 400),
            (f"{link_id}.{expires}.{signature[:-1]}é", 400),
            (f"{link_id}.{expires}.{signature}{SCRIPT}", 400),
            (SCRIPT, 400),
            (f"{link_id}.{expires}.{'0' * 64}", 403),
            (f"{int(link_id) + 1}.{expires}.{signature}", 403),
            (f"{link_id}.{int(expires) + 3600}.{signature}", 403),
            (f"99999999999.{expires}.{signature}", 400),
            (f"2147483647.{expires}.{signature}", 403),
        ]
        csrf = self.csrf_token(f"/privacy/request/confirm?token={token}")
        for bad, status in cases:
            with self.subTest(token=bad[:60]), self.assert_nothing_changes():
                response = self.get("/privacy/request/confirm", {"token": bad})
                self.assert_refused(response, status, "Nothing was changed.")
                # the same token posted by the page's button
                response = self.url_open(
                    "/privacy/request/confirm",
                    data={"csrf_token": csrf, "token": bad},
                )
                self.assert_refused(response, status, "Nothing was changed.")
        with self.assert_nothing_changes():
            response = self.url_open("/privacy/request/confirm")
            self.assert_refused(response, 400, "This link is not valid")

    def test_expired_and_replayed_tokens(self):
        token = self._link_token()
        later = fields.Datetime.now() + timedelta(hours=25)
        with (
            self.assert_nothing_changes(),
            patch.object(fields.Datetime, "now", return_value=later),
        ):
            response = self.url_open(f"/privacy/request/confirm?token={token}")
            self.assert_refused(response, 410, "This link has expired")
        response = self.confirm_link(token)
        self.assertEqual(response.status_code, 200)
        with self.assert_nothing_changes():
            response = self.url_open(f"/privacy/request/confirm?token={token}")
            self.assert_refused(response, 409, "This link was already used")

    def test_client_address_follows_proxy_mode(self):
        """Behind a reverse proxy (proxy_mode on) each visitor is limited by
        their own address, the last X-Forwarded-For hop; without proxy_mode a
        client's X-Forwarded-For is ignored."""
        Link = self.env["gdpr.request.link"]
        forwarded = {"X-Forwarded-For": "198.51.100.23, 203.0.113.50"}
        for proxy_mode, expected in ((True, "203.0.113.50"), (False, "127.0.0.1")):
            with (
                self.subTest(proxy_mode=proxy_mode),
                patch.dict(config.options, {"proxy_mode": proxy_mode}),
            ):
                email = f"proxy.{int(proxy_mode)}@example.org"
                data = {
                    "csrf_token": self.csrf_token("/privacy/request"),
                    "request_type": "access",
                    "email": email,
                }
                with self.capture_emails():
                    response = self.url_open(
                        "/privacy/request", data=data, headers=forwarded
                    )
                self.assertEqual(response.status_code, 200)
                link = Link.search([("email", "=", email)])
                self.assertEqual(link.ip_address, expected)

    def test_rate_limit_per_visitor_behind_a_proxy(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.request_link_max_per_ip", "2"
        )

        def post(number, client):
            data = {
                "csrf_token": self.csrf_token("/privacy/request"),
                "request_type": "access",
                "email": f"visitor{number}@example.org",
            }
            with self.capture_emails():
                return self.url_open(
                    "/privacy/request",
                    data=data,
                    headers={"X-Forwarded-For": client},
                )

        with patch.dict(config.options, {"proxy_mode": True}):
            self.assertEqual(post(1, "198.51.100.1").status_code, 200)
            self.assertEqual(post(2, "198.51.100.1").status_code, 200)
            with self.assert_nothing_changes():
                self.assert_refused(post(3, "198.51.100.1"), 429, "Too many requests")
            # another visitor behind the same proxy is not blocked by the first
            self.assertEqual(post(4, "198.51.100.2").status_code, 200)


@tagged("post_install", "-at_install")
class TestRegisterDownload(PublicSurfaceMixin, HttpCase):
    surface_tables = ("gdpr_purpose",)

    def test_bad_ids_and_anonymous_access(self):
        new_test_user(
            self.env,
            login="gdpr_sec_dpo",
            password="gdpr_sec_dpo_pw",
            groups="gdpr_compliance.group_gdpr_officer",
        )
        with self.assert_nothing_changes():
            anonymous = self.url_open("/gdpr/register.csv", allow_redirects=False)
            self.assertIn(anonymous.status_code, (302, 303))
            self.assertIn("/web/login", anonymous.headers["Location"])
        self.authenticate("gdpr_sec_dpo", "gdpr_sec_dpo_pw")
        purpose = self.env.ref("gdpr_compliance.gdpr_purpose_marketing")
        cases = [
            ("", 400),
            ("abc", 400),
            (SCRIPT, 400),
            (HUGE_IN_URL, 400),
            ("1,,2", 400),
            ("-1", 400),
            ("99999999999", 400),
            ("é", 400),
            ("999999999", 404),
            (f"{purpose.id},999999999", 404),
        ]
        for ids, status in cases:
            with self.subTest(ids=ids[:40]), self.assert_nothing_changes():
                response = self.get("/gdpr/register.csv", {"ids": ids})
                self.assert_refused(response, status)
                self.assertIn("text/plain", response.headers["Content-Type"])
        with self.assert_nothing_changes():
            response = self.url_open(
                "/gdpr/register.csv", data={"ids": str(purpose.id)}
            )
            self.assert_refused(response, None)
        response = self.url_open(f"/gdpr/register.csv?ids={purpose.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(purpose.name, response.content.decode("utf-8-sig"))
