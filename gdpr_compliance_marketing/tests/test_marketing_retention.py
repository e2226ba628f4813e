# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.gdpr_compliance.tests.common import GdprCommon, tables_containing

NAME = "Ottavia Lanzillotta"
EMAIL = "ottavia.lanzillotta@example.net"
IP = "198.51.100.23"
BROWSER = "OttaviaMail/1.0"


@tagged("post_install", "-at_install")
class TestMarketingErasureRetention(GdprCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.now = fields.Datetime.now()
        cls.Contact = cls.env["mailing.contact"]
        cls.Suppression = cls.env["gdpr.suppression"]
        cls.Run = cls.env["gdpr.retention.run"]
        cls.mailing_list = cls.env["mailing.list"].create({"name": "GDPR news"})
        cls.user_dpo = new_test_user(
            cls.env,
            login="gdpr_test_marketing_dpo",
            groups="gdpr_compliance.group_gdpr_officer,mass_mailing.group_mass_mailing_user",
        )

    def _contact(self, name, email, months_ago=0):
        contact = self.Contact.with_context(gdpr_subscription_confirmed=True).create(
            {"name": name, "email": email, "list_ids": [(4, self.mailing_list.id)]}
        )
        if months_ago:
            when = self.now - relativedelta(months=months_ago)
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE mailing_contact SET create_date = %s, "
                "gdpr_last_interaction = %s WHERE id = %s",
                (when, when, contact.id),
            )
            contact.invalidate_recordset()
        return contact

    def _trace_for(self, contact):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": f"Offers for {NAME}",
                "body_html": "<p>Offers</p>",
                "contact_list_ids": [(4, self.mailing_list.id)],
            }
        )
        return self.env["mailing.trace"].create(
            {
                "mass_mailing_id": mailing.id,
                "model": "mailing.contact",
                "res_id": contact.id,
                "email": contact.email,
                "trace_status": "sent",
            }
        )

    def _found(self, needle):
        return {table for table, _column in tables_containing(self.env, needle)}

    def test_erasure_takes_the_marketing_data_along(self):
        # subscribed before being a contact: the consent is the mailing
        # contact's, encrypted with its own key
        contact = self._contact(NAME, EMAIL)
        event = contact._gdpr_record_consent(
            "marketing",
            "refused",
            "web_form",
            evidence=f"Form of {NAME} <{EMAIL}>",
            ip=IP,
            user_agent=BROWSER,
        )
        self.assertEqual(
            event.subject_key,
            self.env["gdpr.keyed.hash"]._gdpr_pseudonym_of(contact._name, contact.id),
        )
        self.assertEqual((event.ip_address, event.user_agent), (IP, BROWSER))
        partner = self.Partner.create(
            {
                "name": NAME,
                "email": EMAIL,
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        trace = self._trace_for(contact)
        self.env["mail.blacklist"]._add(EMAIL)
        objection = self.env["gdpr.objection"].search(
            [("email_normalized", "=", EMAIL)]
        )
        self.assertTrue(objection, "blocklisting is an objection")
        self.assertIn("mailing_contact", self._found(EMAIL))
        partner.with_user(self.user_dpo)._gdpr_erase()
        self.assertFalse(contact.exists())
        self.assertTrue(trace.exists(), "the mailing's figures stay")
        self.assertFalse(trace.email)
        self.assertEqual(objection.email_normalized, self.Suppression._gdpr_hash(EMAIL))
        entry = self.Suppression.search(
            [("email_hash", "=", self.Suppression._gdpr_hash(EMAIL))]
        )
        self.assertEqual((entry.reason, entry.email_normalized), ("erased", False))
        # the ledger keeps the event, unreadable: nothing of the person is left
        for needle in (EMAIL, NAME, IP, BROWSER):
            self.assertEqual(self._found(needle), set(), needle)
        event.invalidate_recordset()
        self.assertTrue(event.erasure_note.startswith("Erased on"))
        self.assertTrue(self.env["gdpr.consent.event"]._gdpr_verify_chain()["ok"])
        with self.assertRaises(ValidationError):
            self.Contact.create({"name": "Again", "email": EMAIL.upper()})

    def test_retention_removes_stale_mailing_contacts(self):
        stale = self._contact("Stale Reader", "stale.reader@example.net", 30)
        fresh = self._contact("Fresh Reader", "fresh.reader@example.net", 3)
        trace = self._trace_for(stale)
        event = stale._gdpr_record_consent("marketing", "refused", "web_form", ip=IP)
        # a customer with the same address who bought last month keeps it
        customer = self.Partner.create(
            {
                "name": "Kept Reader",
                "email": "kept.reader@example.net",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        customer._gdpr_touch_interaction()
        kept = self._contact("Kept Reader", "kept.reader@example.net", 30)
        subjects = {("mailing.contact", c.id) for c in stale | fresh | kept}
        preview = self.Run._gdpr_start(dry_run=True)
        preview._gdpr_execute(subjects=subjects)
        self.assertEqual(preview.line_ids.mailing_contact_id, stale)
        self.assertEqual(preview.line_ids.res_model, "mailing.contact")
        self.assertTrue(stale.exists(), "a dry run changes nothing")
        run = self.Run._gdpr_start()
        run._gdpr_execute(subjects=subjects)
        self.assertEqual(run.line_ids.result, "done")
        self.assertEqual(
            run.line_ids.partner_key,
            self.env["gdpr.keyed.hash"]._gdpr_pseudonym_of("mailing.contact", stale.id),
        )
        self.assertFalse(stale.exists())
        # its consent's IP address went with it
        event.invalidate_recordset()
        self.assertFalse(event.ip_address)
        self.assertTrue(event.erasure_note.startswith("Erased on"))
        self.assertEqual(self._found(IP), set())
        self.assertTrue(fresh.exists() and kept.exists())
        self.assertFalse(trace.email)
        self.assertFalse(
            self.Suppression._gdpr_suppressed(["stale.reader@example.net"]),
            "a lapsed subscription is not an objection: the address may "
            "subscribe again with a new consent",
        )
        self.Contact.create({"name": "Back", "email": "stale.reader@example.net"})

    def test_retention_keeps_objections_as_hashes(self):
        objector = self._contact("Old Objector", "old.objector@example.net", 30)
        self.env["mail.blacklist"]._add("old.objector@example.net")
        self.Run._gdpr_start()._gdpr_execute(
            subjects={("mailing.contact", objector.id)}
        )
        self.assertFalse(objector.exists())
        entry = self.Suppression.search(
            [
                (
                    "email_hash",
                    "=",
                    self.Suppression._gdpr_hash("old.objector@example.net"),
                )
            ]
        )
        self.assertEqual(entry.reason, "erased")
        self.assertEqual(self._found("old.objector@example.net"), set())

    def test_lapsed_partner_is_excluded_from_mailings(self):
        partner = self.Partner.create(
            {
                "name": "Lapsed Partner",
                "email": "lapsed.partner@example.net",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        partner._gdpr_record_consent("marketing", "given", "web_form")
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Offers",
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", partner.id)]),
            }
        )
        self.assertEqual(mailing._gdpr_excluded_recipients(partner.ids), {})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_last_interaction = %s WHERE id = %s",
            (self.now - relativedelta(months=25), partner.id),
        )
        partner.invalidate_recordset()
        self.assertEqual(
            mailing._gdpr_excluded_recipients(partner.ids), {partner.id: "lapsed"}
        )
        mailing.action_gdpr_count_exclusions()
        self.assertIn("Retention period over: 1", mailing.gdpr_exclusion_summary)
