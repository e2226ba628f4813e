# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestMarketerTour(HttpCase):
    """The marketer's day, in a real browser as the demo marketing user: a
    draft mailing says whom it will skip and why, and sends to the others."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the steps read English labels: the user's language is the tour's own
        cls.env["res.users"].search([("login", "=", "gdpr_marketing")]).lang = "en_US"
        mailing_list = cls.env["mailing.list"].create({"name": "Tour newsletter"})
        Contact = cls.env["mailing.contact"]
        cls.consented, cls.pending, cls.prospect = Contact.create(
            [
                {
                    "name": f"Tour {name}",
                    "email": f"tour.{name.lower()}@example.org",
                    "list_ids": [(4, mailing_list.id)],
                }
                for name in ("Consented", "Pending", "Prospect")
            ]
        )
        cls.env.invalidate_all()
        # confirmed through the link: consent recorded with the confirmation
        cls.consented.subscription_ids._gdpr_confirm()
        # consent given on a form, the link in the mailbox not opened yet
        cls.pending._gdpr_record_consent("marketing", "given", "web_form")
        # a subscription confirmed without any consent for marketing
        cls.prospect.subscription_ids.gdpr_confirmation_state = "confirmed"
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "Spring collection",
                "body_html": "<p>Our new sofas</p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, mailing_list.ids)],
            }
        )

    def test_mailing_shows_exclusions_then_sends(self):
        self.start_tour(
            f"/odoo/action-mass_mailing.mailing_mailing_action_mail/{self.mailing.id}",
            "gdpr_marketer_mailing",
            login="gdpr_marketing",
            timeout=120,
        )
        self.assertEqual(self.mailing.state, "in_queue")
        self.assertEqual(self.mailing.write_uid.login, "gdpr_marketing")
        self.mailing.action_send_mail()
        self.assertEqual(
            self.mailing.mailing_trace_ids.mapped("res_id"), self.consented.ids
        )
