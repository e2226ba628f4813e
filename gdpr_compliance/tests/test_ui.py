# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

CLICKBOT = "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader')"


@tagged("post_install", "-at_install")
class TestRoleMenus(HttpCase):
    """Smoke test of each role's menus: Odoo's click bot opens every menu of
    the apps the demo user of the role works in, switches every view and
    applies every filter, as that user, and fails on any error (an access
    error, a view or a domain our fields or rules broke)."""

    def _click_everywhere(self, login, *apps):
        for app in apps:
            with self.subTest(login=login, app=app):
                self.browser_js(
                    "/odoo",
                    f"{CLICKBOT}.startClickEverywhere({app!r});",
                    "odoo.isReady === true",
                    login=login,
                    timeout=600,
                    success_signal="clickbot test succeeded",
                )

    def test_salesperson_menus(self):
        self._click_everywhere("gdpr_sales", "crm.crm_menu_root")

    def test_sales_manager_menus(self):
        self._click_everywhere("gdpr_manager", "gdpr_compliance.gdpr_menu_root")

    def test_external_agent_menus(self):
        self._click_everywhere("gdpr_agent", "contacts.menu_contacts")

    def test_back_office_menus(self):
        self._click_everywhere("gdpr_backoffice", "contacts.menu_contacts")

    def test_dpo_menus(self):
        self._click_everywhere("gdpr_dpo", "gdpr_compliance.gdpr_menu_root")
