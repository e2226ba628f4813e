# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.tests import TransactionCase, tagged

from ..hooks import post_init_hook


@tagged("post_install", "-at_install")
class TestMailingInteraction(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        cls.contact = cls.env.ref(
            "gdpr_compliance_marketing.mailing_contact_teresa_demo"
        )
        cls.lead = cls.env.ref("gdpr_compliance.crm_lead_marco_bianchi_demo")
        cls.mailing = cls.env["mailing.mailing"].create(
            {"subject": "Offers", "body_html": "<p>Hi</p>"}
        )

    def _trace(self, record):
        return self.env["mailing.trace"].create(
            {
                "mass_mailing_id": self.mailing.id,
                "model": record._name,
                "res_id": record.id,
                "email": "someone@example.com",
                "trace_status": "sent",
            }
        )

    def _reset(self, *records):
        for record in records:
            self.env.cr.execute(
                f"UPDATE {record._table} SET gdpr_last_interaction = NULL "  # noqa: S608
                "WHERE id = %s",
                [record.id],
            )
            record.invalidate_recordset(["gdpr_last_interaction"])

    def test_open_click_reply_of_partner(self):
        for action in ("set_opened", "set_clicked", "set_replied"):
            self._reset(self.partner)
            getattr(self._trace(self.partner), action)()
            self.assertTrue(self.partner.gdpr_last_interaction, action)

    def test_open_of_mailing_contact(self):
        self._reset(self.contact)
        self._trace(self.contact).set_opened()
        self.assertTrue(self.contact.gdpr_last_interaction)

    def test_click_on_lead_mailing_touches_lead_partner(self):
        self._reset(self.lead.partner_id)
        self._trace(self.lead).set_clicked()
        self.assertTrue(self.lead.partner_id.gdpr_last_interaction)

    def test_backfill_from_mailing_history(self):
        opened = datetime(2025, 6, 1, 9, 30)
        # a person whose only interaction is this open: its date is known
        partner = self.env["res.partner"].create(
            {
                "name": "Quiet Reader",
                "email": "quiet.reader@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.env.ref(
                    "gdpr_compliance.gdpr_source_newsletter"
                ).id,
            }
        )
        for record in (partner, self.contact):
            trace = self._trace(record)
            trace.write({"trace_status": "open", "open_datetime": opened})
        self._reset(partner, self.contact)
        post_init_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(self.contact.gdpr_last_interaction, opened)
        self.assertEqual(partner.gdpr_last_interaction, opened)
