# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestExclusionMessages(TransactionCase):
    """When the privacy rules leave nobody to mail, the marketer is told how
    many were excluded and why, whatever the way the mailing is sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        source = cls.env.ref("gdpr_compliance.gdpr_source_newsletter")
        Partner = cls.env["res.partner"]
        cls.consenting = Partner.create(
            {
                "name": "Anna Consenso",
                "email": "anna.consenso@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": source.id,
            }
        )
        cls.consenting._gdpr_record_consent("marketing", "given", "web_form")
        cls.prospects = Partner.create(
            [
                {
                    "name": f"Prospect {index}",
                    "email": f"prospect.{index}@example.org",
                    "gdpr_legal_basis": "legitimate_interest",
                    "gdpr_source_id": source.id,
                }
                for index in range(2)
            ]
        )
        cls.mailing_list = cls.env["mailing.list"].create(
            {
                "name": "Never asked",
                "contact_ids": [
                    (
                        0,
                        0,
                        {"name": f"Contact {index}", "email": f"c{index}@example.org"},
                    )
                    for index in range(12)
                ],
            }
        )

    def _mailing(self, **values):
        return self.env["mailing.mailing"].create(
            dict(
                {
                    "subject": "Spring offers",
                    "body_html": "<p>Offers</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "mailing_domain": repr([("id", "in", self.prospects.ids)]),
                },
                **values,
            )
        )

    def test_all_excluded_mailing_says_how_many_and_why(self):
        mailing = self._mailing()
        with self.assertRaises(UserError) as refused:
            mailing.action_send_mail()
        message = str(refused.exception)
        self.assertIn(
            'Nobody may receive "Spring offers": the privacy rules exclude all '
            "its 2 recipients.",
            message,
        )
        self.assertIn("No consent (prospect) and no other basis: 2", message)
        self.assertNotIn("There are no recipients selected", message)
        self.assertFalse(mailing.mailing_trace_ids)
        self.assertEqual(mailing.state, "draft")

    def test_excluded_and_already_mailed(self):
        everybody = self.prospects | self.consenting
        mailing = self._mailing(mailing_domain=repr([("id", "in", everybody.ids)]))
        mailing.action_send_mail()
        self.assertEqual(mailing.mailing_trace_ids.res_id, self.consenting.id)
        with self.assertRaises(UserError) as refused:
            mailing.action_send_mail()
        self.assertIn(
            "the privacy rules exclude 2 of its 3 recipients, the other 1 already "
            "received it.",
            str(refused.exception),
        )
        # nobody excluded and nobody left: Odoo's own answer
        mailing.mailing_domain = repr([("id", "=", self.consenting.id)])
        with self.assertRaisesRegex(UserError, "There are no recipients selected"):
            mailing.action_send_mail()

    def test_ab_test_without_consent_says_why(self):
        first = self.env["mailing.mailing"].create(
            {
                "subject": "Version A",
                "body_html": "<p>A</p>",
                "contact_list_ids": [(6, 0, self.mailing_list.ids)],
                "ab_testing_enabled": True,
                "ab_testing_pc": 50,
                "ab_testing_schedule_datetime": datetime.now(),
            }
        )
        second = first.copy({"subject": "Version B", "ab_testing_pc": 50})
        with self.assertRaises(UserError) as refused:
            (first | second).action_send_mail()
        message = str(refused.exception)
        self.assertIn("the privacy rules exclude all its 12 recipients", message)
        self.assertIn("No consent (prospect) and no other basis: 12", message)
        self.assertFalse((first | second).mailing_trace_ids)

    def _composer(self, partners, **values):
        return (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="mass_mail",
                default_model="res.partner",
                active_ids=partners.ids,
            )
            .create(dict({"subject": "Offers", "body": "<p>Offers</p>"}, **values))
        )

    def test_composer_in_marketing_mode_follows_the_rules(self):
        Mailing = self.env["mailing.mailing"]
        self._composer(
            self.prospects | self.consenting, mass_mailing_name="Composer offers"
        ).action_send_mail()
        mailing = Mailing.search([("name", "=", "Composer offers")])
        self.assertEqual(mailing.mailing_trace_ids.res_id, self.consenting.id)
        with self.assertRaises(UserError) as refused:
            self._composer(
                self.prospects, mass_mailing_name="Prospects only"
            ).action_send_mail()
        message = str(refused.exception)
        self.assertIn("the privacy rules exclude all its 2 recipients", message)
        self.assertIn("No consent (prospect) and no other basis: 2", message)
        self.assertFalse(Mailing.search([("name", "=", "Prospects only")]))
        self.assertFalse(
            self.env["mail.mail"].search([("recipient_ids", "in", self.prospects.ids)])
        )

    def test_composer_without_mailing_is_not_marketing(self):
        # a mass mail that does not become a mailing (a notice to several
        # customers) is not direct marketing: the rules do not apply
        mails = self._composer(self.prospects)._action_send_mail()[0]
        self.assertEqual(mails.recipient_ids, self.prospects)
