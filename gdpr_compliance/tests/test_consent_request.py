# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Asking people for their consent by email: the preview, one email per
person in their language, who is skipped, one reminder at most, and the
answer recorded through the ledger (channel "email request")."""

import html
import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common_privacy_centre import PrivacyCentreCommon

ANSWER_URL = re.compile(r"/privacy/me\?token=[\w.\-]+(?:&amp;|&)[\w=&;.\-]+")


@tagged("post_install", "-at_install")
class TestConsentRequest(PrivacyCentreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.env["ir.module.module"]._load_module_terms(
            ["gdpr_compliance"], ["it_IT"], overwrite=True
        )
        cls.user_marketing = new_test_user(
            cls.env,
            login="gdpr_test_marketer",
            groups="gdpr_compliance.group_gdpr_marketing",
            name="Test Marketer",
            email="marketer@example.com",
        )

        def person(name, email, **values):
            return cls.Partner.create(
                dict(
                    {
                        "name": name,
                        "email": email,
                        "gdpr_legal_basis": "consent",
                        "gdpr_source_id": cls.source_fair.id,
                        "comment": "consent-request-test",
                    },
                    **values,
                )
            )

        cls.anna = person("Anna Italiana", "anna@example.org", lang="it_IT")
        cls.bob = person("Bob English", "bob@example.org", lang="en_US")
        cls.restricted = person("Rita Restricted", "rita@example.org")
        cls.restricted._gdpr_restrict()
        cls.blocked = person("Bruno Blocked", "bruno@example.org")
        cls.env["mail.blacklist"].sudo()._add("bruno@example.org")
        cls.consenting = person("Carla Consenting", "carla@example.org")
        cls.consenting._gdpr_record_consent(
            "marketing", "given", "web_form", notice=cls.notice
        )
        cls.domain = repr([("comment", "=", "consent-request-test")])

    def _new(self, **values):
        return (
            self.env["gdpr.consent.request"]
            .with_user(self.user_marketing)
            .create(
                [
                    dict(
                        {
                            "name": "Newsletter consent",
                            "purpose_ids": [(6, 0, self.purpose_marketing.ids)],
                            "partner_domain": self.domain,
                        },
                        **values,
                    )
                ]
            )
        )

    def test_preview_counts_and_skips(self):
        request = self._new()
        self.assertEqual(request.target_count, 2)
        self.assertEqual(request.skipped_count, 3)
        self.assertIn("Processing restricted", request.skipped_summary)
        self.assertIn("Blocklisted address", request.skipped_summary)
        self.assertIn("Consent already given", request.skipped_summary)
        targets, skipped = request._gdpr_targets()
        self.assertEqual(targets, self.anna | self.bob)
        self.assertEqual(skipped["restricted"], self.restricted)
        self.assertEqual(skipped["blacklisted"], self.blocked)
        self.assertEqual(skipped["given"], self.consenting)
        action = request.action_view_targets()
        self.assertEqual(self.Partner.search(action["domain"]), self.anna | self.bob)

    def test_one_email_per_person_in_their_language(self):
        request = self._new()
        with self.capture_emails() as sent:
            request.with_user(self.user_marketing).action_send()
        self.assertEqual(request.state, "sent")
        by_address = {message["To"]: message for message in sent}
        self.assertEqual(set(by_address), {"anna@example.org", "bob@example.org"})
        self.assertEqual(len(sent), 2)
        self.assertIn("keep in touch", by_address["bob@example.org"]["Subject"])
        italian = self.email_text(by_address["anna@example.org"])
        self.assertIn("possiamo restare in contatto", italian)
        self.assertIn("Test notice v9", italian)
        lines = request.line_ids
        self.assertEqual(lines.partner_id, self.anna | self.bob)
        for line in lines:
            self.assertEqual(line.notice_ids, self.notice)
            self.assertEqual(
                line.template_id,
                self.env.ref("gdpr_compliance.gdpr_consent_request_mail_template"),
            )
            self.assertTrue(line.sent_date)
        self.assertTrue(self._audit("consent", request))
        # sending again asks nobody twice
        with self.capture_emails() as sent:
            request.action_send()
        self.assertFalse(sent)
        self.assertEqual(len(request.line_ids), 2)

    def test_one_reminder_at_most(self):
        request = self._new(reminder_days=3)
        request.action_send()
        line_anna = request.line_ids.filtered(lambda line: line.partner_id == self.anna)
        line_bob = request.line_ids - line_anna
        Model = self.env["gdpr.consent.request"]
        with self.capture_emails() as sent:
            Model._cron_gdpr_consent_requests()
        self.assertFalse(sent, "nobody is reminded before the delay")
        request.line_ids.sudo().write(
            {"sent_date": fields.Datetime.now() - timedelta(days=4)}
        )
        line_bob._gdpr_answer("refuse")
        with self.capture_emails() as sent:
            Model._cron_gdpr_consent_requests()
        self.assertEqual([m["To"] for m in sent], ["anna@example.org"])
        self.assertIn("promemoria", self.email_text(sent[0]).lower())
        self.assertTrue(line_anna.reminder_date)
        self.assertFalse(line_bob.reminder_date)
        with self.capture_emails() as sent:
            Model._cron_gdpr_consent_requests()
        self.assertFalse(sent, "one reminder, never more")

    def test_daily_mode_asks_people_entering_the_filter(self):
        request = self._new(daily=True)
        request.action_send()
        self.assertEqual(len(request.line_ids), 2)
        newcomer = self.Partner.create(
            {
                "name": "Nina Newcomer",
                "email": "nina@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
                "comment": "consent-request-test",
            }
        )
        with self.capture_emails() as sent:
            self.env["gdpr.consent.request"]._cron_gdpr_consent_requests()
        self.assertEqual([m["To"] for m in sent], ["nina@example.org"])
        self.assertEqual(request.line_ids.partner_id, self.anna | self.bob | newcomer)

    def test_accept_link_records_channel_email_request(self):
        request = self._new()
        with self.capture_emails() as sent:
            request.action_send()
        message = next(m for m in sent if m["To"] == "bob@example.org")
        url = html.unescape(ANSWER_URL.search(self.email_text(message)).group(0))
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_gdpr_consent_request_accept", page.text)
        line = request.line_ids.filtered(lambda line: line.partner_id == self.bob)
        token = re.search(r"token=([\w.\-]+)", url).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/privacy/me/answer",
            data={
                "csrf_token": csrf,
                "token": token,
                "consent_request": line.id,
                "answer": "accept",
            },
        )
        self.assertEqual(response.status_code, 200)
        event = self.bob.gdpr_consent_event_ids
        self.assertEqual(
            (event.action, event.channel, event.purpose_id),
            ("given", "email_request", self.purpose_marketing),
        )
        self.assertEqual(event.notice_id, self.notice)
        self.assertEqual(event.ip_address, "127.0.0.1")
        self.assertIn("Newsletter consent", event.evidence)
        self.assertEqual((line.answer, line.event_ids), ("accepted", event))
        self.assertEqual(self.bob._gdpr_consent_state(self.purpose_marketing), "given")
        # Anna's request line is not Bob's to answer
        other = request.line_ids - line
        with self.assert_nothing_changes():
            response = self.url_open(
                "/privacy/me/answer",
                data={
                    "csrf_token": csrf,
                    "token": token,
                    "consent_request": other.id,
                    "answer": "accept",
                },
            )
        self.assert_refused(response, 403, "not yours")
        with self.assert_nothing_changes():
            response = self.get(
                "/privacy/me", params={"token": token, "consent_request": other.id}
            )
        self.assert_refused(response, 403)
        self.assertNotIn("Anna", response.text)

    def test_who_may_ask_and_bad_filters(self):
        with self.assertRaises(AccessError):
            self.env["gdpr.consent.request"].with_user(self.user_sales).create(
                [{"name": "x", "purpose_ids": [(6, 0, self.purpose_marketing.ids)]}]
            )
        for domain in ("[('nope', '=', 1)]", "import os", "[(", "42"):
            with self.subTest(domain=domain), self.assertRaises(ValidationError):
                self._new(partner_domain=domain)
        request = self._new()
        request.action_send()
        with self.assertRaises(UserError):
            request.with_user(self.user_marketing).write(
                {"purpose_ids": [(6, 0, self.purpose_profiling.ids)]}
            )

    def test_asking_from_a_list_of_contacts(self):
        action = (
            self.env["gdpr.consent.request"]
            .with_user(self.user_marketing)
            ._gdpr_from_partners(self.anna | self.restricted)
        )
        request = (
            self.env["gdpr.consent.request"]
            .with_user(self.user_marketing)
            .with_context(**action["context"])
            .create([{"purpose_ids": [(6, 0, self.purpose_marketing.ids)]}])
        )
        self.assertEqual(request.target_count, 1)
        self.assertEqual(request.skipped_count, 1)

    def test_ledger_view_opens_the_consents_requested(self):
        request = self._new()
        request.action_send()
        ledger = (
            self.env["gdpr.consent.event"]
            .with_user(self.user_marketing)
            .get_views([(False, "list")])["views"]["list"]["arch"]
        )
        action = self.env.ref("gdpr_compliance.gdpr_consent_request_line_action")
        self.assertIn(f'name="{action.id}"', ledger)
        self.assertIn("Consent Requested", ledger)
        lines = self.env[action.res_model].with_user(self.user_marketing).search([])
        self.assertEqual(lines.partner_id, self.anna | self.bob)
        # a salesperson's ledger has no such button
        ledger = (
            self.env["gdpr.consent.event"]
            .with_user(self.user_sales)
            .get_views([(False, "list")])["views"]["list"]["arch"]
        )
        self.assertNotIn(f'name="{action.id}"', ledger)
