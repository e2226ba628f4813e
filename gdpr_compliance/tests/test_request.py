# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import json
import zipfile
from datetime import date

import jsonschema
from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import tables_containing
from .common_request import RequestCommon


@tagged("post_install", "-at_install")
class TestRequestDeadlines(RequestCommon):
    def test_deadline_is_one_month_from_receipt(self):
        request = self._new_request("access", received_date=date(2026, 1, 31))
        self.assertEqual(request.deadline, date(2026, 2, 28))
        self.assertTrue(request.name.startswith("DSR/"))
        self.assertEqual(request.state, "new")
        activity = request.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, request.deadline)
        self.assertEqual(activity.user_id, self.env.user)
        # a corrected date of receipt moves the deadline and its to-do
        request.received_date = date(2026, 2, 2)
        self.assertEqual(request.deadline, date(2026, 3, 2))
        self.assertEqual(request.activity_ids.date_deadline, date(2026, 3, 2))

    def test_to_do_speaks_the_language_of_its_responsible(self):
        dpo = self.env.ref("gdpr_compliance.res_users_dpo_demo")
        self.assertEqual(dpo.lang, "it_IT")
        request = self._new_request("access", user_id=dpo.id)
        self.assertEqual(
            request.activity_ids.summary,
            f"Rispondere alla richiesta dell'interessato {request.name}",
        )

    def test_extension_needs_a_reason_and_stops_at_two_months(self):
        today = fields.Date.context_today(self.Request)
        request = self._new_request("access", received_date=today)
        with self.capture_emails() as sent:
            with self.assertRaises(ValidationError):
                request._gdpr_extend(1, "  ")
            self.assertEqual(request.deadline, today + relativedelta(months=1))
            with self.assertRaises(ValidationError):
                request._gdpr_extend(3, "Too many requests this month")
            self.assertEqual(request.extension_months, 0)
            request._gdpr_extend(1, "Complex request across three systems")
            self.assertEqual(request.deadline, today + relativedelta(months=2))
            self.assertEqual(request.activity_ids.date_deadline, request.deadline)
            with self.assertRaises(ValidationError):
                request._gdpr_extend(2, "Still more")
            request._gdpr_extend(1, "Backlog")
        self.assertEqual(request.deadline, today + relativedelta(months=3))
        self.assertIn("Backlog", request.extension_reason)
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0]["To"], "prospect@example.com")
        self.assertIn("Complex request across three systems", self.email_text(sent[0]))
        with self.assertRaises(ValidationError):
            request._gdpr_extend(1, "A third time")

    def test_extension_after_the_deadline_is_refused(self):
        request = self._new_request(
            "access", received_date=date.today() - relativedelta(months=2)
        )
        with self.assertRaisesRegex(ValidationError, "has passed"):
            request._gdpr_extend(1, "Late")
        self.assertEqual(request.extension_months, 0)

    def _filter_domain(self, name):
        arch = self.Request.get_views([(False, "search")])["views"]["search"]["arch"]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")[0]
        return safe_eval(
            node.get("domain"),
            {
                "context_today": lambda: date.today(),
                "relativedelta": relativedelta,
                "uid": self.env.uid,
            },
        )

    def test_overdue_and_due_this_week_filters(self):
        today = date.today()
        overdue = self._new_request(
            "access", received_date=today - relativedelta(months=1, days=1)
        )
        answered_late = self._new_request(
            "access", received_date=today - relativedelta(months=1, days=3)
        )
        answered_late.write({"state": "done"})
        due_soon = self._new_request(
            "access",
            received_date=today - relativedelta(months=1) + relativedelta(days=3),
        )
        fresh = self._new_request("access", received_date=today)
        mine = overdue | answered_late | due_soon | fresh
        found = self.Request.search([("is_overdue", "=", True), ("id", "in", mine.ids)])
        self.assertEqual(found, overdue)
        self.assertTrue(overdue.is_overdue)
        self.assertFalse(answered_late.is_overdue)
        self.assertEqual(
            self.Request.search([("is_overdue", "=", False), ("id", "in", mine.ids)]),
            answered_late | due_soon | fresh,
        )
        for name, expected in (("overdue", overdue), ("due_this_week", due_soon)):
            domain = self._filter_domain(name) + [("id", "in", mine.ids)]
            self.assertEqual(self.Request.search(domain), expected, name)

    def test_identity_before_processing(self):
        request = self._new_request("restriction")
        with self.assertRaisesRegex(UserError, "Verify the identity"):
            request._gdpr_process()
        self.assertFalse(self.prospect.gdpr_restricted)
        unknown = self.Request.create([{"request_type": "access"}])
        with self.assertRaises(UserError):
            unknown._gdpr_verify_identity("known_contact")
        with self.assertRaises(ValidationError):
            request._gdpr_verify_identity("telepathy")
        request._gdpr_verify_identity("id_document")
        self.assertEqual(request.state, "verified")
        self.assertEqual(request.verified_by_id, self.env.user)
        self.assertTrue(self._audit("request", request))

    def test_invalid_requester_email(self):
        with self.assertRaises(ValidationError):
            self.Request.create(
                [{"request_type": "access", "requester_email": "not an address"}]
            )

    def test_rejection_needs_a_reason_and_tells_it(self):
        request = self._new_request("erasure")
        with self.assertRaises(ValidationError):
            request._gdpr_reject("")
        self.assertEqual(request.state, "new")
        with self.capture_emails() as sent:
            request._gdpr_reject("We could not verify your identity.")
        self.assertEqual(request.state, "rejected")
        self.assertFalse(request.activity_ids)
        self.assertIn("could not verify your identity", self.email_text(sent[0]))
        with self.assertRaises(UserError):
            request._gdpr_verify_identity("id_document")


