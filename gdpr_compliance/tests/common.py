# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, new_test_user


class GdprCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        cls.Lead = cls.env["crm.lead"]
        cls.Purpose = cls.env["gdpr.purpose"]
        cls.Source = cls.env["gdpr.source"]
        cls.Category = cls.env["gdpr.data.category"]
        cls.source_fair = cls.env.ref("gdpr_compliance.gdpr_source_trade_fair")
        cls.source_phone = cls.env.ref("gdpr_compliance.gdpr_source_phone_call")
        cls.purpose_marketing = cls.env.ref("gdpr_compliance.gdpr_purpose_marketing")
        cls.user_sales = new_test_user(
            cls.env,
            login="gdpr_test_salesman",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            name="Test Salesman",
            email="salesman@example.com",
        )
        cls.user_dpo = new_test_user(
            cls.env,
            login="gdpr_test_dpo",
            groups="gdpr_compliance.group_gdpr_officer",
            name="Test DPO",
            email="dpo@example.com",
        )
        cls.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.require_basis_partner", "True"
        )
        cls.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.require_basis_lead", "True"
        )

    @classmethod
    def _set_strict(cls, partner=True, lead=True):
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param("gdpr_compliance.require_basis_partner", partner)
        icp.set_param("gdpr_compliance.require_basis_lead", lead)

    def _auto_source(self, origin):
        return self.env.ref(f"gdpr_compliance.gdpr_source_auto_{origin}")
