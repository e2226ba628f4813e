# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestMailingContactPerson(TransactionCase):
    """A mailing contact's person and own consent are kept by the database:
    the recipient rules read nothing else, so every way a partner, an address
    or a consent changes must reach them, the ORM's and SQL alike."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.contact = cls.env["mailing.contact"].create(
            {"name": "Pia Person", "email": "Pia.Person@Example.org"}
        )

    def _person(self, contact=None):
        contact = contact or self.contact
        self.env.flush_all()
        contact.invalidate_recordset(["gdpr_partner_id", "gdpr_own_consent"])
        return contact.gdpr_partner_id

    def _partner(self, email="pia.person@example.org", **vals):
        return self.Partner.create(dict({"name": "Pia Person", "email": email}, **vals))

    def test_person_follows_partners_through_the_orm(self):
        self.assertFalse(self._person())
        older = self._partner()
        self.assertEqual(self._person(), older)
        newer = self._partner(email='"Pia" <pia.person@example.org>')
        self.assertEqual(self._person(), newer, "the newest partner stands for it")
        newer.action_archive()
        self.assertEqual(self._person(), older, "an archived partner does not")
        newer.action_unarchive()
        newer.email = "pia.elsewhere@example.org"
        self.assertEqual(self._person(), older, "nor one that changed address")
        older.unlink()
        self.assertFalse(self._person())
        newer.email = "pia.person@example.org"
        self.assertEqual(self._person(), newer)

    def test_person_follows_the_contacts_own_address(self):
        partner = self._partner(email="pia.new@example.org")
        self.assertFalse(self._person())
        self.contact.email = "pia.new@example.org"
        self.assertEqual(self._person(), partner)
        other = self.env["mailing.contact"].create(
            {"name": "Pia again", "email": "pia.new@example.org"}
        )
        self.assertEqual(self._person(other), partner)
        self.contact.email = "nobody@example.org"
        self.assertFalse(self._person())

    def test_person_follows_writes_in_sql(self):
        """Imports, merges and the erasure service write partners in SQL."""
        partner = self._partner()
        self.assertEqual(self._person(), partner)
        self.env.cr.execute(
            "UPDATE res_partner SET email_normalized = NULL WHERE id = %s",
            [partner.id],
        )
        self.assertFalse(self._person())
        self.env.cr.execute(
            "UPDATE res_partner SET email_normalized = 'pia.person@example.org' "
            "WHERE id = %s",
            [partner.id],
        )
        self.assertEqual(self._person(), partner)
        # nobody can set a person the address does not give
        someone = self._partner(email="someone@example.org")
        self.env.cr.execute(
            "UPDATE mailing_contact SET gdpr_partner_id = %s WHERE id = %s",
            [someone.id, self.contact.id],
        )
        self.assertEqual(self._person(), partner)

    def test_merging_partners_keeps_the_person(self):
        """The merge wizard rewrites every reference in SQL, then deletes the
        merged partner: the contact ends with the one that stays."""
        kept = self._partner()
        duplicate = self._partner()
        self.assertEqual(self._person(), duplicate)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (kept | duplicate).ids, kept
        )
        self.assertFalse(duplicate.exists())
        self.assertEqual(self._person(), kept)

    def test_erasing_the_partner_releases_the_contact(self):
        partner = self._partner(
            gdpr_legal_basis="consent",
            gdpr_source_id=self.env.ref("gdpr_compliance.gdpr_source_newsletter").id,
        )
        elsewhere = self.env["mailing.contact"].create(
            {"name": "Pia", "email": "pia.elsewhere@example.org"}
        )
        self.assertEqual(self._person(), partner)
        partner._gdpr_anonymize()
        # the person's mailing contacts go with them; none is left naming
        # the anonymised partner
        self.assertFalse(self.contact.exists())
        self.assertFalse(
            self.env["mailing.contact"].search([("gdpr_partner_id", "=", partner.id)])
        )
        self.assertFalse(self._person(elsewhere))

    def test_own_consent_is_the_last_event_on_the_contact(self):
        self.assertFalse(self._person())
        self.contact._gdpr_record_consent("marketing", "given", "double_opt_in")
        self.assertEqual(self.contact.gdpr_own_consent, "given")
        # another purpose says nothing about marketing
        self.contact._gdpr_record_consent("profiling", "withdrawn", "web_form")
        self._person()
        self.assertEqual(self.contact.gdpr_own_consent, "given")
        self.contact._gdpr_record_consent("marketing", "withdrawn", "unsubscribe")
        self.assertEqual(self.contact.gdpr_own_consent, "withdrawn")

    def test_consent_with_a_person_is_the_persons(self):
        partner = self._partner()
        self.contact._gdpr_record_consent("marketing", "given", "double_opt_in")
        self._person()
        self.assertFalse(self.contact.gdpr_own_consent)
        self.assertEqual(partner.gdpr_consent_ids.state, "given")

    def test_refresh_agrees_with_the_triggers(self):
        """On install and update every contact is set from the data: the same
        values the triggers keep."""
        partner = self._partner()
        loner = self.env["mailing.contact"].create(
            {"name": "Lone", "email": "lone@example.org"}
        )
        loner._gdpr_record_consent("marketing", "given", "double_opt_in")
        self.env.flush_all()
        self.env.cr.execute(
            "ALTER TABLE mailing_contact DISABLE TRIGGER gdpr_mailing_contact_person"
        )
        self.env.cr.execute(
            "UPDATE mailing_contact SET gdpr_partner_id = NULL, "
            "gdpr_own_consent = NULL WHERE id IN %s",
            [(self.contact.id, loner.id)],
        )
        self.env.cr.execute(
            "ALTER TABLE mailing_contact ENABLE TRIGGER gdpr_mailing_contact_person"
        )
        self.env["mailing.contact"]._gdpr_refresh_persons()
        self.assertEqual(self._person(), partner)
        self.assertFalse(self._person(loner))
        self.assertEqual(loner.gdpr_own_consent, "given")
