# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The daily workflows walked in a real browser, each by the demo user of the
role that does it; the database is checked after each walk."""

import re
from datetime import datetime
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools import config

from .common import GdprCommon
from .common_request import RequestCommon

CONFIRM_URL = re.compile(r"/privacy/request/confirm\?token=[\w.\-]+")


class TourCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the steps read English labels: the users' language is the tours' own
        cls.env["res.users"].search([("login", "like", "gdpr_")]).lang = "en_US"

    def _user(self, login):
        return self.env["res.users"].search([("login", "=", login)])


@tagged("post_install", "-at_install")
class TestSalespersonTour(GdprCommon, TourCase):
    """New contacts require a basis and a source (GdprCommon's strictness)."""

    def test_contact_with_basis_source_and_consent(self):
        self.start_tour("/odoo", "gdpr_salesperson_contact_consent", login="gdpr_sales")
        partner = self.env["res.partner"].search([("name", "=", "Lucia Ferretti")])
        self.assertEqual(len(partner), 1)
        self.assertEqual(partner.gdpr_legal_basis, "consent")
        self.assertEqual(
            partner.gdpr_source_id,
            self.env.ref("gdpr_compliance.gdpr_source_trade_fair"),
        )
        self.assertFalse(partner.gdpr_basis_to_review)
        self.assertEqual(partner.user_id, self._user("gdpr_sales"))
        consent = partner.gdpr_consent_ids
        self.assertEqual(consent.purpose_id.code, "marketing")
        self.assertEqual((consent.state, consent.channel), ("given", "paper"))
        event = partner.gdpr_consent_event_ids
        self.assertEqual(event.recorded_by_id, self._user("gdpr_sales"))
        self.assertIn("Signed form no. 1234", event.evidence)


@tagged("post_install", "-at_install")
class TestDataSubjectTour(RequestCommon, TourCase):
    def test_public_request_confirmed_from_the_mailbox(self):
        Request = self.env["gdpr.request"]
        before = Request.search([])
        with self.capture_emails() as sent:
            self.start_tour("/privacy/request", "gdpr_data_subject_request")
        # nothing is registered until the address confirms
        self.assertEqual(Request.search([]), before)
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["To"], "carla.fontana@example.org")
        url = CONFIRM_URL.search(self.email_text(sent[0])).group(0)
        self.start_tour(url, "gdpr_data_subject_request_confirm")
        request = Request.search([]) - before
        self.assertEqual(len(request), 1)
        self.assertEqual(
            (request.request_type, request.requester_email, request.state),
            ("access", "carla.fontana@example.org", "verified"),
        )
        self.assertEqual(request.requester_name, "Carla Fontana")


@tagged("post_install", "-at_install")
class TestDpoTours(RequestCommon, TourCase):
    def test_access_request_verified_processed_and_downloaded(self):
        partner = self.Partner.create(
            {
                "name": "Access Tour Person",
                "email": "access.tour@example.org",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        request = self._new_request("access", partner)
        # the report is rendered by wkhtmltopdf, as in production, and not
        # as the HTML that Odoo gives instead in test mode
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{config['http_port']}"
        )
        Report = type(self.env["ir.actions.report"])
        render = Report._render_qweb_pdf

        def render_for_real(report, *args, **kwargs):
            report = report.with_context(force_report_rendering=True)
            return render(report, *args, **kwargs)

        with (
            patch.object(Report, "_render_qweb_pdf", render_for_real),
            self.capture_emails() as sent,
        ):
            self.start_tour(
                f"/odoo/action-gdpr_compliance.gdpr_request_action/{request.id}",
                "gdpr_dpo_access_request",
                login="gdpr_dpo",
                timeout=180,
            )
        self.assertEqual(request.state, "done")
        self.assertEqual(request.verification_method, "id_document")
        self.assertEqual(request.verified_by_id, self._user("gdpr_dpo"))
        self.assertEqual(request.attachment_id.mimetype, "application/pdf")
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["To"], "access.tour@example.org")
        attached = [part.get_filename() for part in sent[0].iter_attachments()]
        self.assertEqual(attached, [request.attachment_id.name])

    def test_retention_previewed_then_applied(self):
        partner = self.Partner.create(
            {
                "name": "Retention Tour Person",
                "email": "retention.tour@example.org",
                "phone": "+39 051 987 6543",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        long_ago = datetime(2015, 1, 1)
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_last_interaction = %s, create_date = %s "
            "WHERE id = %s",
            [long_ago, long_ago, partner.id],
        )
        Run = self.env["gdpr.retention.run"]
        before = Run.search([])
        self.start_tour(
            "/odoo/action-gdpr_compliance.gdpr_retention_run_action",
            "gdpr_dpo_retention",
            login="gdpr_dpo",
            timeout=120,
        )
        dry_run, run = (Run.search([]) - before).sorted("id")
        self.assertTrue(dry_run.dry_run)
        self.assertFalse(run.dry_run)
        self.assertEqual(run.user_id, self._user("gdpr_dpo"))
        line = run.line_ids.filtered(
            lambda line: (
                line.partner_key
                == dry_run.line_ids.filtered(
                    lambda planned: planned.partner_id == partner
                ).partner_key
            )
        )
        self.assertEqual(line.result, "done")
        partner.invalidate_recordset()
        self.assertFalse(
            partner.exists() and (partner.email or partner.phone),
            "the contact kept its addresses",
        )