@tagged("post_install", "-at_install")
class TestRequestTypes(RequestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prospect.write(
            {
                "phone": "+39 051 555 1234",
                "city": "Bologna",
                "comment": "Likes walnut kitchens",
                "lang": "en_US",
            }
        )
        cls.prospect._gdpr_record_consent(
            "marketing", "given", "web_form", ip="203.0.113.9"
        )
        cls.lead = cls.Lead.create(
            {
                "name": "Walnut kitchen quote",
                "partner_id": cls.prospect.id,
                "contact_name": "Prospect Person",
                "email_from": "prospect@example.com",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.source_fair.id,
            }
        )

    def test_access_report_content(self):
        request = self._verified("access")
        with self.capture_emails() as sent:
            request._gdpr_process()
            self.assertEqual(request.state, "in_progress")
            request._gdpr_send_answer()
        self.assertEqual(request.state, "done")
        attachment = request.attachment_id
        self.assertTrue(attachment)
        html = attachment.raw.decode()
        for expected in (
            "Your personal data",
            "Prospect Person",
            "prospect@example.com",
            "+39 051 555 1234",
            "Likes walnut kitchens",
            self.source_fair.name,
            "Walnut kitchen quote",
            self.purpose_marketing.name,
            "203.0.113.9",
            "Article 22",
        ):
            self.assertIn(expected, html)
        # categories group the values
        self.assertIn(
            self.env.ref("gdpr_compliance.gdpr_data_category_contact").name, html
        )
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["To"], "prospect@example.com")
        names = [part.get_filename() for part in sent[0].walk() if part.get_filename()]
        self.assertEqual(names, [attachment.name])
        self.assertTrue(self._audit("request", request))

    def test_access_report_pdf_text(self):
        text = self._render_pdf_text(
            "gdpr_compliance.gdpr_access_report", self.prospect.ids
        )
        self.assertIn("Your personal data", text)
        self.assertIn("Prospect Person", text)
        self.assertIn("Walnut kitchen quote", text)

    def test_access_report_in_italian(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["gdpr_compliance"], ["it_IT"], overwrite=True
        )
        self.prospect.lang = "it_IT"
        request = self._verified("access")
        self.assertEqual(request.lang, "it_IT")
        request._gdpr_process()
        html = request.attachment_id.raw.decode()
        self.assertIn("I tuoi dati personali", html)
        self.assertNotIn("Your personal data", html)
        marketing = self.purpose_marketing.with_context(lang="it_IT").name
        self.assertIn(marketing, html)
        with self.capture_emails() as sent:
            request._gdpr_send_answer()
        text = self.email_text(sent[0])
        self.assertIn("Gentile Prospect Person", text)
        self.assertIn("Accesso (art. 15)", text)

    def test_portability_archive_matches_its_schema(self):
        request = self._verified("portability")
        request._gdpr_process()
        archive = zipfile.ZipFile(io.BytesIO(request.attachment_id.raw))
        self.assertEqual(
            set(archive.namelist()),
            {
                "data.json",
                "schema.json",
                "contact.csv",
                "source.csv",
                "consents.csv",
                "processing.csv",
                "leads.csv",
                "subscriptions.csv",
            },
        )
        schema = json.loads(archive.read("schema.json"))
        data = json.loads(archive.read("data.json"))
        jsonschema.validate(data, schema)
        self.assertEqual(data["schema_version"], "1.0")
        self.assertEqual(data["contact"]["email"], "prospect@example.com")
        self.assertEqual(data["leads"][0]["name"], "Walnut kitchen quote")
        self.assertEqual(data["consents"][0]["purpose_code"], "marketing")
        # what the person provided, not what we inferred
        self.assertNotIn("Likes walnut kitchens", archive.read("data.json").decode())
        for name in ("contact", "consents", "leads"):
            rows = list(
                csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode()))
            )
            spec = schema["properties"][name]
            spec = spec.get("items", spec)
            self.assertEqual(list(rows[0]), list(spec["properties"]))
        # a broken export does not pass the schema
        broken = dict(data, contact=dict(data["contact"], nickname="x"))
        with self.assertRaises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)

    def test_rectification_logs_old_and_new_encrypted(self):
        request = self._verified("rectification")
        action = request.action_process()
        wizard = self.env["gdpr.rectification.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.email, "prospect@example.com")
        with Form(wizard) as form:
            form.email = "prospect.new@example.com"
            form.city = "Modena"
        wizard.action_confirm()
        self.assertEqual(self.prospect.email, "prospect.new@example.com")
        self.assertEqual(self.prospect.city, "Modena")
        self.assertEqual(request.state, "in_progress")
        entry = self._audit("rectification")
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.changed_fields, "city, email")
        self.assertEqual(entry.subject_keys, self.prospect._gdpr_pseudonym())
        self.assertNotIn("prospect@example.com", entry.changes_encrypted)
        self.assertIn(
            "prospect@example.com → prospect.new@example.com", entry.changes_display
        )
        self.assertIn("Bologna → Modena", entry.changes_display)
        # the chatter does not keep the old address
        self.assertFalse(
            self.env["mail.tracking.value"].search(
                [("old_value_char", "=", "prospect@example.com")]
            )
        )
        with self.assertRaisesRegex(UserError, "Nothing to rectify"):
            self.prospect._gdpr_rectify({"city": "Modena"})
        with self.assertRaises(UserError):
            self.prospect._gdpr_rectify({"vat": "IT000"})
        # after erasure the old values cannot be read any more
        self.AuditLog._gdpr_forget_subjects(self.prospect)
        entry.invalidate_recordset()
        self.assertIn("erased", entry.changes_display)
        self.assertNotIn("Bologna", entry.changes_display)

    def test_restriction_blocks_processing(self):
        self.assertTrue(self.prospect._gdpr_can_process("marketing")[0])
        request = self._verified("restriction")
        request._gdpr_process()
        self.assertTrue(self.prospect.gdpr_restricted)
        allowed, reason = self.prospect._gdpr_can_process("marketing")
        self.assertFalse(allowed)
        self.assertIn("restricted", reason)
        self.assertFalse(self.prospect._gdpr_can_process("sales_followup")[0])
        self.assertTrue(self._audit("restriction"))
        with self.assertRaises(UserError):
            self.prospect.with_user(self.user_sales)._gdpr_lift_restriction()
        self.prospect.with_user(self.user_dpo).action_gdpr_lift_restriction()
        self.assertFalse(self.prospect.gdpr_restricted)

    def test_objection_withdraws_marketing_and_profiling(self):
        self.prospect._gdpr_record_consent("profiling", "given", "web_form")
        request = self._verified("objection")
        request._gdpr_process()
        for code in ("marketing", "profiling"):
            purpose = self.env["gdpr.purpose"]._gdpr_get(code)
            self.assertEqual(self.prospect._gdpr_consent_state(purpose), "withdrawn")
            self.assertFalse(self.prospect._gdpr_can_process(code)[0])
        last = self.prospect.gdpr_consent_event_ids.sorted("sequence")[-1]
        self.assertEqual(last.channel, "request")
        self.assertIn(request.name, last.evidence)
        self.assertIn(self.purpose_marketing.name, request.answer_note)

    def test_erasure_answers_then_leaves_no_trace(self):
        person = self.Partner.create(
            {
                "name": "Ottavia Quercioli",
                "email": "ottavia.q@example.net",
                "phone": "+39 347 111 2299",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        self.Lead.create(
            {
                "name": "Ottavia Quercioli wardrobe",
                "partner_id": person.id,
                "email_from": "ottavia.q@example.net",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        old_access = self._verified("access", person)
        old_access._gdpr_process()
        key = person._gdpr_pseudonym()
        request = self._verified("erasure", person, description="Please erase me")
        with self.capture_emails() as sent:
            request.with_user(self.user_dpo)._gdpr_process()
            # queued, not sent within the transaction that erased
            self.assertFalse(sent)
            self.assertFalse(person.exists())
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["To"], "ottavia.q@example.net")
        self.assertIn("We erased all your personal data", self.email_text(sent[0]))
        self.assertIn("Ottavia Quercioli", self.email_text(sent[0]))
        self.assertEqual(request.state, "done")
        self.assertEqual(request.subject_key, key)
        self.assertFalse(request.requester_email)
        self.assertFalse(request.verified_email)
        self.assertFalse(old_access.sudo().attachment_id)
        # once the answer went (auto-deleted), nothing of the person is left
        self.assertEqual(
            tables_containing(
                self.env, "Ottavia Quercioli", "ottavia.q@example.net", "347 111 2299"
            ),
            set(),
        )
        self.assertIn(key, self._audit("erasure").mapped("subject_keys")[0])

    def test_refused_erasure_tells_nobody_but_the_dpo(self):
        """The system refuses to erase a user of the database: the person is
        told nothing (no email, not even queued), the DPO reads why on the
        request, and the request can be carried out once the cause is gone."""
        user = new_test_user(
            self.env, login="gdpr_erasure_user", email="user.person@example.org"
        )
        person = user.partner_id
        person.write({"gdpr_legal_basis": "contract"})
        request = self._verified("erasure", person)
        mails_before = self.env["mail.mail"].sudo().search_count([])
        with self.capture_emails() as sent:
            done = request.with_user(self.user_dpo)._gdpr_process()
        self.assertFalse(done)
        self.assertFalse(sent)
        self.assertEqual(self.env["mail.mail"].sudo().search_count([]), mails_before)
        self.assertEqual(request.state, "verified")
        self.assertFalse(request.processed_date)
        self.assertFalse(request.answer_note)
        self.assertIn("user account", request.blocked_reason)
        self.assertIn("user account", request.message_ids[0].body)
        self.assertEqual(person.email, "user.person@example.org")
        self.assertTrue(
            self._audit("request", request).filtered(
                lambda entry: "refused" in entry.description
            )
        )
        # the cause removed, the same request goes through and says so
        user.unlink()
        with self.capture_emails() as sent:
            self.assertTrue(request.with_user(self.user_dpo)._gdpr_process())
        self.assertFalse(request.blocked_reason)
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["To"], "user.person@example.org")

    def test_only_handlers_carry_out_an_erasure(self):
        request = self._verified("erasure")
        with self.capture_emails() as sent, self.assertRaises(AccessError):
            request.with_user(self.user_sales)._gdpr_process()
        self.assertFalse(sent)
        self.assertEqual(request.state, "verified")
        self.assertEqual(self.prospect.email, "prospect@example.com")

    def test_erasure_under_legal_hold_says_what_is_kept(self):
        person = self.Partner.create(
            {
                "name": "Tullio Bernasconi",
                "email": "tullio.b@example.net",
                "vat": "IT12345670017",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        self.env["gdpr.legal.hold"].create(
            {"partner_id": person.id, "reason": "Pending litigation 42/2026"}
        )
        request = self._verified("erasure", person)
        with self.capture_emails() as sent:
            request._gdpr_process()
        self.assertIn("Pending litigation 42/2026", self.email_text(sent[0]))
        self.assertIn("Pending litigation 42/2026", request.answer_note)
        self.assertTrue(person.exists())
        self.assertTrue(person.gdpr_restricted)
        self.assertEqual(person.vat, "IT12345670017")
        self.assertFalse(person.email)

    def test_types_needing_a_contact(self):
        request = self.Request.create(
            [{"request_type": "erasure", "requester_email": "who@example.org"}]
        )
        # without a contact, only the link mailed to the address verifies it
        with self.assertRaisesRegex(UserError, "Link request"):
            request._gdpr_verify_identity("known_contact")
        request._gdpr_verify_identity("email_link", confirmed_email="who@example.org")
        with self.assertRaisesRegex(UserError, "Link request"):
            request._gdpr_process()
        access = self.Request.create(
            [{"request_type": "access", "requester_email": "who@example.org"}]
        )
        access._gdpr_verify_identity("email_link", confirmed_email="who@example.org")
        access._gdpr_process()
        self.assertIn("no personal data", access.answer_note)
        with self.capture_emails() as sent:
            access._gdpr_send_answer()
        self.assertIn("no personal data", self.email_text(sent[0]))

    def test_answer_needs_processing(self):
        request = self._verified("portability")
        with self.assertRaisesRegex(UserError, "Carry out"):
            request._gdpr_send_answer()


@tagged("post_install", "-at_install")
class TestRequestAccess(RequestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_sales = new_test_user(
            cls.env,
            login="gdpr_test_other_sales",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            name="Other Salesman",
        )
        cls.others_customer = cls.Partner.create(
            {
                "name": "Someone Else's Customer",
                "email": "else@example.com",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": cls.source_phone.id,
                "user_id": cls.other_sales.id,
            }
        )
        # both handled by the DPO: what the salesperson sees follows the contact
        cls.own_request, cls.foreign_request = cls.Request.create(
            [
                {
                    "request_type": "access",
                    "partner_id": partner.id,
                    "user_id": cls.user_dpo.id,
                }
                for partner in (cls.prospect, cls.others_customer)
            ]
        )

    def test_salesperson_sees_requests_of_their_contacts_only(self):
        Request = self.Request.with_user(self.user_sales)
        visible = Request.search([])
        self.assertIn(self.own_request, visible)
        self.assertNotIn(self.foreign_request, visible)
        with self.assertRaises(AccessError):
            self.foreign_request.with_user(self.user_sales).read(["name"])
        self.assertEqual(
            Request.search_count([("id", "=", self.foreign_request.id)]), 0
        )
        groups = Request.read_group([], ["request_type"], ["request_type"])
        self.assertEqual(sum(g["request_type_count"] for g in groups), len(visible))
        with self.assertRaises(AccessError):
            self.foreign_request.with_user(self.user_sales).write({"description": "x"})
        with self.assertRaises(AccessError):
            self.own_request.with_user(self.user_sales).unlink()

    def test_dpo_sees_all_and_only_dpo_reads_the_log(self):
        Request = self.Request.with_user(self.user_dpo)
        self.assertIn(self.foreign_request, Request.search([]))
        self.assertTrue(self.env["gdpr.audit.log"].with_user(self.user_dpo).search([]))
        with self.assertRaises(AccessError):
            self.env["gdpr.audit.log"].with_user(self.user_sales).search([])

    def test_views_open_for_each_role(self):
        for user in (self.user_sales, self.user_dpo):
            Request = self.Request.with_user(user)
            views = Request.get_views(
                [(False, "list"), (False, "form"), (False, "kanban"), (False, "search")]
            )
            # the workflow's buttons are for whoever handles requests
            self.assertEqual(
                "action_process" in views["views"]["form"]["arch"],
                user == self.user_dpo,
            )
            self.assertTrue(Request.search_read([], ["name", "deadline", "state"]))
            action = self.prospect.with_user(user).action_gdpr_requests()
            self.assertEqual(action["domain"], [("partner_id", "=", self.prospect.id)])
        wizard_views = (
            self.env["gdpr.rectification.wizard"]
            .with_user(self.user_dpo)
            .get_views([(False, "form")])
        )
        self.assertIn("action_confirm", wizard_views["views"]["form"]["arch"])
        form = (
            self.env["res.partner"]
            .with_user(self.user_sales)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("action_gdpr_lift_restriction", form)
        self.assertNotIn("gdpr_subject_key", form)
