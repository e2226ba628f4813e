# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Installation-time checks, run by Odoo's at_install step right after the
addon's data are loaded (before any other addon may change them), and again
with the other suites: what the addon ships is there, every model it defines
is protected and has views, and each role can load the screens of its menus."""

from odoo.tests import TransactionCase, new_test_user, tagged

# The erasure sweep's queues of identifiers being erased (names, addresses):
# read by the sweep alone, as superuser.
INTERNAL_QUEUES = ("gdpr.erasure.pending", "gdpr.erasure.sweep.identifier")

ROLES = {
    "salesperson": "sales_team.group_sale_salesman,base.group_partner_manager",
    "sales_manager": "sales_team.group_sale_manager,gdpr_compliance.group_gdpr_user",
    "external_agent": "gdpr_compliance.group_gdpr_external_agent,"
    "sales_team.group_sale_salesman",
    "marketing": "gdpr_compliance.group_gdpr_marketing",
    "back_office": "gdpr_compliance.group_gdpr_back_office",
    "dpo": "gdpr_compliance.group_gdpr_officer",
}


@tagged("at_install", "-post_install")
class TestInstall(TransactionCase):
    def _addon_models(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", "gdpr_compliance"), ("model", "=", "ir.model")]
        )
        return self.env["ir.model"].browse(data.mapped("res_id"))

    def test_shipped_data(self):
        Purpose = self.env["gdpr.purpose"]
        self.assertLessEqual(
            {"marketing", "profiling", "sales_followup", "contract", "accounting"},
            set(Purpose.search([]).mapped("code")),
        )
        self.assertEqual(Purpose._gdpr_get("marketing").retention_months, 24)
        self.assertEqual(Purpose._gdpr_get("accounting").retention_months, 120)
        self.assertGreaterEqual(self.env["gdpr.source"].search_count([]), 18)
        self.assertLessEqual(
            {"contact", "profiling", "financial", "marketing"},
            set(self.env["gdpr.data.category"].search([]).mapped("code")),
        )
        for xmlid in (
            "gdpr_compliance.ir_cron_gdpr_last_interaction",
            "gdpr_compliance.ir_cron_gdpr_retention",
        ):
            self.assertTrue(self.env.ref(xmlid).active, xmlid)
        icp = self.env["ir.config_parameter"].sudo()
        self.assertEqual(icp.get_param("gdpr_compliance.require_basis_partner"), "True")

    def test_every_model_is_protected_and_has_views(self):
        Access = self.env["ir.model.access"]
        Views = self.env["ir.ui.view"]
        for model in self._addon_models():
            records = self.env[model.model]
            if records._abstract:
                continue
            with self.subTest(model=model.model):
                self.assertTrue(Access.search_count([("model_id", "=", model.id)]))
                if model.model in INTERNAL_QUEUES:
                    # nobody may read them: no view, no access but the sweep's
                    self.assertFalse(
                        Access.search_count(
                            [("model_id", "=", model.id), ("perm_read", "=", True)]
                        )
                    )
                    continue
                self.assertTrue(
                    Views.search_count(
                        [("model", "=", model.model), ("type", "in", ("form", "list"))]
                    )
                )

    def test_each_role_loads_the_screens_of_its_menus(self):
        root = self.env.ref("gdpr_compliance.gdpr_menu_root")
        menus = self.env["ir.ui.menu"].search([("id", "child_of", root.id)])
        menus |= self.env.ref("gdpr_compliance.gdpr_request_menu_crm")
        for role, groups in ROLES.items():
            user = new_test_user(self.env, login=f"gdpr_install_{role}", groups=groups)
            visible = menus.with_user(user)._filter_visible_menus()
            with self.subTest(role=role):
                self.assertEqual(
                    bool(visible & root),
                    role in ("sales_manager", "dpo"),
                    "who sees the Privacy app",
                )
                for menu in visible.filtered("action"):
                    action = menu.action.sudo()
                    if action._name != "ir.actions.act_window":
                        continue
                    model = self.env[action.res_model].with_user(user)
                    views = [(False, kind) for kind in action.view_mode.split(",")]
                    result = model.get_views([*views, (False, "search")])
                    self.assertEqual(
                        set(result["views"]),
                        {kind for _id, kind in views} | {"search"},
                        menu.complete_name,
                    )
