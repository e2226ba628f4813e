# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo.addons.gdpr_compliance.tests.common import PeopleCommon

SUBSCRIPTION_CONFIRM = "/gdpr/subscription/confirm"


def confirm_subscription(http_case, params, headers=None):
    """What the person does with the double opt-in link: open it (a page
    that only asks), then press its button. Returns the last page."""
    page = http_case.opener.get(
        http_case.base_url() + SUBSCRIPTION_CONFIRM,
        params=params,
        headers=headers,
        timeout=12,
    )
    if page.status_code != 200:
        return page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return http_case.url_open(
        SUBSCRIPTION_CONFIRM, data=dict(params, csrf_token=csrf), headers=headers
    )


class ObjectionCommon:
    @classmethod
    def _setup_people(cls):
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Olga Objector",
                "email": "olga.objector@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.env.ref(
                    "gdpr_compliance.gdpr_source_newsletter"
                ).id,
            }
        )
        cls.partner._gdpr_record_consent("marketing", "given", "web_form")
        cls.Objection = cls.env["gdpr.objection"]

    def _objections(self, email="olga.objector@example.org"):
        return self.Objection.search([("email_normalized", "=", email)])


class MarketingPeopleCommon(PeopleCommon):
    """The people of every state, plus one whose address is on the
    suppression list, each subscribed (confirmed) to a newsletter through a
    mailing contact of the same address; and two mailing contacts without a
    person, one with its own consent, one without."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        suppressed = cls.Partner.create(
            {
                "name": "Sara Soppressa",
                "email": "sara.soppressa@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.source_fair.id,
            }
        )
        suppressed._gdpr_record_consent("marketing", "given", "web_form")
        cls.env["gdpr.suppression"]._gdpr_suppress(suppressed.email, "not_interested")
        cls.people["suppressed"] = suppressed
        cls.expected["suppressed"] = "suppressed"
        cls.newsletter = cls.env["mailing.list"].create({"name": "Newsletter"})
        Contact = cls.env["mailing.contact"].with_context(
            gdpr_subscription_confirmed=True
        )
        cls.contacts = {
            state: Contact.create(
                {
                    "name": partner.name,
                    "email": partner.email,
                    "list_ids": [(4, cls.newsletter.id)],
                }
            )
            for state, partner in cls.people.items()
        }
        own = Contact.create(
            {
                "name": "Tina Iscritta",
                "email": "tina.iscritta@example.org",
                "list_ids": [(4, cls.newsletter.id)],
            }
        )
        own._gdpr_record_consent("marketing", "given", "double_opt_in")
        cls.contacts["contact_own_consent"] = own
        cls.contacts["contact_no_consent"] = Contact.create(
            {
                "name": "Ugo Ignoto",
                "email": "ugo.ignoto@example.org",
                "list_ids": [(4, cls.newsletter.id)],
            }
        )
        cls.contact_expected = dict(
            cls.expected, contact_own_consent=False, contact_no_consent="no_basis"
        )
