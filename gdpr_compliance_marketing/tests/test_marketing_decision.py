# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MarketingPeopleCommon


@tagged("post_install", "-at_install")
class TestMarketingDecision(MarketingPeopleCommon):
    """The decision a mailing reads on each mailing contact is the processing
    rule's answer for its person after every kind of event, whoever writes
    it (ORM or SQL), and the data protection officer can have all of them
    decided again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Decision = cls.env["gdpr.marketing.decision"]
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "Offers",
                "body_html": "<p>Offers</p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, cls.newsletter.ids)],
            }
        )

    def _stored(self):
        """``{contact_id: stored reason or False}`` of the contacts with a
        person, once brought up to date as a mailing does."""
        self.Decision._gdpr_refresh()
        # the database keeps the contacts' person: read it again
        self.env["mailing.contact"].invalidate_model()
        contacts = self.env["mailing.contact"].search(
            [("gdpr_partner_id", "!=", False)]
        )
        return {
            contact.id: contact.gdpr_marketing_refusal or False for contact in contacts
        }

    def assertStoredIsTheRule(self, expected=None):
        """Every stored decision is what ``_gdpr_can_process`` says of the
        contact's person, and the list mailing mails exactly whom the rule
        allows; ``expected``, when given, is ``{state: reason}`` for the
        fixtures' contacts."""
        stored = self._stored()
        contacts = self.env["mailing.contact"].browse(list(stored))
        labels = dict(self.env["gdpr.processing.rule"]._gdpr_decision_selection())
        for contact in contacts:
            allowed, why = contact.gdpr_partner_id._gdpr_can_process("marketing")
            reason = stored[contact.id]
            self.assertEqual(allowed, not reason, contact.email)
            if reason:
                self.assertEqual(why, labels[reason], contact.email)
        recipients = set(self.mailing._get_recipients())
        rule_excluded = self.mailing._gdpr_excluded_recipients(
            self.mailing._gdpr_domain_recipients()
        )
        self.assertEqual(
            recipients,
            set(self.mailing._gdpr_domain_recipients()) - set(rule_excluded),
        )
        for state, reason in (expected or {}).items():
            contact = self.contacts[state]
            self.assertEqual(stored.get(contact.id, False), reason, state)
            self.assertEqual(contact.id in recipients, not reason, state)

    def _states(self, **changes):
        """The fixtures' expected person decisions with ``changes``."""
        return dict({state: self.expected[state] for state in self.people}, **changes)

    def test_fixtures_are_decided_by_the_rule(self):
        self.assertStoredIsTheRule(self._states())

    def test_consent_events(self):
        self.people["prospect"]._gdpr_record_consent("marketing", "given", "web_form")
        self.people["consented"]._gdpr_record_consent(
            "marketing", "withdrawn", "unsubscribe"
        )
        self.assertStoredIsTheRule(self._states(prospect=False, consented="withdrawn"))

    def test_restriction_and_its_lift(self):
        self.people["customer"]._gdpr_restrict()
        self.assertStoredIsTheRule(self._states(customer="restricted"))
        self.people["customer"]._gdpr_lift_restriction()
        self.assertStoredIsTheRule(self._states())

    def test_suppression_entry_and_its_removal(self):
        self.env["gdpr.suppression"]._gdpr_suppress(
            self.people["consented"].email, "not_interested"
        )
        self.assertStoredIsTheRule(self._states(consented="suppressed"))
        self.env["gdpr.suppression"].search(
            [("email_normalized", "=", self.people["suppressed"].email)]
        ).sudo().unlink()
        self.assertStoredIsTheRule(
            self._states(consented="suppressed", suppressed=False)
        )

    def test_lapse_by_sql_and_by_time(self):
        # the last interaction written behind the ORM's back
        self._age(self.people["consented"], 30)
        self.assertStoredIsTheRule(self._states(consented="lapsed"))
        # nothing happens, time passes: the customer's period runs out
        later = fields.Datetime.now() + relativedelta(months=30)
        with patch.object(fields.Datetime, "now", return_value=later):
            # past every period: lapsed unless a reason checked before holds
            self.assertStoredIsTheRule(
                self._states(
                    consented="lapsed",
                    customer="lapsed",
                    prospect="lapsed",
                    colleague="lapsed",
                    company="lapsed",
                    suppressed="lapsed",
                )
            )

    def test_customer_documents(self):
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        # the company buys itself: its people are its customers' contacts
        deal = self.Lead.create(
            {
                "name": "Company deal",
                "partner_id": self.people["company"].id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        self.assertStoredIsTheRule(self._states())
        deal.stage_id = won_stage
        self.assertStoredIsTheRule(self._states(colleague=False, company=False))
        deal.unlink()
        self.assertStoredIsTheRule(self._states())
        # the stage no longer counts as won
        won_stage.is_won = False
        self.assertStoredIsTheRule(self._states(customer="no_basis"))

    def test_purpose_settings(self):
        self.purpose_marketing.customer_legitimate_interest = False
        self.assertStoredIsTheRule(self._states(customer="no_basis"))
        # written behind the ORM's back, nothing recomputed on the partners
        self.env.cr.execute(
            "UPDATE gdpr_purpose SET customer_legitimate_interest = TRUE WHERE id = %s",
            [self.purpose_marketing.id],
        )
        self.purpose_marketing.invalidate_recordset()
        self.assertStoredIsTheRule(self._states())

    def test_contacts_changing_person(self):
        own = self.contacts["contact_own_consent"]
        nobody = self.contacts["contact_no_consent"]
        # a partner with the address of a contact without person
        partner = self.Partner.create(
            {
                "name": "Ugo Ignoto",
                "email": nobody.email,
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        self.env.flush_all()
        self.env["mailing.contact"].invalidate_model()
        self.assertEqual(nobody.gdpr_partner_id, partner)
        partner._gdpr_record_consent("marketing", "given", "web_form")
        self.assertStoredIsTheRule({"contact_no_consent": False})
        # a contact that takes a withdrawn person's address
        own.email = self.people["withdrawn"].email
        self.env.flush_all()
        self.env["mailing.contact"].invalidate_model()
        self.assertEqual(own.gdpr_partner_id, self.people["withdrawn"])
        self.assertStoredIsTheRule({"contact_own_consent": "withdrawn"})
        # the person archived: the contact stands for nobody, its own
        # consent decides again
        self.people["withdrawn"].active = False
        self.env.flush_all()
        self.env["mailing.contact"].invalidate_model()
        self.assertFalse(own.gdpr_partner_id)
        self.assertIn(own.id, self.mailing._get_recipients())

    def test_repair_by_the_dpo(self):
        self.assertStoredIsTheRule(self._states())
        prospect = self.contacts["prospect"]
        # a decision written behind the rule's back is mailed...
        self.env.cr.execute(
            "UPDATE mailing_contact SET gdpr_marketing_refusal = NULL WHERE id = %s",
            [prospect.id],
        )
        self.env["mailing.contact"].invalidate_model()
        self.assertIn(prospect.id, self.mailing._get_recipients())
        with self.assertRaises(AccessError):
            self.Decision.with_user(self.user_sales)._gdpr_recompute_by_officer()
        # ...until the DPO has every decision made again (Privacy >
        # Configuration > Recompute Marketing Decisions)
        action = self.env.ref(
            "gdpr_compliance_marketing.gdpr_marketing_decision_wizard_action"
        )
        Wizard = self.env[action.res_model].with_user(self.user_dpo)
        wizard = Wizard.create({})
        wizard.action_recompute()
        self.assertEqual(wizard.changed_count, 1)
        self.assertStoredIsTheRule(self._states())
        wizard = Wizard.create({})
        wizard.action_recompute()
        self.assertEqual(wizard.changed_count, 0)
