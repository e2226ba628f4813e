# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import MarketingPeopleCommon


@tagged("post_install", "-at_install")
class TestProcessingRuleMatrix(MarketingPeopleCommon):
    """The person in each state gets the same answer from
    ``_gdpr_can_process``, a real mailing to partners, a real mailing to a
    list, the mail composer and the retention engine."""

    def _mailing(self, model, **values):
        return self.env["mailing.mailing"].create(
            {
                "subject": "Offers",
                "body_html": "<p>Offers</p>",
                "mailing_model_id": self.env["ir.model"]._get_id(model),
                **values,
            }
        )

    def test_every_path_gives_the_rule_answer(self):
        partners = self.Partner.concat(*self.people.values())
        allowed = {
            partner.id
            for partner in partners
            if partner._gdpr_can_process("marketing")[0]
        }
        self.assertEqual(
            allowed,
            {
                self.people[state].id
                for state, reason in self.expected.items()
                if not reason
            },
        )
        for state, partner in self.people.items():
            self.assertEqual(
                partner._gdpr_can_process("marketing")[0],
                not self.expected[state],
                state,
            )
        # a mailing to the partners, sent
        mailing = self._mailing(
            "res.partner", mailing_domain=repr([("id", "in", partners.ids)])
        )
        mailing.action_gdpr_count_exclusions()
        self.assertEqual(mailing.gdpr_excluded_count, len(partners) - len(allowed))
        mailing.action_send_mail()
        self.assertEqual(set(mailing.mailing_trace_ids.mapped("res_id")), allowed)
        # the composer, ticked as direct marketing
        composer = self._composer(partners, gdpr_direct_marketing=True)
        self.assertEqual(composer.gdpr_refused_count, len(partners) - len(allowed))
        self.assertEqual(set(composer._action_send_mail()[0].mapped("res_id")), allowed)
        # retention: due exactly when marketing no longer covers the person,
        # except a restriction, which stops processing but not storage (Art.
        # 18); companies are outside retention
        self.assertEqual(
            self._retention_due_states(),
            {
                state
                for state, reason in self.expected.items()
                if reason not in (False, "restricted") and state != "company"
            },
        )

    def test_list_mailing_gives_the_rule_answer(self):
        contacts = self.env["mailing.contact"].concat(*self.contacts.values())
        mailing = self._mailing(
            "mailing.list", contact_list_ids=[(6, 0, self.newsletter.ids)]
        )
        excluded = mailing._gdpr_excluded_recipients(contacts.ids)
        for state, contact in self.contacts.items():
            self.assertEqual(
                excluded.get(contact.id, False), self.contact_expected[state], state
            )
        expected_ids = {
            contact.id
            for state, contact in self.contacts.items()
            if not self.contact_expected[state]
        }
        self.assertEqual(set(mailing._get_recipients()), expected_ids)
        mailing.action_send_mail()
        self.assertEqual(set(mailing.mailing_trace_ids.mapped("res_id")), expected_ids)

    def test_suppression_is_part_of_the_rule(self):
        person = self.people["suppressed"]
        allowed, reason = person._gdpr_can_process("marketing")
        self.assertFalse(allowed)
        self.assertEqual(reason, "On the suppression list")
        # an erased person's entry keeps only the keyed hash: still refused
        self.env["gdpr.suppression"]._gdpr_suppress(person.email, "erased")
        self.assertFalse(
            self.env["gdpr.suppression"]
            .search([("email_hash", "!=", False)])
            .filtered(lambda e: e.email_normalized == person.email)
        )
        self.assertEqual(
            self.env["gdpr.processing.rule"]._gdpr_decisions(person.ids, "marketing"),
            {person.id: "suppressed"},
        )
