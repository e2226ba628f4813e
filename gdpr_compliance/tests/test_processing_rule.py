# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import PeopleCommon


@tagged("post_install", "-at_install")
class TestProcessingRule(PeopleCommon):
    """One rule decides whether a person may receive direct marketing; the
    answer for one contact, for a set of contacts, the mail composer, the
    retention engine and the access report are all its answer."""

    def _rule(self):
        return self.env["gdpr.processing.rule"]

    def test_one_contact_and_a_set_give_the_same_answer(self):
        partners = self.Partner.concat(*self.people.values())
        decisions = self._rule()._gdpr_decisions(partners.ids, "marketing")
        labels = dict(self._rule()._gdpr_decision_selection())
        for state, partner in self.people.items():
            expected = self.expected[state]
            self.assertEqual(decisions[partner.id], expected, state)
            allowed, reason = partner._gdpr_can_process("marketing")
            self.assertEqual(allowed, not expected, state)
            if expected:
                self.assertEqual(reason, labels[expected], state)

    def test_colleague_of_a_customer_is_not_a_customer(self):
        # Italian Privacy Code art. 130(4): the customer may be mailed on
        # legitimate interest, the colleague at the same company may not
        allowed, reason = self.people["customer"]._gdpr_can_process("marketing")
        self.assertTrue(allowed)
        self.assertIn("existing customer", reason)
        allowed, reason = self.people["colleague"]._gdpr_can_process("marketing")
        self.assertFalse(allowed)
        self.assertIn("prospect", reason)
        # a purchase by the company itself covers its contacts
        company = self.people["company"]
        self.Lead.create(
            {
                "name": "Company deal",
                "partner_id": company.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_fair.id,
            }
        ).action_set_won()
        self.assertTrue(self.people["colleague"]._gdpr_can_process("marketing")[0])

    def test_composer_skips_whom_the_rule_refuses(self):
        partners = self.Partner.concat(*self.people.values())
        refused = {
            self.people[state].id for state, reason in self.expected.items() if reason
        }
        composer = self._composer(partners, gdpr_direct_marketing=True)
        self.assertEqual(composer.gdpr_refused_count, len(refused))
        labels = dict(self._rule()._gdpr_decision_selection())
        self.assertIn(f"{labels['no_basis']}: 3", composer.gdpr_refused_summary)
        self.assertIn(f"{labels['lapsed']}: 1", composer.gdpr_refused_summary)
        mails = composer._action_send_mail()[0]
        self.assertEqual(set(mails.mapped("res_id")), set(partners.ids) - refused)
        # a service message (an office closure) is not direct marketing
        notice = self._composer(partners)
        self.assertFalse(notice.gdpr_refused_count)
        mails = notice._action_send_mail()[0]
        self.assertEqual(set(mails.mapped("res_id")), set(partners.ids))

    def test_composer_refuses_when_nobody_may_be_mailed(self):
        prospects = self.people["prospect"] | self.people["colleague"]
        with self.assertRaisesRegex(UserError, "all its 2 recipients"):
            self._composer(prospects, gdpr_direct_marketing=True)._action_send_mail()

    def test_composer_on_leads(self):
        with_partner = self.Lead.create(
            {"name": "L1", "partner_id": self.people["withdrawn"].id}
        )
        consenting = self.Lead.create({"name": "L2", "email_from": "l2@example.org"})
        consenting._gdpr_record_consent("marketing", "given", "checkbox")
        silent = self.Lead.create({"name": "L3", "email_from": "l3@example.org"})
        leads = with_partner | consenting | silent
        composer = self._composer(leads, gdpr_direct_marketing=True)
        self.assertEqual(composer.gdpr_refused_count, 2)
        mails = composer._action_send_mail()[0]
        self.assertEqual(mails.mapped("res_id"), consenting.ids)

    def test_documents_of_other_apps_follow_their_contact(self):
        # any record with a contact (partner_id) stands for that person: here
        # users, whose contact consented or not
        consented = new_test_user(self.env, login="gdpr_rule_consented")
        consented.partner_id._gdpr_record_consent("marketing", "given", "web_form")
        silent = new_test_user(self.env, login="gdpr_rule_silent")
        users = consented | silent
        self.assertEqual(
            self._rule()._gdpr_record_refusals("res.users", users.ids, "marketing"),
            {silent.id: "no_basis"},
        )
        composer = self._composer(users, gdpr_direct_marketing=True)
        self.assertEqual(composer.gdpr_refused_count, 1)
        # a model whose records stand for nobody is not filtered
        stages = self.env["crm.stage"].search([], limit=2)
        self.assertFalse(
            self._rule()._gdpr_record_refusals("crm.stage", stages.ids, "marketing")
        )

    def test_retention_keeps_whom_the_rule_allows(self):
        # a restriction stops processing, not storage (Art. 18); companies
        # are outside retention
        self.assertEqual(
            self._retention_due_states(),
            {
                state
                for state, reason in self.expected.items()
                if reason not in (False, "restricted") and state != "company"
            },
        )

    def test_access_report_tells_each_purpose(self):
        for state, partner in self.people.items():
            rows = {
                row["code"]: row for row in partner._gdpr_personal_data()["processing"]
            }
            allowed, reason = partner._gdpr_can_process("marketing")
            self.assertEqual(
                (rows["marketing"]["allowed"], rows["marketing"]["reason"]),
                (allowed, reason),
                state,
            )
            exported = {
                row["code"]: row
                for row in partner._gdpr_portability_data()["processing"]
            }
            self.assertEqual(exported["marketing"]["allowed"], allowed, state)
