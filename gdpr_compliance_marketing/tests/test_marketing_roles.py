# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMarketingRoles(TransactionCase):
    """Mailing contacts and their consents by role: marketing and the Data
    Protection Officer see them; salespeople and external agents see neither
    the contacts nor the consent events recorded on them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["mailing.contact"].create(
            {"name": "Lia Lettrice", "email": "lia.lettrice@example.org"}
        )
        cls.contact._gdpr_record_consent(
            "marketing", "given", "double_opt_in", evidence="Confirmed from mailbox"
        )
        sales = "sales_team.group_sale_salesman,base.group_partner_manager"
        cls.users = {
            login: new_test_user(cls.env, login=login, groups=groups)
            for login, groups in (
                ("gdpr_mk_sales", sales),
                ("gdpr_mk_agent", f"{sales},gdpr_compliance.group_gdpr_external_agent"),
                ("gdpr_mk_marketing", "mass_mailing.group_mass_mailing_user"),
                ("gdpr_mk_dpo", "gdpr_compliance.group_gdpr_officer"),
            )
        }

    def _events(self, login):
        return (
            self.env["gdpr.consent.event"]
            .with_user(self.users[login])
            .search(
                [
                    ("origin_model", "=", "mailing.contact"),
                    ("origin_id", "=", self.contact.id),
                ]
            )
        )

    def test_dpo_and_marketing_read_mailing_contacts(self):
        for login in ("gdpr_mk_dpo", "gdpr_mk_marketing"):
            rows = self.contact.with_user(self.users[login]).read(["email"])
            self.assertEqual(rows[0]["email"], "lia.lettrice@example.org")
            self.assertTrue(self._events(login))

    def test_sales_and_agents_see_no_mailing_contact_consent(self):
        for login in ("gdpr_mk_sales", "gdpr_mk_agent"):
            with self.assertRaises(AccessError):
                self.contact.with_user(self.users[login]).read(["email"])
            self.assertFalse(self._events(login))
