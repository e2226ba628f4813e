# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from unittest.mock import patch

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.gdpr_compliance.models import gdpr_erasure_sweep

from .common import GdprCommon, tables_containing

NAME = "Ginevra Bartolomei-Zanetti"
EMAIL = "ginevra.bz@example.org"
PHONE = "+39 347 555 0199"
MOBILE = "+39 333 808 4411"
# a 1x1 PNG: the contact's picture
PICTURE = (
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
    b"hKmMIQAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestErasure(GdprCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.Partner.create(
            {"name": "Studio Bianchi Srl", "is_company": True}
        )

    def _make_person(self, name=NAME, email=EMAIL, phone=PHONE):
        partner = self.Partner.create(
            {
                "name": name,
                "email": email,
                "phone": phone,
                "mobile": MOBILE,
                "street": "Via Roma 12",
                "city": "Bologna",
                "vat": "IT01234567897",
                "comment": f"Met {name} at the fair",
                "image_1920": PICTURE,
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        child = self.Partner.create(
            {
                "name": f"{name} (home)",
                "parent_id": partner.id,
                "type": "other",
                "email": f"home.{email}",
            }
        )
        lead = self.Lead.create(
            {
                "name": f"Kitchen for {name}",
                "partner_id": partner.id,
                "contact_name": name,
                "email_from": email,
                "phone": phone,
                "description": f"Call {name} on {phone} or write to {email}",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        # tracked change: the old address ends up in a tracking value
        lead.write({"email_from": f"old.{email}"})
        lead.write({"email_from": email})
        partner.message_post(
            body=f"Spoke with {name}, phone {phone}", message_type="comment"
        )
        lead.message_post(body=f"Quote sent to {email}", message_type="comment")
        self.company.message_post(
            body=f"{name} asked us to call {MOBILE}",
            author_id=partner.id,
            message_type="comment",
        )
        lead.activity_schedule(
            "mail.mail_activity_data_call",
            note=f"Call {name}",
            user_id=self.env.user.id,
        )
        self.env["ir.attachment"].create(
            {
                "name": f"{name} - ID card.txt",
                "res_model": "res.partner",
                "res_id": partner.id,
                "datas": base64.b64encode(f"{name} {EMAIL}".encode()),
            }
        )
        self.env["mail.mail"].create(
            {
                "subject": f"Hello {name}",
                "body_html": f"<p>Dear {name}</p>",
                "email_to": email,
                "recipient_ids": [(4, partner.id)],
            }
        )
        return partner, child, lead

    def _homonym(self, email):
        """Somebody else with the same name."""
        return self.Partner.create(
            {
                "name": NAME,
                "email": email,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )

    def _tables_containing(self, *needles):
        return tables_containing(self.env, *needles)

    def test_erase_leaves_no_trace(self):
        partner, child, lead = self._make_person()
        ip, browser = "203.0.113.77", "GinevraBrowser/4.2"
        partner._gdpr_record_consent(
            "marketing",
            "given",
            "web_form",
            evidence=f"Form sent by {NAME} from {EMAIL}",
            ip=ip,
            user_agent=browser,
        )
        self.assertTrue(self._tables_containing(NAME, EMAIL, PHONE, MOBILE))
        partner.with_user(self.user_dpo)._gdpr_erase()
        # the consent ledger keeps its events (append-only proof kept under
        # Art. 17(3)(e)), but what they said about the person was encrypted
        # with the person's key, destroyed: nothing of them is left anywhere
        self.assertFalse(
            self._tables_containing(NAME, EMAIL, PHONE, MOBILE, ip, browser)
        )
        self.assertFalse(lead.exists(), "a lead nobody else needs is deleted")
        self.assertFalse(child.exists())
        # the ledger points to the contact: it stays, anonymised and archived
        self.assertTrue(partner.exists())
        partner.invalidate_recordset()
        self.assertFalse(partner.active)
        self.assertTrue(partner.gdpr_restricted)
        self.assertTrue(partner.gdpr_anonymised_date)
        self.assertFalse(partner.email or partner.phone or partner.vat)
        self.assertTrue(partner.name.startswith("Anonymised contact"))
        self.assertEqual(partner.gdpr_retention_state, "anonymised")
        self.assertTrue(self.env["gdpr.consent.event"]._gdpr_verify_chain()["ok"])

    def test_big_tables_are_swept_by_words_first(self):
        """Large tables are searched by matching words before the exact text;
        forced here on every table, the result must be the same."""
        partner, _child, _lead = self._make_person()
        homonym = self._homonym("other.ginevra@example.com")
        note = (
            self.env["ir.config_parameter"]
            .sudo()
            .create({"key": "gdpr_test.words", "value": f"{NAME.upper()} <{EMAIL}>"})
        )
        with patch.object(gdpr_erasure_sweep, "DIRECT_SWEEP_LIMIT", 0):
            partner.with_user(self.user_dpo)._gdpr_erase()
        self.assertFalse(
            self._tables_containing(NAME, EMAIL, PHONE, MOBILE)
            - {
                ("res_partner", "name"),
                ("res_partner", "complete_name"),
            }
        )
        homonym.invalidate_recordset()
        self.assertEqual(homonym.name, NAME, "a homonym keeps their name")
        note.invalidate_recordset()
        self.assertEqual(note.value, "[erased] <[erased]>")

    def test_identifier_columns_read_as_the_orm_does(self):
        """The identifiers of a batch are read from the columns in one query:
        the same values as the ORM's, unsaved changes included, and a field
        that is no plain column through the ORM."""
        partner, _child, lead = self._make_person()
        partner.email = "Ginevra <G.BZ@example.org>"
        records = partner | self.company
        names = ("name", "email", "phone", "display_name", "no_such_field")
        values = self.env["gdpr.erasure"]._gdpr_column_values(records, names)
        self.assertEqual(set(values), set(names) - {"no_such_field"})
        for name in set(names) - {"no_such_field"}:
            self.assertCountEqual(values[name], records.mapped(name), name)
        self.assertEqual(
            self.env["gdpr.erasure"]._gdpr_column_values(lead, ["email_from"]),
            {"email_from": [lead.email_from]},
        )

    def test_long_texts_are_compared_whole(self):
        """A text too long to be split into words is compared as a whole:
        the identifiers past its beginning go too, a homonym keeps theirs."""
        partner, _child, _lead = self._make_person()
        homonym = self._homonym("long.ginevra@example.com")
        filler = "lorem ipsum " * 20
        note = (
            self.env["ir.config_parameter"]
            .sudo()
            .create({"key": "gdpr_test.long", "value": f"{filler} {NAME}, {PHONE}"})
        )
        with (
            patch.object(gdpr_erasure_sweep, "DIRECT_SWEEP_LIMIT", 0),
            patch.object(gdpr_erasure_sweep, "LONG_TEXT", 100),
        ):
            partner.with_user(self.user_dpo)._gdpr_erase()
        note.invalidate_recordset()
        self.assertEqual(note.value, f"{filler} [erased], [erased]")
        homonym.invalidate_recordset()
        self.assertEqual(homonym.name, NAME)

    def test_sweep_does_not_wait_for_another_sweep(self):
        """Another transaction's sweep holds the statistics lock of the
        identifier table until it ends: this one goes on without waiting."""
        partner, _child, _lead = self._make_person()
        table = self.env["gdpr.erasure.sweep.identifier"]._table
        # a connection of its own: the registry's cursors share the test's
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(f'LOCK TABLE "{table}" IN SHARE UPDATE EXCLUSIVE MODE')
            # waiting for the lock would never end (it is released below):
            # cancel any statement that waits instead
            self.env.cr.execute("SELECT set_config('statement_timeout', '5s', TRUE)")
            with (
                patch.object(gdpr_erasure_sweep, "DIRECT_SWEEP_LIMIT", 0),
                patch.object(gdpr_erasure_sweep._logger, "info") as info,
            ):
                partner.with_user(self.user_dpo)._gdpr_erase()
            other.rollback()
        self.env.cr.execute("SELECT set_config('statement_timeout', '0', TRUE)")
        self.assertIn(
            "not analysed", " ".join(str(call.args[0]) for call in info.call_args_list)
        )
        self.assertFalse(
            self._tables_containing(EMAIL, PHONE, MOBILE),
            "the sweep is complete without the statistics",
        )

    def test_erase_without_ledger_deletes_the_contact(self):
        partner, child, lead = self._make_person()
        deleted = partner.with_user(self.user_dpo)._gdpr_erase()
        self.assertIn(partner.id, deleted)
        self.assertFalse(partner.exists() or child.exists() or lead.exists())
        self.assertFalse(self._tables_containing(NAME, EMAIL, PHONE, MOBILE))
        self.assertTrue(self.company.exists(), "their employer stays")

    def test_anonymise_keeps_records_others_need(self):
        partner, _child, lead = self._make_person()
        self.assertTrue(partner.image_1920)
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lead.stage_id = won
        partner.with_user(self.user_dpo)._gdpr_anonymize()
        self.assertTrue(lead.exists())
        lead.invalidate_recordset()
        self.assertFalse(lead.email_from or lead.contact_name or lead.phone)
        self.assertEqual(lead.stage_id, won)
        partner.invalidate_recordset()
        self.assertFalse(partner.image_1920, "the picture goes too")
        self.assertNotIn(NAME, lead.name)
        self.assertFalse(self._tables_containing(NAME, EMAIL, PHONE, MOBILE))

    def test_anonymised_contact_is_consistent(self):
        """The batch write bypasses res.partner.write: what the ORM would
        have recomputed from the cleared fields must agree."""
        partner, child, _lead = self._make_person()
        seller = new_test_user(self.env, login="gdpr_consistency_seller")
        partner.write({"user_id": seller.id, "is_company": True})
        child.write({"company_name": "Bianchi Casa", "phone": "+39 051 7654321"})
        self.env.flush_all()
        self.assertEqual(child.gdpr_commercial_user_id, seller)
        before = child.write_date
        partner.with_user(self.user_dpo)._gdpr_anonymize()
        self.env.invalidate_all()
        for person in partner | child:
            self.assertFalse(person.active)
            self.assertFalse(person.email_normalized or person.phone_sanitized)
            self.assertFalse(person.parent_id or person.company_name)
            self.assertEqual(person.commercial_partner_id, person)
            self.assertEqual(person.gdpr_commercial_user_id, person.user_id)
            self.assertEqual(person.complete_name, person.name)
            self.assertTrue(person.name.startswith("Anonymised contact"))
            self.assertFalse(person.category_id)
        self.assertEqual(partner.commercial_company_name, partner.name)
        self.assertFalse(child.commercial_company_name)
        self.assertEqual(partner.user_id, seller, "a company keeps its salesperson")
        self.assertGreaterEqual(child.write_date, before)
        self.assertNotIn(child, partner.with_context(active_test=False).child_ids)

    def test_won_lead_survives_erasure_anonymised(self):
        partner, _child, lead = self._make_person()
        lead.stage_id = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        partner.with_user(self.user_dpo)._gdpr_erase()
        self.assertTrue(lead.exists(), "the sales history keeps a won deal")
        self.assertFalse(self._tables_containing(NAME, EMAIL, PHONE, MOBILE))

    def test_homonym_keeps_their_name(self):
        partner, _child, _lead = self._make_person()
        homonym = self._homonym("another.ginevra@example.com")
        partner.with_user(self.user_dpo)._gdpr_erase()
        homonym.invalidate_recordset()
        self.assertEqual(homonym.name, NAME)
        self.assertEqual(homonym.email, "another.ginevra@example.com")

    def test_legal_hold_keeps_what_it_covers(self):
        partner, _child, _lead = self._make_person()
        partner.with_user(self.user_dpo)._gdpr_minimise_under_hold()
        partner.invalidate_recordset()
        self.assertEqual(partner.name, NAME)
        self.assertEqual((partner.street, partner.city), ("Via Roma 12", "Bologna"))
        self.assertEqual(partner.vat, "IT01234567897")
        self.assertFalse(partner.email or partner.phone or partner.mobile)
        self.assertFalse(partner.comment, "profiling data go")
        self.assertTrue(partner.gdpr_restricted)
        self.assertTrue(partner.active)
        self.assertEqual(partner.gdpr_retention_state, "minimised")
        self.assertFalse(self._tables_containing(EMAIL, PHONE, MOBILE))
        allowed, _reason = partner._gdpr_can_process("sales_followup")
        self.assertFalse(allowed)

    def test_only_the_dpo_erases(self):
        partner, _child, lead = self._make_person()
        with self.assertRaises(UserError):
            partner.with_user(self.user_sales)._gdpr_erase()
        with self.assertRaises(UserError):
            partner.with_user(self.user_sales)._gdpr_anonymize()
        self.assertEqual(partner.name, NAME)
        self.assertTrue(lead.exists())

    def test_contact_of_a_user_is_refused_and_untouched(self):
        user = new_test_user(
            self.env, login="gdpr_portal_person", groups="base.group_portal"
        )
        with self.assertRaises(UserError):
            user.partner_id.with_user(self.user_dpo)._gdpr_erase()
        self.assertTrue(user.partner_id.active)

    def test_sweep_reaches_any_table(self):
        """Text in a model the erasure knows nothing about is found too (the
        privacy lookup kind of search)."""
        partner, _child, _lead = self._make_person()
        note = (
            self.env["ir.config_parameter"]
            .sudo()
            .create({"key": "gdpr_test.note", "value": f"ask {EMAIL} for the keys"})
        )
        partner.with_user(self.user_dpo)._gdpr_erase()
        note.invalidate_recordset()
        self.assertEqual(note.value, "ask [erased] for the keys")
