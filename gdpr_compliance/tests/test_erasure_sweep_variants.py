# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from unittest.mock import patch

from markupsafe import Markup

from odoo.tests import tagged

from odoo.addons.gdpr_compliance.models import gdpr_erasure_pattern, gdpr_erasure_sweep

from .common import GdprCommon, tables_containing

NAME = "Niccolò D'Amico"
EMAIL = "niccolo.damico@example.org"
PHONE = "+39 333 123 4567"

# every form in which the person may have been typed, as the scan looks for
# them (case-insensitive)
PHONE_FORMS = (
    "3331234567",
    "333-123-4567",
    "0039 333 123 4567",
    "+39 (333) 1234567",
    "333 123 4567",
    "333.123.4567",
)
NAME_FORMS = (
    NAME,
    "NICCOLO D&#39;AMICO",
    "Niccol&ograve; d&#x27;amico",
    "niccolò d'amico",
    "NICCOLO D'AMICO",
)
EMAIL_FORMS = (EMAIL,)


@tagged("post_install", "-at_install")
class TestErasureSweepVariants(GdprCommon):
    """The erasure sweep finds what people actually typed: phone numbers in
    any format, addresses in any case, names without accents, in capitals
    or HTML-escaped; a short or one-word name only in the person's own
    records and messages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.it")
        cls.company = cls.Partner.create(
            {"name": "Mobilifici Riuniti Srl", "is_company": True}
        )
        # the same surname, and a customer whose lead mentions the person
        cls.relative = cls._person("Giulia D'Amico", "giulia.damico@example.org")
        cls.relative.comment = "<p>Sister of the D'Amico family, call 02 7654 3210</p>"
        cls.customer = cls._person("Ottavio Pellegrini", "ottavio@example.org")

    @classmethod
    def _person(cls, name, email, phone=False):
        return cls.Partner.create(
            {
                "name": name,
                "email": email,
                "phone": phone,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": cls.source_fair.id,
            }
        )

    def _spread_the_person(self):
        """The person, and their data typed by colleagues elsewhere, each time
        in another form."""
        person = self._person(NAME, EMAIL.upper(), PHONE)
        # a note in another contact's chatter: the name HTML-escaped, in
        # capitals, the phone without spaces
        self.company.message_post(
            body=Markup("<p>NICCOLO D&#39;AMICO chiede un preventivo: 3331234567</p>"),
            message_type="comment",
        )
        self.company.message_post(
            body=Markup("<p>Richiamato Niccol&ograve; d&#x27;amico</p>"),
            message_type="comment",
        )
        # a lead of another customer: dashes, the address in capitals in HTML
        lead = self.Lead.create(
            {
                "name": "Arredo ufficio",
                "partner_id": self.customer.id,
                "description": (
                    "<p>Referente: niccolò d'amico, 333-123-4567, "
                    f'<a href="mailto:{EMAIL.upper()}">{EMAIL.upper()}</a></p>'
                ),
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        # a translated field (jsonb): the international prefix as 0039
        tag = self.env["crm.tag"].create({"name": "Segnalato da 0039 333 123 4567"})
        # a document's indexed text (Odoo keeps its ASCII words only: the
        # name typed without its accent), brackets around the area code
        attachment = self.env["ir.attachment"].create(
            {
                "name": "visit.txt",
                "res_model": "res.partner",
                "res_id": self.company.id,
                "datas": base64.b64encode(
                    f"Visit report: NICCOLO D'AMICO +39 (333) 1234567 {EMAIL}".encode()
                ),
                "mimetype": "text/plain",
            }
        )
        return person, lead, tag, attachment

    def _leftovers(self):
        return tables_containing(self.env, *PHONE_FORMS, *NAME_FORMS, *EMAIL_FORMS)

    def _erase_and_scan(self):
        person, lead, tag, attachment = self._spread_the_person()
        found = self._leftovers()
        for table in ("mail_message", "crm_lead", "crm_tag", "ir_attachment"):
            self.assertIn(table, {table for table, _column in found})
        person.with_user(self.user_dpo)._gdpr_erase()
        self.assertFalse(
            self._leftovers(), "no form of the person's identifiers is left"
        )
        lead.invalidate_recordset()
        self.assertIn("Referente: [erased], [erased], ", lead.description)
        tag.invalidate_recordset()
        self.assertEqual(tag.name, "Segnalato da [erased]")
        self.env.cr.execute(
            "SELECT index_content FROM ir_attachment WHERE id = %s", [attachment.id]
        )
        self.assertEqual(
            self.env.cr.fetchone()[0], "Visit report: [erased] [erased] [erased]"
        )
        # the same surname is somebody else's
        self.relative.invalidate_recordset()
        self.assertEqual(self.relative.name, "Giulia D'Amico")
        self.assertIn("D'Amico family, call 02 7654 3210", self.relative.comment)

    def test_every_form_is_swept_from_small_tables(self):
        self._erase_and_scan()

    def test_every_form_is_swept_from_big_tables(self):
        """Large tables are searched by words and phone numbers first: the
        same forms are found."""
        with patch.object(gdpr_erasure_sweep, "DIRECT_SWEEP_LIMIT", 0):
            self._erase_and_scan()

    def test_every_form_is_swept_with_unaccent(self):
        """Where PostgreSQL's unaccent extension is installed, the words are
        compared through it."""
        self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        with (
            patch.object(self.env.registry, "has_unaccent", True),
            patch.object(gdpr_erasure_sweep, "DIRECT_SWEEP_LIMIT", 0),
        ):
            self._erase_and_scan()

    def test_one_word_name_only_in_own_records(self):
        """A one-word name goes from the person's own records and messages,
        never from anybody else's: another "Rita" keeps hers."""
        rita = self._person("Rita", "rita.f@example.org")
        other_rita = self._person("Rita", "rita.m@example.org")
        other_rita.comment = "<p>Rita prefers mornings</p>"
        self.company.message_post(
            body=Markup("<p>Rita (the florist) called back</p>"),
            message_type="comment",
        )
        written = self.company.message_post(
            body=Markup("<p>Rita here: please send the catalogue</p>"),
            author_id=rita.id,
            message_type="comment",
        )
        rita.with_user(self.user_dpo)._gdpr_erase()
        written.invalidate_recordset()
        self.assertNotIn("Rita", written.body)
        self.assertIn("[erased] here", written.body)
        other_rita.invalidate_recordset()
        self.assertEqual(other_rita.name, "Rita")
        self.assertIn("Rita prefers mornings", other_rita.comment)
        self.assertTrue(
            self.company.message_ids.filtered(
                lambda message: "Rita (the florist)" in (message.body or "")
            ),
            "a message about another Rita stays",
        )

    def test_phone_parts_without_phonenumbers(self):
        """Without the phonenumbers library every format gives the same
        national number and prefix (the company's country)."""
        Pattern = self.env["gdpr.erasure.pattern"]
        forms = (PHONE, "3331234567", "0039 333 123 4567", "+39 (333) 1234567")
        with patch.object(gdpr_erasure_pattern, "phonenumbers", None):
            parts = {Pattern._gdpr_phone_parts(form) for form in forms}
        self.assertEqual(parts, {("3331234567", "39")})
        self.assertIsNone(Pattern._gdpr_phone_parts("12 34"))

    def test_phone_parts_with_phonenumbers(self):
        """With the library, a number of another country or written with a
        trunk prefix in brackets parses to its own national number."""
        Pattern = self.env["gdpr.erasure.pattern"]
        forms = (PHONE, "333 123 4567", "0039 333 123 4567", "+39 (333) 1234567")
        self.assertEqual(
            {Pattern._gdpr_phone_parts(form) for form in forms}, {("3331234567", "39")}
        )
        self.assertEqual(
            Pattern._gdpr_phone_parts("+44 (0)20 7946 0958"), ("2079460958", "44")
        )
        self.assertEqual(
            Pattern._gdpr_phone_parts("02 7654 3210"), ("0276543210", "39")
        )

    def test_phone_digits_inside_a_word_stay(self):
        """A hexadecimal key or checksum holding the phone's digits is not a
        phone number: it stays whole."""
        person, _lead, _tag, _attachment = self._spread_the_person()
        key = "9f3331234567ab0c"
        parameter = (
            self.env["ir.config_parameter"]
            .sudo()
            .create({"key": "gdpr_test.checksum", "value": key})
        )
        with patch.object(gdpr_erasure_sweep, "DIRECT_SWEEP_LIMIT", 0):
            person.with_user(self.user_dpo)._gdpr_erase()
        parameter.invalidate_recordset()
        self.assertEqual(parameter.value, key)
