# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import json
import shutil

from dateutil.relativedelta import relativedelta

from odoo import fields
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


def execute_kw(http_case, uid, password, model, method, *args, kwargs=None):
    """Call a model method over the external JSON-RPC route (``/jsonrpc``,
    service ``object``) as user ``uid``, with keyword arguments ``kwargs``
    (a context, say); returns the decoded answer."""
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
                        *([kwargs] if kwargs is not None else []),
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
    def _age(cls, partner, months_ago):
        """Pretend the last exchange with the person is that old (from the
        class's ``now`` when it has one)."""
        now = getattr(cls, "now", None) or fields.Datetime.now()
        when = now - relativedelta(months=months_ago)
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE res_partner SET gdpr_last_interaction = %s, create_date = %s "
            "WHERE id = %s",
            (when, when, partner.id),
        )
        partner.invalidate_recordset()

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


class ConsentCommon(GdprCommon):
    """A privacy notice for marketing and profiling (consent needs one, Art.
    7(1) and 13) and a prospect assigned to the salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["gdpr.consent.event"]
        cls.purpose_profiling = cls.env.ref("gdpr_compliance.gdpr_purpose_profiling")
        cls.notice = cls.env["gdpr.privacy.notice"].create(
            {
                "name": "Test notice v9",
                "valid_from": fields.Date.today() - relativedelta(days=1),
                "purpose_ids": [
                    (6, 0, (cls.purpose_marketing | cls.purpose_profiling).ids)
                ],
                "body": "<p>We use your email for offers.</p>",
            }
        )
        cls.prospect = cls.Partner.create(
            {
                "name": "Prospect Person",
                "email": "prospect@example.com",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.source_fair.id,
                "user_id": cls.user_sales.id,
            }
        )

    def _record(self, partner, action="given", channel="web_form", **kwargs):
        return partner._gdpr_record_consent("marketing", action, channel, **kwargs)


class PeopleCommon(ConsentCommon):
    """One person in each state the processing rule tells apart, for direct
    marketing, built as users and Odoo build them (consents through the
    ledger, a customer through a won opportunity); nothing is patched.

    ``cls.people`` maps a state to its partner; ``cls.expected`` to the
    rule's answer (False: allowed, else the reason)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.people = {}

        def person(state, name, consents=(), **vals):
            partner = cls.Partner.create(
                {
                    "name": name,
                    "email": f"{name.lower().replace(' ', '.')}@example.org",
                    "gdpr_legal_basis": "consent",
                    "gdpr_source_id": cls.source_fair.id,
                    **vals,
                }
            )
            for action in consents:
                partner._gdpr_record_consent("marketing", action, "web_form")
            cls.people[state] = partner
            return partner

        person("consented", "Anna Consenso", ["given"])
        person("withdrawn", "Bruno Revoca", ["given", "withdrawn"])
        # Art. 18: restricted, even with a consent
        person("restricted", "Carla Limitata", ["given"], gdpr_restricted=True)
        # a consent whose purpose's retention period (24 months after the
        # last interaction) is over
        lapsed = person("lapsed", "Dario Scaduto", ["given"])
        cls._age(lapsed, 30)
        person("prospect", "Elena Potenziale")
        company = person(
            "company",
            "Mobili Bianchi Spa",
            is_company=True,
            gdpr_legal_basis="contract",
        )
        customer = person(
            "customer",
            "Franco Cliente",
            parent_id=company.id,
            gdpr_legal_basis="contract",
        )
        # Italian Privacy Code art. 130(4): the soft opt-in covers the address
        # the customer gave in the sale, not a colleague's
        person(
            "colleague",
            "Gina Collega",
            parent_id=company.id,
            gdpr_legal_basis="legitimate_interest",
        )
        won = cls.Lead.create(
            {
                "name": "Won deal",
                "partner_id": customer.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": cls.source_fair.id,
            }
        )
        won.action_set_won()
        cls.expected = {
            "consented": False,
            "withdrawn": "withdrawn",
            "restricted": "restricted",
            "lapsed": "lapsed",
            "prospect": "no_basis",
            "customer": False,
            "colleague": "no_basis",
            # the company bought nothing itself: its contact did
            "company": "no_basis",
        }

    def _composer(self, records, **values):
        """The mail composer in mass mode on ``records``, as the list view's
        action opens it."""
        return (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="mass_mail",
                default_model=records._name,
                active_ids=records.ids,
            )
            .create(dict({"subject": "Offers", "body": "<p>Offers</p>"}, **values))
        )

    def _retention_due_states(self):
        """The states whose person the retention engine would process when
        marketing is what decides: the other purposes are off, except the
        follow-up of everyone (legitimate interest), whose short period is
        over for all. A person is then due exactly when marketing no longer
        covers them."""
        followup = self.env.ref("gdpr_compliance.gdpr_purpose_sales_followup")
        self.Purpose.search(
            [("id", "not in", (self.purpose_marketing | followup).ids)]
        ).active = False
        followup.retention_months = 1
        individuals = {
            state: partner
            for state, partner in self.people.items()
            if not partner.is_company
        }
        for state, partner in individuals.items():
            if state != "lapsed":
                self._age(partner, 2)
        due = {
            row["partner_id"]
            for row in self.Partner._gdpr_retention_due(
                partner_ids=[partner.id for partner in individuals.values()]
            )
        }
        return {state for state, partner in individuals.items() if partner.id in due}
