# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.gdpr_compliance.models.gdpr_public_input import PublicInputError

from .common import confirm_subscription


def confirmation_url(env, subscription):
    """The confirmation link of the last email sent to a subscription's
    contact, as found in the email."""
    mail = env["mail.mail"].search(
        [("email_to", "=", subscription.contact_id.email)], order="id desc", limit=1
    )
    href = mail.body_html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    if "/gdpr/subscription/confirm?" not in href:
        raise AssertionError(f"no confirmation link in the email: {href}")
    return href


@tagged("post_install", "-at_install")
class TestDoubleOptIn(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mailing_list = cls.env["mailing.list"].create({"name": "Opt-in news"})

    def _subscribe(self, email="dora.optin@example.org"):
        contact = self.env["mailing.contact"].create(
            {"name": "Dora", "email": email, "list_ids": [(4, self.mailing_list.id)]}
        )
        self.env.invalidate_all()
        return contact, contact.subscription_ids

    def _list_mailing(self, subject):
        return self.env["mailing.mailing"].create(
            {
                "subject": subject,
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, self.mailing_list.ids)],
            }
        )

    def _link(self, subscription):
        query = parse_qs(urlparse(confirmation_url(self.env, subscription)).query)
        return {key: values[0] for key, values in query.items()}

    def test_new_subscription_is_pending_and_mailed_a_link(self):
        contact, subscription = self._subscribe()
        self.assertEqual(subscription.gdpr_confirmation_state, "pending")
        self.assertTrue(subscription.gdpr_confirmation_sent)
        params = self._link(subscription)
        self.assertEqual(int(params["sid"]), subscription.id)
        # consent given on a form is not enough: the address must confirm
        contact._gdpr_record_consent("marketing", "given", "web_form")
        mailing = self._list_mailing("News")
        self.assertEqual(
            mailing._gdpr_excluded_recipients(contact.ids)[contact.id], "unconfirmed"
        )
        self.assertNotIn(contact.id, mailing._get_recipients())

    def _last_mail_to(self, email):
        return self.env["mail.mail"].search(
            [("email_to", "=", email)], order="id desc", limit=1
        )

    def test_confirmation_email_speaks_the_persons_language(self):
        # a known person: her language, whoever subscribes her
        giulia = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        self.assertEqual(giulia.lang, "it_IT")
        self._subscribe(giulia.email)
        self.assertEqual(
            self._last_mail_to(giulia.email).subject,
            "Conferma la tua iscrizione a Opt-in news",
        )
        # an address of nobody known: the language it was subscribed in
        self._subscribe("nobody.optin@example.org")
        self.assertEqual(
            self._last_mail_to("nobody.optin@example.org").subject,
            "Confirm your subscription to Opt-in news",
        )
        self.env["mailing.contact"].with_context(lang="it_IT").create(
            {
                "name": "Visitatore",
                "email": "visitor.optin@example.org",
                "list_ids": [(4, self.mailing_list.id)],
            }
        )
        self.assertIn(
            "Confermo l'iscrizione",
            self._last_mail_to("visitor.optin@example.org").body_html,
        )

    def test_valid_link_confirms_and_records_consent(self):
        contact, subscription = self._subscribe()
        params = self._link(subscription)
        # opening the link only asks: a mail scanner following every link
        # gives no consent
        response = self.url_open(
            "/gdpr/subscription/confirm?"
            + "&".join(f"{key}={value}" for key, value in params.items())
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Confirm your subscription", response.text)
        self.assertEqual(subscription.gdpr_confirmation_state, "pending")
        self.assertFalse(
            self.env["gdpr.consent.event"].search(
                [
                    ("origin_model", "=", "mailing.contact"),
                    ("origin_id", "=", contact.id),
                ]
            )
        )
        response = confirm_subscription(self, params)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Subscription confirmed", response.text)
        self.assertEqual(subscription.gdpr_confirmation_state, "confirmed")
        event = self.env["gdpr.consent.event"].search(
            [("origin_model", "=", "mailing.contact"), ("origin_id", "=", contact.id)]
        )
        self.assertEqual((event.action, event.channel), ("given", "double_opt_in"))
        self.assertTrue(event.ip_address)
        self.assertTrue(event.notice_id)
        mailing = self._list_mailing("News")
        self.assertIn(contact.id, mailing._get_recipients())

    def test_confirming_after_an_objection_ends_it(self):
        """Someone who stopped all marketing joins a list again and confirms
        from their mailbox: they are mailed again."""
        email = "rita.returns@example.org"
        self.env["mail.blacklist"]._add(email)
        self.assertTrue(self.env["gdpr.suppression"]._gdpr_suppressed([email]))
        contact, subscription = self._subscribe(email)
        response = confirm_subscription(self, self._link(subscription))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.env["gdpr.suppression"]._gdpr_suppressed([email]))
        objection = self.env["gdpr.objection"].search(
            [("email_normalized", "=", email)]
        )
        self.assertEqual(objection.lifted_by_id.channel, "double_opt_in")
        mailing = self._list_mailing("Welcome back")
        self.assertIn(contact.id, mailing._get_recipients())

    def test_forged_and_expired_links_change_nothing(self):
        _contact, subscription = self._subscribe()
        params = self._link(subscription)
        forged = dict(params, token="0" * 64)
        response = self.url_open(
            "/gdpr/subscription/confirm?"
            + "&".join(f"{key}={value}" for key, value in forged.items())
        )
        self.assertEqual(response.status_code, 403)
        other = dict(params, sid=str(subscription.id + 1000))
        response = self.url_open(
            "/gdpr/subscription/confirm?"
            + "&".join(f"{key}={value}" for key, value in other.items())
        )
        self.assertEqual(response.status_code, 403)
        expired_at = int(time.time()) - 60
        with self.assertRaises(PublicInputError) as caught:
            self.env["mailing.subscription"]._gdpr_confirm_from_link(
                subscription.id, expired_at, subscription._gdpr_token(expired_at)
            )
        self.assertEqual(caught.exception.status, 410)
        self.assertEqual(subscription.gdpr_confirmation_state, "pending")

    def test_unconfirmed_go_to_the_suppression_list(self):
        _contact, subscription = self._subscribe("late.lina@example.org")
        cron = self.env.ref(
            "gdpr_compliance_marketing.ir_cron_gdpr_unconfirmed_subscriptions"
        )
        cron.method_direct_trigger()
        self.assertFalse(subscription.opt_out)
        with freeze_time(fields.Datetime.now() + timedelta(days=8)):
            cron.method_direct_trigger()
        self.assertTrue(subscription.opt_out)
        entry = self.env["gdpr.suppression"].search(
            [("email_normalized", "=", "late.lina@example.org")]
        )
        self.assertEqual(entry.reason, "unconfirmed")
        # expiry of a subscription is no objection by the person
        self.assertFalse(
            self.env["gdpr.objection"].search(
                [("email_normalized", "=", "late.lina@example.org")]
            )
        )

    def test_days_setting(self):
        settings = self.env["res.config.settings"].create(
            {"gdpr_double_opt_in_days": 3}
        )
        settings.execute()
        self.assertEqual(self.env["mailing.subscription"]._gdpr_confirmation_days(), 3)
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance_marketing.double_opt_in_days", "not a number"
        )
        self.assertEqual(self.env["mailing.subscription"]._gdpr_confirmation_days(), 7)
