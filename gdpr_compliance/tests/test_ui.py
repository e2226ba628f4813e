# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestUi(HttpCase):
    """The screens open in a real browser, for the role that uses them,
    without a JavaScript error."""

    def _open(self, url, selector, login=None):
        self.browser_js(
            url,
            "console.log('test successful');",
            ready=f"!!(odoo.isReady && document.querySelector({selector!r}))",
            login=login,
            timeout=90,
        )

    def test_dpo_screens(self):
        request = self.env.ref("gdpr_compliance.gdpr_request_access_overdue_demo")
        action = "/odoo/action-gdpr_compliance.gdpr_request_action"
        self._open(action, ".o_list_view .o_data_row", login="gdpr_dpo")
        self._open(
            f"{action}/{request.id}", ".o_form_view .o_statusbar_buttons", "gdpr_dpo"
        )
        self._open(
            "/odoo/action-gdpr_compliance.gdpr_audit_log_action",
            ".o_list_view .o_data_row",
            login="gdpr_dpo",
        )

    def test_salesperson_screens(self):
        partner = self.env.ref("gdpr_compliance.res_partner_giulia_rossi_demo")
        partner.user_id = self.env.ref("gdpr_compliance.res_users_salesperson_demo")
        self._open(
            f"/odoo/contacts/{partner.id}", ".o_form_view .o_notebook", "gdpr_sales"
        )
        self._open("/odoo/crm", ".o_kanban_view .o_kanban_record", login="gdpr_sales")
        lead = self.env.ref("gdpr_compliance.crm_lead_paolo_conti_demo")
        lead.user_id = self.env.ref("gdpr_compliance.res_users_salesperson_demo")
        self._open(f"/odoo/crm/{lead.id}", ".o_form_view .o_notebook", "gdpr_sales")
        self._open(
            "/odoo/action-crm.crm_opportunity_report_action",
            ".o_pivot_view, .o_graph_view",
            login="gdpr_sales",
        )
        self._open(
            "/odoo/action-gdpr_compliance.gdpr_request_action",
            ".o_list_view",
            login="gdpr_sales",
        )

    def test_external_agent_screens(self):
        partner = self.env.ref("gdpr_compliance.res_partner_chiara_marino_demo")
        partner.user_id = self.env.ref("gdpr_compliance.res_users_agent_demo")
        self._open(
            f"/odoo/contacts/{partner.id}", ".o_form_view .o_notebook", "gdpr_agent"
        )
        self._open("/odoo/contacts", ".o_kanban_view", login="gdpr_agent")

    def test_public_request_page(self):
        self.browser_js(
            "/privacy/request",
            "console.log('test successful');",
            ready="!!document.querySelector('.o_gdpr_request_form')",
            timeout=60,
        )
