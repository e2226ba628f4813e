# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import Form, HttpCase, tagged

from .common import GdprCommon


@tagged("post_install", "-at_install")
class TestQuickCreate(GdprCommon):
    """The short forms of the pipeline never leave a salesperson with an
    error they cannot fix where they are."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.view = cls.env.ref("crm.quick_create_opportunity_form")
        # created by Odoo itself, as after installing the addon on a
        # database with contacts: no basis yet, flagged for review
        cls.unreviewed = cls.Partner.create(
            {"name": "Brandon Freeman", "email": "brandon@example.com"}
        )
        cls.unreviewed.user_id = cls.user_sales

    def _quick_form(self):
        return Form(
            self.Lead.with_user(self.user_sales).with_context(
                default_type="opportunity"
            ),
            view=self.view,
        )

    def test_contact_without_basis_offers_the_fields_and_waits_for_review(self):
        self.assertTrue(self.unreviewed.gdpr_basis_to_review)
        with self._quick_form() as form:
            form.partner_id = self.unreviewed
            self.assertTrue(form.gdpr_partner_basis_missing)
            form.name = "Sofa for Brandon"
        lead = form.record
        self.assertTrue(lead.gdpr_basis_to_review)
        self.assertEqual(lead.gdpr_source_id, self.unreviewed.gdpr_source_id)
        self.assertEqual(lead.partner_id, self.unreviewed)
        self.assertIn(lead, self.Lead.search([("gdpr_basis_to_review", "=", True)]))

    def test_basis_given_in_the_quick_form_confirms_the_contact(self):
        with self._quick_form() as form:
            form.partner_id = self.unreviewed
            form.name = "Table for Brandon"
            form.gdpr_legal_basis = "contract"
            form.gdpr_source_id = self.source_phone
        lead = form.record
        self.assertEqual(lead.gdpr_legal_basis, "contract")
        self.assertFalse(lead.gdpr_basis_to_review)
        self.assertEqual(self.unreviewed.gdpr_legal_basis, "contract")
        self.assertEqual(self.unreviewed.gdpr_source_id, self.source_phone)
        self.assertFalse(self.unreviewed.gdpr_basis_to_review)

    def test_contact_with_confirmed_basis_hides_the_fields(self):
        confirmed = self.env.ref("gdpr_compliance.res_partner_luca_romano_demo")
        confirmed.user_id = self.user_sales
        with self._quick_form() as form:
            form.partner_id = confirmed
            self.assertFalse(form.gdpr_partner_basis_missing)
            with self.assertRaises(AssertionError):
                form.gdpr_legal_basis = "consent"  # invisible
            form.name = "Lamp"
        self.assertEqual(form.record.gdpr_legal_basis, confirmed.gdpr_legal_basis)
        self.assertFalse(form.record.gdpr_basis_to_review)

    def test_deal_without_personal_data_needs_no_basis(self):
        with self._quick_form() as form:
            form.name = "Office refit"
            form.expected_revenue = 15000
        lead = form.record
        self.assertFalse(lead.gdpr_legal_basis)
        self.assertFalse(lead.gdpr_basis_to_review)
        # personal data added later: the lead waits for review
        lead.with_user(self.user_sales).write({"email_from": "buyer@example.com"})
        self.assertTrue(lead.gdpr_basis_to_review)
        self.assertEqual(lead.gdpr_source_id, self._auto_source("other"))
        # or takes the confirmed basis of the contact it gets
        other = self.Lead.with_user(self.user_sales).create({"name": "Chairs"})
        confirmed = self.env.ref("gdpr_compliance.res_partner_luca_romano_demo")
        other.partner_id = confirmed
        self.assertEqual(other.gdpr_legal_basis, confirmed.gdpr_legal_basis)
        self.assertEqual(other.gdpr_source_id, confirmed.gdpr_source_id)
        self.assertFalse(other.gdpr_basis_to_review)


@tagged("post_install", "-at_install")
class TestQuickCreateWebDoors(HttpCase, GdprCommon):
    """The same short forms through the web client's own routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unreviewed = cls.Partner.create(
            {
                "name": "Brandon Freeman",
                "email": "brandon@example.com",
                "user_id": cls.user_sales.id,
            }
        )

    def _rpc(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_short_forms_over_the_web_client(self):
        self.authenticate(self.user_sales.login, self.user_sales.login)
        # the pipeline's quick create with an existing contact
        [saved] = self._rpc(
            "crm.lead",
            "web_save",
            [],
            {"name": "Sofa", "type": "opportunity", "partner_id": self.unreviewed.id},
            specification={"gdpr_basis_to_review": {}},
        )
        self.assertTrue(saved["gdpr_basis_to_review"])
        # a contact created from a many2one field, e.g. the lead's contact
        partner_id, _name = self._rpc(
            "res.partner",
            "name_create",
            "Nuova Cliente <nuova.cliente@example.org>",
            context={"default_user_id": self.user_sales.id},
        )
        partner = self.Partner.browse(partner_id)
        self.assertEqual(partner.email, "nuova.cliente@example.org")
        self.assertEqual(partner.gdpr_source_id, self._auto_source("quick_create"))
        self.assertTrue(partner.gdpr_basis_to_review)
        # a new recipient typed in the chatter's composer
        lead = self.Lead.browse(saved["id"])
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "crm.lead",
                "thread_id": lead.id,
                "post_data": {
                    "body": "Here is the quote",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
                "partner_emails": ["new.recipient@example.org"],
            },
        )
        recipient = self.Partner.search([("email", "=", "new.recipient@example.org")])
        self.assertTrue(recipient.gdpr_basis_to_review)
        self.assertIn(recipient, lead.message_ids[0].partner_ids)


@tagged("post_install", "-at_install")
class TestQuickCreateTour(HttpCase, GdprCommon):
    def test_salesperson_quick_creates_with_unreviewed_contact(self):
        contact = self.Partner.create(
            {
                "name": "Brandon Freeman",
                "email": "brandon.freeman@example.com",
                "user_id": self.user_sales.id,
            }
        )
        self.assertTrue(contact.gdpr_basis_to_review)
        self.start_tour(
            "/odoo/crm",
            "gdpr_quick_create_unreviewed_contact",
            login=self.user_sales.login,
        )
        lead = self.Lead.search([("name", "=", "Sofa for Brandon")])
        self.assertEqual(lead.partner_id, contact)
        self.assertEqual(lead.user_id, self.user_sales)
        self.assertTrue(lead.gdpr_basis_to_review)
