# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ConsentCommon


@tagged("post_install", "-at_install")
class TestCanProcess(ConsentCommon):
    def test_prospect_needs_explicit_consent_for_marketing(self):
        allowed, reason = self.prospect._gdpr_can_process("marketing")
        self.assertFalse(allowed)
        self.assertIn("prospect", reason)
        self._record(self.prospect)
        self.assertEqual(
            self.prospect._gdpr_can_process("marketing"), (True, "consent given")
        )

    def test_existing_customer_on_legitimate_interest_until_objection(self):
        customer = self.Partner.create(
            {
                "name": "Loyal Customer",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        self.assertFalse(customer._gdpr_can_process("marketing")[0])
        lead = self.Lead.create({"name": "Big order", "partner_id": customer.id})
        lead.action_set_won()
        allowed, reason = customer._gdpr_can_process("marketing")
        self.assertTrue(allowed)
        self.assertIn("legitimate interest", reason)
        # profiling has no soft-spam exception
        self.assertFalse(customer._gdpr_can_process("profiling")[0])
        self._record(customer, "withdrawn", "unsubscribe")
        allowed, reason = customer._gdpr_can_process("marketing")
        self.assertFalse(allowed)
        self.assertIn("withdrawn", reason)

    def test_withdrawn_and_refused_and_expired(self):
        for action in ("withdrawn", "refused", "expired"):
            self._record(self.prospect, "given")
            self._record(self.prospect, action)
            allowed, reason = self.prospect._gdpr_can_process("marketing")
            self.assertFalse(allowed, action)
            self.assertIn(action, reason)

    def test_restricted_partner_is_never_processed(self):
        self._record(self.prospect)
        self.prospect.gdpr_restricted = True
        for code in ("marketing", "profiling", "contract", "accounting"):
            allowed, reason = self.prospect._gdpr_can_process(code)
            self.assertFalse(allowed, code)
            self.assertIn("Art. 18", reason)

    def test_non_consent_purpose_rests_on_its_basis(self):
        allowed, reason = self.prospect._gdpr_can_process("accounting")
        self.assertTrue(allowed)
        self.assertIn("Legal obligation", reason)

    def test_expiry_by_scheduled_action(self):
        self.purpose_marketing.consent_validity_months = 12
        self._record(self.prospect)
        consent = self.prospect.gdpr_consent_ids
        self.assertEqual(
            consent.expiry_date,
            fields.Date.today() + relativedelta(months=12),
        )
        cron = self.env.ref("gdpr_compliance.ir_cron_gdpr_expire_consents")
        cron.method_direct_trigger()
        self.assertEqual(consent.state, "given")
        with freeze_time(fields.Date.today() + relativedelta(months=12, days=1)):
            cron.method_direct_trigger()
        self.assertEqual(consent.state, "expired")
        last = self.prospect.gdpr_consent_event_ids.sorted("sequence")[-1]
        self.assertEqual((last.action, last.channel), ("expired", "system"))
        self.assertFalse(self.prospect._gdpr_can_process("marketing")[0])


@tagged("post_install", "-at_install")
class TestConsentWizardAndLead(ConsentCommon):
    def test_wizard_from_partner(self):
        action = self.prospect.with_user(self.user_sales).action_gdpr_record_consent()
        wizard_model = (
            self.env[action["res_model"]]
            .with_user(self.user_sales)
            .with_context(**action["context"])
        )
        with Form(wizard_model) as form:
            form.purpose_id = self.purpose_marketing
            self.assertEqual(form.notice_id, self.notice)
            form.channel = "phone"
            form.evidence = "Said yes on the phone on 24/11 at 10:05"
        form.record.action_record()
        event = self.prospect.gdpr_consent_event_ids
        self.assertEqual((event.action, event.channel), ("given", "phone"))
        self.assertEqual(event.notice_id, self.notice)
        self.assertEqual(event.recorded_by_id, self.user_sales)

    def test_wizard_requires_evidence_when_purpose_does(self):
        self.purpose_marketing.consent_evidence_required = True
        wizard_model = self.env["gdpr.consent.record.wizard"].with_context(
            default_partner_id=self.prospect.id
        )
        with Form(wizard_model) as form:
            form.purpose_id = self.purpose_marketing
            form.channel = "verbal"
            with self.assertRaises(AssertionError):
                form.save()
            form.evidence = "Recorded call #1234"
        form.record.action_record()
        self.assertEqual(self.prospect.gdpr_consent_ids.state, "given")

    def test_lead_consent_follows_to_partner(self):
        lead = self.Lead.create(
            {
                "name": "Sofa",
                "contact_name": "Rita Pavone",
                "email_from": "rita@example.com",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        wizard_model = self.env["gdpr.consent.record.wizard"].with_context(
            **lead.action_gdpr_record_consent()["context"]
        )
        with Form(wizard_model) as form:
            form.purpose_id = self.purpose_marketing
            form.channel = "checkbox"
            form.evidence = "Fair form"
        form.record.action_record()
        lead_event = lead.gdpr_consent_event_ids
        self.assertEqual(len(lead_event), 1)
        self.assertFalse(lead_event.partner_id)
        lead._handle_partner_assignment(create_missing=True)
        partner = lead.partner_id
        self.assertEqual(partner.gdpr_consent_ids.state, "given")
        carried = partner.gdpr_consent_event_ids
        self.assertEqual(carried.carried_from_id, lead_event)
        self.assertEqual(carried.evidence, "Fair form")
        # linking again carries nothing twice
        lead.write({"partner_id": partner.id})
        self.assertEqual(len(partner.gdpr_consent_event_ids), 1)
        # consents recorded on a lead with a contact go to the contact
        lead._gdpr_record_consent("marketing", "withdrawn", "email")
        self.assertEqual(partner.gdpr_consent_ids.state, "withdrawn")

    def test_consent_proof_report(self):
        self._record(self.prospect, evidence="Website form #77", ip="198.51.100.7")
        self._record(self.prospect, "withdrawn", "unsubscribe")
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "gdpr_compliance.report_gdpr_consent_proof", self.prospect.ids
        )
        html = html.decode()
        self.assertIn("Prospect Person", html)
        self.assertIn("Website form #77", html)
        self.assertIn("198.51.100.7", html)
        self.assertIn(self.notice.name, html)
        for event in self.prospect.gdpr_consent_event_ids:
            self.assertIn(event.hash, html)
        text = self._render_pdf_text(
            "gdpr_compliance.report_gdpr_consent_proof", self.prospect.ids
        )
        self.assertIn("Consent proof", text)
        self.assertIn("Website form #77", text)

    def test_notice_versions(self):
        Notice = self.env["gdpr.privacy.notice"]
        newer = Notice.create(
            {
                "name": "Test notice v10",
                "valid_from": fields.Date.today(),
                "purpose_ids": [(6, 0, self.purpose_marketing.ids)],
            }
        )
        self.assertEqual(Notice._gdpr_current_for(self.purpose_marketing), newer)
        self.assertTrue(newer.is_current)
        self.assertIn(newer, Notice.search([("is_current", "=", True)]))
        event = self._record(self.prospect)
        self.assertEqual(event.notice_id, newer)
        with self.assertRaisesRegex(UserError, "new version"):
            newer.write({"body": "<p>Changed after the fact</p>"})
        with self.assertRaises(UserError):
            newer.unlink()
        with self.assertRaisesRegex(ValidationError, "same day"):
            Notice.create(
                {
                    "name": "Clash",
                    "valid_from": fields.Date.today(),
                    "purpose_ids": [(6, 0, self.purpose_marketing.ids)],
                }
            )
