# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import json
import shutil

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL, config


def tables_containing(env, *needles):
    """Every ``(table, column)`` of the database holding one of the needles
    (case-insensitive) in any text, varchar or jsonb column: the whole-database
    scan that proves an erasure left nothing behind."""
    env.flush_all()
    env.cr.execute(
        """
        SELECT c.table_name, c.column_name, c.data_type
          FROM information_schema.columns c
          JOIN information_schema.tables t
            ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema()
           AND t.table_type = 'BASE TABLE'
           AND c.data_type IN ('character varying', 'text', 'jsonb')
        """
    )
    found = set()
    for table, column, data_type in env.cr.fetchall():
        col = SQL.identifier(column)
        if data_type == "jsonb":
            col = SQL("%s::text", col)
        condition = SQL(" OR ").join(
            SQL("strpos(lower(%s), lower(%s)) > 0", col, needle) for needle in needles
        )
        env.cr.execute(
            SQL("SELECT 1 FROM %s WHERE %s LIMIT 1", SQL.identifier(table), condition)
        )
        if env.cr.fetchone():
            found.add((table, column))
    return found


def call_kw(http_case, model, method, *args, **kwargs):
    """Call a model method over the web client's JSON-RPC route, in the
    session ``http_case`` authenticated; returns the decoded answer."""
    response = http_case.url_open(
        f"/web/dataset/call_kw/{model}/{method}",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                },
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    return response.json()


def execute_kw(http_case, uid, password, model, method, *args):
    """Call a model method over the external JSON-RPC route (``/jsonrpc``,
    service ``object``) as user ``uid``; returns the decoded answer."""
    response = http_case.url_open(
        "/jsonrpc",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [
                        http_case.env.cr.dbname,
                        uid,
                        password,
                        model,
                        method,
                        list(args),
                    ],
                },
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    return response.json()


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

    def _render_pdf_text(self, report_ref, res_ids):
        """Render a report as a real PDF and return its text, whitespace
        normalised; skip when wkhtmltopdf is not installed.

        Rendered with the server's styles, Debian's wkhtmltopdf draws the web
        fonts as outlines, which leaves no text to extract: the PDF is checked
        whole that way, then rendered once more without styles to read it."""
        if not shutil.which("wkhtmltopdf"):
            self.skipTest("wkhtmltopdf is not installed")
        from PyPDF2 import PdfReader

        icp = self.env["ir.config_parameter"].sudo()
        reports = self.env["ir.actions.report"].with_context(
            force_report_rendering=True
        )
        icp.set_param("report.url", f"http://127.0.0.1:{config['http_port']}")
        pdf, fmt = reports._render_qweb_pdf(report_ref, res_ids)
        self.assertEqual(fmt, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertGreaterEqual(len(PdfReader(io.BytesIO(pdf)).pages), 1)
        # a closed port: wkhtmltopdf renders the bare HTML, with real text
        icp.set_param("report.url", "http://127.0.0.1:9")
        pdf, _fmt = reports._render_qweb_pdf(report_ref, res_ids)
        return " ".join(
            " ".join(page.extract_text().split())
            for page in PdfReader(io.BytesIO(pdf)).pages
        )
