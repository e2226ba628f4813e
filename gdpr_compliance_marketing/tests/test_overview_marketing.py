# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestOverviewMarketing(TransactionCase):
    """The marketing figures of the month on the DPO's overview."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.dpo = new_test_user(
            cls.env,
            login="gdpr_test_overview_dpo",
            groups="gdpr_compliance.group_gdpr_officer",
        )
        cls.Overview = cls.env["gdpr.overview"].with_user(cls.dpo)
        cls.source = cls.env.ref("gdpr_compliance.gdpr_source_newsletter")
        cls.Partner = cls.env["res.partner"]

    def _person(self, name, consent=None):
        partner = self.Partner.create(
            {
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source.id,
            }
        )
        if consent:
            partner._gdpr_record_consent("marketing", consent, "web_form")
        return partner

    def _value(self, key):
        for section in self.Overview.get_overview()["sections"]:
            for tile in section["tiles"]:
                if tile["key"] == key:
                    return tile["value"]
        self.fail(f"no tile {key}")

    def _opened(self, key):
        action = self.Overview.action_open_tile(key)
        json.dumps(action)
        return (
            self.env[action["res_model"]].with_user(self.dpo).search(action["domain"])
        )

    def test_marketing_section_comes_before_the_evidence(self):
        keys = [section["key"] for section in self.Overview.get_overview()["sections"]]
        self.assertLess(keys.index("marketing"), keys.index("evidence"))

    def test_objections_and_withdrawals_this_month(self):
        objections = self._value("objection_month")
        withdrawals = self._value("withdrawal_month")
        consenting = self._person("Marta Marketing", consent="given")
        self.env["mail.blacklist"]._add(consenting.email)
        self._person("Walter Withdrawn", consent="given")._gdpr_record_consent(
            "marketing", "withdrawn", "email"
        )
        # an objection of last month is not this month's
        self.env["gdpr.objection"].sudo().create(
            {
                "email_normalized": "old.objection@example.org",
                "channel": "manual_blocklist",
                "date": fields.Datetime.now() - relativedelta(months=1, days=1),
            }
        )
        self.assertEqual(self._value("objection_month"), objections + 1)
        opened = self._opened("objection_month")
        self.assertIn(consenting.email_normalized, opened.mapped("email_normalized"))
        self.assertNotIn("old.objection@example.org", opened.mapped("email_normalized"))
        # the blocklisting withdrew the consent too (Art. 21(3))
        self.assertEqual(self._value("withdrawal_month"), withdrawals + 2)
        self.assertEqual(
            len(self._opened("withdrawal_month")), self._value("withdrawal_month")
        )

    def test_recipients_left_out_when_a_mailing_is_sent(self):
        before = self._value("mailing_excluded_month")
        allowed = self._person("Anna Allowed", consent="given")
        prospect = self._person("Paolo Prospect")
        withdrawn = self._person("Wanda Withdrawn", consent="given")
        withdrawn._gdpr_record_consent("marketing", "withdrawn", "email")
        people = allowed | prospect | withdrawn
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "December offers",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", people.ids)]),
            }
        )
        mailing.action_gdpr_count_exclusions()
        self.assertEqual(mailing.gdpr_excluded_count, 2)
        mailing.action_send_mail()
        self.assertEqual(mailing.mailing_trace_ids.res_id, allowed.id)
        exclusions = self.env["gdpr.mailing.exclusion"].search(
            [("mailing_id", "=", mailing.id)]
        )
        self.assertEqual(
            {(row.reason, row.recipient_count) for row in exclusions},
            {("no_basis", 1), ("withdrawn", 1)},
        )
        self.assertEqual(self._value("mailing_excluded_month"), before + 2)
        self.assertLessEqual(exclusions, self._opened("mailing_excluded_month"))

        # sent again to chosen recipients: the figures are those of the last
        # sending, not added to the first ones
        mailing._action_send_mail(res_ids=(allowed | prospect).ids)
        exclusions = self.env["gdpr.mailing.exclusion"].search(
            [("mailing_id", "=", mailing.id)]
        )
        self.assertEqual(
            [(row.reason, row.recipient_count) for row in exclusions],
            [("no_basis", 1)],
        )
        self.assertEqual(self._value("mailing_excluded_month"), before + 1)

    def test_list_mailing_counts_what_the_rules_leave_out(self):
        before = self._value("mailing_excluded_month")
        mailing_list = self.env["mailing.list"].create({"name": "Overview list"})
        contacts = self.env["mailing.contact"].create(
            [
                {
                    "name": name,
                    "email": f"{name.lower()}@example.org",
                    "list_ids": [(4, mailing_list.id)],
                }
                for name in ("Confirmed", "Pending")
            ]
        )
        self.env["mailing.subscription"].search(
            [("contact_id", "=", contacts[0].id)]
        )._gdpr_confirm()
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "List news",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, mailing_list.ids)],
            }
        )
        mailing.action_send_mail()
        self.assertEqual(mailing.mailing_trace_ids.res_id, contacts[0].id)
        exclusion = self.env["gdpr.mailing.exclusion"].search(
            [("mailing_id", "=", mailing.id)]
        )
        # the pending contact has no consent of its own yet
        self.assertEqual((exclusion.reason, exclusion.recipient_count), ("no_basis", 1))
        self.assertEqual(self._value("mailing_excluded_month"), before + 1)
