# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestMarketingDemo(TransactionCase):
    """The marketer's demo: a draft newsletter whose form tells how many
    subscribers are left out and why."""

    def test_draft_mailing_shows_who_is_excluded_and_why(self):
        marketer = self.env.ref("gdpr_compliance_marketing.res_users_marketing_demo")
        self.assertEqual(marketer.lang, "it_IT")
        mailing = self.env.ref(
            "gdpr_compliance_marketing.mailing_mailing_autumn_demo"
        ).with_user(marketer)
        self.assertEqual(mailing.state, "draft")
        reasons = dict(self.env["gdpr.processing.rule"]._gdpr_decision_selection())
        expected = ("no_basis", "withdrawn", "restricted", "suppressed", "unconfirmed")
        mailing.action_gdpr_count_exclusions()
        self.assertEqual(mailing.gdpr_excluded_count, len(expected))
        for key in expected:
            self.assertIn(f"{reasons[key]}: 1", mailing.gdpr_exclusion_summary)
        mailed = self.env["mailing.contact"].browse(mailing._get_recipients())
        self.assertEqual(
            set(mailed.mapped("name")), {"Teresa Lombardi", "Giulia Rossi"}
        )
