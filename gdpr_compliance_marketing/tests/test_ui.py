# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from odoo.addons.gdpr_compliance.tests.test_ui import CLICKBOT


@tagged("post_install", "-at_install")
class TestMarketingMenus(HttpCase):
    def test_marketing_menus(self):
        """Every menu, view and filter of Email Marketing opens for the demo
        marketing user, the privacy rules on mailings and contacts included."""
        self.browser_js(
            "/odoo",
            f"{CLICKBOT}.startClickEverywhere('mass_mailing.mass_mailing_menu_root');",
            "odoo.isReady === true",
            login="gdpr_marketing",
            timeout=600,
            success_signal="clickbot test succeeded",
        )
