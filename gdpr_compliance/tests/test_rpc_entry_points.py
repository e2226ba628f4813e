# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
from xmlrpc.client import Fault

from odoo.tests import HttpCase, new_test_user, tagged

from .common import execute_kw


@tagged("post_install", "-at_install")
class TestRpcEntryPoints(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.require_basis_partner", "True"
        )
        cls.user = new_test_user(
            cls.env,
            login="gdpr_rpc_user",
            password="gdpr_rpc_user_pw",
            groups="base.group_user,base.group_partner_manager,base.group_erp_manager",
        )
        cls.dpo = new_test_user(
            cls.env,
            login="gdpr_rpc_dpo",
            password="gdpr_rpc_dpo_pw",
            groups="gdpr_compliance.group_gdpr_officer",
        )
        cls.source = cls.env.ref("gdpr_compliance.gdpr_source_phone_call")

    def _xmlrpc(self, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.user.id,
            "gdpr_rpc_user_pw",
            model,
            method,
            list(args),
            kwargs,
        )

    def test_xmlrpc_create_individual_needs_basis(self):
        with self.assertRaises(Fault) as caught:
            self._xmlrpc("res.partner", "create", {"name": "Api Person"})
        self.assertIn(
            "Legal basis and data source are required", caught.exception.faultString
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Api Person")]))
        partner_id = self._xmlrpc(
            "res.partner",
            "create",
            {
                "name": "Api Person",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source.id,
            },
        )
        partner = self.env["res.partner"].browse(partner_id)
        self.assertEqual(partner.gdpr_legal_basis, "contract")
        self.assertEqual(partner.gdpr_collected_by_id, self.user)

    def test_xmlrpc_company_and_user_creation_not_blocked(self):
        company_id = self._xmlrpc(
            "res.partner", "create", {"name": "Api Company", "is_company": True}
        )
        self.assertTrue(company_id)
        user_id = self._xmlrpc(
            "res.users", "create", {"name": "Api Employee", "login": "api_employee"}
        )
        user = self.env["res.users"].browse(user_id)
        self.assertTrue(user.partner_id.gdpr_basis_to_review)
        self.assertEqual(
            user.partner_id.gdpr_source_id,
            self.env.ref("gdpr_compliance.gdpr_source_auto_user"),
        )

    def test_jsonrpc_create_needs_basis(self):
        body = execute_kw(
            self,
            self.user.id,
            "gdpr_rpc_user_pw",
            "res.partner",
            "create",
            [{"name": "Json Person"}],
        )
        self.assertIn("error", body)
        self.assertIn("Legal basis", body["error"]["data"]["message"])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Json Person")]))

    def test_web_client_create_needs_basis(self):
        self.authenticate("gdpr_rpc_user", "gdpr_rpc_user_pw")
        with self.assertRaisesRegex(Exception, "ValidationError"):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/res.partner/create",
                {
                    "model": "res.partner",
                    "method": "create",
                    "args": [{"name": "Web Person"}],
                    "kwargs": {},
                },
            )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Web Person")]))

    def test_register_csv_download(self):
        self.authenticate("gdpr_rpc_dpo", "gdpr_rpc_dpo_pw")
        response = self.url_open("/gdpr/register.csv")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/csv", response.headers["Content-Type"])
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertIn("marketing", [row["code"] for row in rows])
        marketing = self.env.ref("gdpr_compliance.gdpr_purpose_marketing")
        response = self.url_open(f"/gdpr/register.csv?ids={marketing.id}")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual([row["code"] for row in rows], ["marketing"])

    def test_register_csv_needs_login(self):
        response = self.url_open("/gdpr/register.csv", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
