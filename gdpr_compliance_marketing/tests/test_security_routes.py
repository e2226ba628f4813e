# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The public surface of gdpr_compliance_marketing: the double opt-in link
(``/gdpr/subscription/confirm``) answers any bad input with a clear 4xx page,
logs no traceback and changes nothing; the unsubscribe routes of Email
Marketing, which this addon turns into objections, record none for a forged
link."""

from unittest.mock import patch
from urllib.parse import parse_qs, urlencode, urlparse

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import config

from odoo.addons.gdpr_compliance.tests.common_security import (
    HUGE_IN_URL,
    SCRIPT,
    PublicSurfaceMixin,
)

from .common import SUBSCRIPTION_CONFIRM as CONFIRM
from .common import confirm_subscription


@tagged("post_install", "-at_install")
class TestSubscriptionLinkSecurity(PublicSurfaceMixin, HttpCase):
    surface_tables = (
        "mailing_subscription",
        "gdpr_consent_event",
        "gdpr_objection",
        "mail_blacklist",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mailing_list = cls.env["mailing.list"].create({"name": "Security news"})

    def _pending(self, email="sec.person@example.org"):
        contact = self.env["mailing.contact"].create(
            {"name": "Sec", "email": email, "list_ids": [(4, self.mailing_list.id)]}
        )
        subscription = contact.subscription_ids
        mail = self.env["mail.mail"].search(
            [("email_to", "=", email)], order="id desc", limit=1
        )
        href = mail.body_html.split('href="')[1].split('"')[0].replace("&amp;", "&")
        params = {
            key: values[0] for key, values in parse_qs(urlparse(href).query).items()
        }
        return subscription, params

    def _open(self, params, headers=None):
        return self.get(CONFIRM, params, headers)

    def test_bad_links_change_nothing(self):
        subscription, params = self._pending()
        other, other_params = self._pending("sec.other@example.org")
        cases = [
            ({}, 400),
            (dict(params, token=""), 400),
            (dict(params, token=HUGE_IN_URL), 400),
            (dict(params, token="é" * 64), 400),
            (dict(params, token=params["token"][:-1] + "é"), 400),
            (dict(params, token=SCRIPT), 400),
            (dict(params, sid=SCRIPT), 400),
            (dict(params, sid=HUGE_IN_URL), 400),
            (dict(params, sid="-1"), 400),
            (dict(params, exp="soon"), 400),
            (dict(params, sid="99999999999"), 400),
            (dict(params, token="0" * 64), 403),
            (dict(params, sid=str(subscription.id + 100000)), 403),
            (dict(params, sid="2147483647"), 403),
            (dict(params, exp=str(int(params["exp"]) + 86400)), 403),
            # one person's link does not confirm another's subscription
            (dict(params, sid=other_params["sid"]), 403),
        ]
        csrf = self.csrf_token(CONFIRM + "?" + urlencode(params))
        for bad, status in cases:
            label = {key: value[:40] for key, value in bad.items()}
            with self.subTest(params=label), self.assert_nothing_changes():
                self.assert_refused(
                    self._open(bad), status, "This link was not accepted"
                )
                # the same link posted by the page's button
                response = self.url_open(CONFIRM, data=dict(bad, csrf_token=csrf))
                self.assert_refused(response, status, "This link was not accepted")
        self.assertEqual(subscription.gdpr_confirmation_state, "pending")
        self.assertEqual(other.gdpr_confirmation_state, "pending")
        with self.assert_nothing_changes():
            # a post without the page's CSRF token
            response = self.url_open(CONFIRM, data=params)
            self.assert_refused(response, 400)
            for method in ("PUT", "DELETE", "PATCH"):
                response = self.opener.request(
                    method, self.base_url() + CONFIRM, timeout=12
                )
                self.assert_refused(response, 405)

    def test_expired_replayed_and_left_links(self):
        subscription, params = self._pending()
        self.assertEqual(confirm_subscription(self, params).status_code, 200)
        self.assertEqual(subscription.gdpr_confirmation_state, "confirmed")
        with self.assert_nothing_changes():
            self.assert_refused(self._open(params), 409, "already confirmed")
        left, left_params = self._pending("sec.left@example.org")
        left.opt_out = True
        with self.assert_nothing_changes():
            self.assert_refused(self._open(left_params), 409, "You left this list")
        self.assertEqual(left.gdpr_confirmation_state, "pending")
        late, late_params = self._pending("sec.late@example.org")
        expired = int(late_params["exp"]) - 30 * 86400
        late_params = dict(
            late_params, exp=str(expired), token=late._gdpr_token(expired)
        )
        with self.assert_nothing_changes():
            self.assert_refused(self._open(late_params), 410, "This link has expired")

    def test_consent_ip_follows_proxy_mode(self):
        forwarded = {"X-Forwarded-For": "198.51.100.77, 203.0.113.9"}
        for proxy_mode, expected in ((True, "203.0.113.9"), (False, "127.0.0.1")):
            subscription, params = self._pending(
                f"sec.proxy{int(proxy_mode)}@example.org"
            )
            with patch.dict(config.options, {"proxy_mode": proxy_mode}):
                response = confirm_subscription(self, params, forwarded)
            self.assertEqual(response.status_code, 200)
            event = self.env["gdpr.consent.event"].search(
                [
                    ("origin_model", "=", "mailing.contact"),
                    ("origin_id", "=", subscription.contact_id.id),
                ]
            )
            self.assertEqual(event.ip_address, expected)

    def test_forged_unsubscribe_links_record_no_objection(self):
        contact = self.env["mailing.contact"].create(
            {"name": "Uns", "email": "sec.uns@example.org"}
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Security",
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, self.mailing_list.ids)],
            }
        )
        params = {
            "document_id": str(contact.id),
            "email": contact.email,
            "hash_token": "0" * 64,
        }
        cases = [
            (params, None),
            # Odoo's own comparison and int() would fail on these (a 500)
            (dict(params, hash_token="é" * 64), 400),
            (dict(params, hash_token=HUGE_IN_URL), 400),
            (dict(params, document_id="abc"), 400),
            (dict(params, document_id=SCRIPT), 400),
        ]
        for bad, status in cases:
            label = {key: value[:40] for key, value in bad.items()}
            with self.subTest(params=label), self.assert_nothing_changes():
                for method in ("unsubscribe", "confirm_unsubscribe"):
                    response = self.get(f"/mailing/{mailing.id}/{method}", bad)
                    self.assert_refused(response, status)
                response = self.opener.post(
                    self.base_url() + f"/mailing/{mailing.id}/unsubscribe_oneclick",
                    params=bad,
                    timeout=12,
                )
                self.assert_refused(response, status)

    def test_own_subscriptions_page_without_a_document(self):
        """/mailing/my (a logged-in person, no mailing): the page's own calls
        send document 0, which is no malformed link; the lists chosen are
        joined (Email Marketing's tours of that page depend on it)."""
        user = new_test_user(
            self.env,
            login="sec_subscriber",
            email="sec.subscriber@example.org",
            groups="base.group_portal",
        )
        public_list = self.env["mailing.list"].create(
            {"name": "Public news", "is_public": True}
        )
        # a subscriber of another list, as the page is for
        self.env["mailing.contact"].create(
            {
                "name": user.name,
                "email": user.email,
                "list_ids": [(4, self.mailing_list.id)],
            }
        )
        self.authenticate(user.login, user.login)
        result = self.make_jsonrpc_request(
            "/mailing/list/update",
            {
                "mailing_id": False,
                "document_id": 0,
                "email": False,
                "hash_token": False,
                "lists_optin_ids": public_list.ids,
            },
        )
        self.assertNotIn(result, ("error", "unauthorized"))
        self.env.invalidate_all()
        contact = self.env["mailing.contact"].search([("email", "=", user.email)])
        self.assertIn(public_list, contact.subscription_ids.list_id)
