# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestOverviewTour(HttpCase):
    def test_dpo_opens_the_overview_and_follows_a_tile(self):
        """In Chromium: the DPO opens Privacy, lands on the overview, and
        the overdue requests tile leads to as many requests as it says: the
        overdue one built here, not the recent one."""
        for name, received in (
            ("Tour Overdue Person", relativedelta(months=1, days=3)),
            ("Tour Recent Person", relativedelta(days=3)),
        ):
            person = self.env["res.partner"].create(
                {
                    "name": name,
                    "email": f"{name.lower().replace(' ', '.')}@example.com",
                    "gdpr_legal_basis": "consent",
                    "gdpr_source_id": self.env.ref(
                        "gdpr_compliance.gdpr_source_trade_fair"
                    ).id,
                }
            )
            self.env["gdpr.request"].create(
                {
                    "request_type": "access",
                    "partner_id": person.id,
                    "received_date": fields.Date.today() - received,
                }
            )
        self.start_tour("/odoo", "gdpr_overview_tour", login="gdpr_dpo", timeout=120)
