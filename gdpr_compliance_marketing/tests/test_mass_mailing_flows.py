# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import parse_qs, urlparse

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import confirm_subscription
from .test_double_opt_in import confirmation_url


@tagged("post_install", "-at_install")
class TestMassMailingFlows(HttpCase):
    """Email marketing keeps working with the privacy addons installed and
    their strictness on, and its personal data are classified."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param("gdpr_compliance.require_basis_partner", "True")
        icp.set_param("gdpr_compliance.require_basis_lead", "True")
        cls.user_marketing = new_test_user(
            cls.env,
            login="gdpr_test_marketing",
            groups="mass_mailing.group_mass_mailing_user,base.group_partner_manager",
            name="Test Marketing",
            email="marketing@example.com",
        )
        cls.mailing_list = cls.env["mailing.list"].create({"name": "Newsletter IT"})
        cls.source = cls.env.ref("gdpr_compliance.gdpr_source_newsletter")

    def test_mailing_contact_fields_are_classified(self):
        Category = self.env["gdpr.data.category"]
        expected = {
            "email": "contact",
            "name": "contact",
            "message_bounce": "marketing",
            "tag_ids": "profiling",
        }
        for field_name, code in expected.items():
            category = Category._gdpr_category_of_field("mailing.contact", field_name)
            self.assertEqual(category.code, code, field_name)
        self.assertEqual(
            Category._gdpr_category_of_field("mailing.trace", "email").code, "marketing"
        )

    def test_subscribe_and_mail_list_contacts(self):
        contacts = (
            self.env["mailing.contact"]
            .with_user(self.user_marketing)
            .create(
                [
                    {
                        "name": "Teresa Lombardi",
                        "email": "teresa.lombardi@example.com",
                        "list_ids": [(4, self.mailing_list.id)],
                    },
                    {
                        "name": "Fabio Moretti",
                        "email": "fabio.moretti@example.com",
                        "list_ids": [(4, self.mailing_list.id)],
                    },
                ]
            )
        )
        self.assertEqual(self.mailing_list.contact_count, 2)
        # double opt-in: each opens the link of the email and presses its
        # button, which records consent
        self.env.invalidate_all()
        for subscription in contacts.subscription_ids:
            link = urlparse(confirmation_url(self.env, subscription))
            params = {key: values[0] for key, values in parse_qs(link.query).items()}
            response = confirm_subscription(self, params)
            self.assertEqual(response.status_code, 200)
        self.assertEqual(
            set(contacts.subscription_ids.mapped("gdpr_confirmation_state")),
            {"confirmed"},
        )
        mailing = (
            self.env["mailing.mailing"]
            .with_user(self.user_marketing)
            .create(
                {
                    "subject": "Autumn offers",
                    "body_html": "<p>Hello</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                    "contact_list_ids": [(6, 0, self.mailing_list.ids)],
                }
            )
        )
        self.assertEqual(len(mailing._get_recipients()), 2)
        mailing.action_send_mail()
        traces = mailing.mailing_trace_ids
        self.assertEqual(set(traces.mapped("email")), set(contacts.mapped("email")))

    def test_mailing_on_partners_and_leads(self):
        partner = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "News for customers",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", partner.id)]),
            }
        )
        mailing.action_send_mail()
        self.assertEqual(mailing.mailing_trace_ids.res_id, partner.id)
        lead = self.env.ref("gdpr_compliance.crm_lead_valentina_gallo_demo")
        lead._gdpr_record_consent("marketing", "given", "checkbox")
        lead_mailing = self.env["mailing.mailing"].create(
            {
                "subject": "News for leads",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr([("id", "=", lead.id)]),
            }
        )
        lead_mailing.action_send_mail()
        self.assertEqual(lead_mailing.mailing_trace_ids.res_id, lead.id)

    def test_blocklisted_partner_is_not_mailed(self):
        partner = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        self.env["mail.blacklist"]._add(partner.email)
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Blocked",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", partner.id)]),
            }
        )
        # the blocklisting was an objection: the partner is no recipient at all
        self.assertEqual(
            mailing._gdpr_excluded_recipients(partner.ids), {partner.id: "withdrawn"}
        )
        with self.assertRaises(UserError):
            mailing.action_send_mail()
        self.assertFalse(mailing.mailing_trace_ids)
