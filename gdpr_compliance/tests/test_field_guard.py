# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each leak found by trying the doors as every demo role, closed: hidden
fields through paths and names, bank accounts, records outside one's scope,
client context keys and the audit of reads whatever the door."""

import json
from xmlrpc.client import Fault

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.gdpr_legal_basis_mixin import with_origin
from .common import call_kw, execute_kw
from .test_field_access import FieldAccessCommon

REFUSED_FIELDS = "Your role does not give access"


@tagged("post_install", "-at_install")
class TestFieldGuard(HttpCase, FieldAccessCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fabbri = cls.Partner.create(
            {
                "name": "Fabbri Probe Mobili S.r.l.",
                "is_company": True,
                "vat": "IT07654321098",
            }
        )
        cls.buyer = cls.Partner.create(
            {
                "name": "Ugo Buyer",
                "parent_id": cls.fabbri.id,
                "user_id": cls.sales_a.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": cls.source_phone.id,
            }
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {"partner_id": cls.p_a.id, "acc_number": "IT60X0542811101000000123456"}
        )

    def _login(self, user):
        self.authenticate(user.login, f"{user.login}-pw-2026")

    def _error(self, answer):
        self.assertIn("error", answer, answer)
        return answer["error"]["data"]["message"]

    # ------------------------------------------------------------------
    # VAT through names and paths
    # ------------------------------------------------------------------

    def test_show_vat_leaves_the_vat_out_of_names(self):
        for user in (self.sales_a, self.marketing):
            self._login(user)
            names = call_kw(
                self,
                "res.partner",
                "name_search",
                "Fabbri Probe",
                context={"show_vat": True},
            )["result"]
            self.assertIn([self.fabbri.id, "Fabbri Probe Mobili S.r.l."], names)
            self.assertNotIn("IT07654321098", json.dumps(names))
            rows = call_kw(
                self,
                "res.partner",
                "read",
                self.fabbri.ids,
                ["display_name"],
                context={"show_vat": True},
            )["result"]
            self.assertNotIn("IT07654321098", rows[0]["display_name"])
            # nor through a many2one's name read by the web client
            rows = call_kw(
                self,
                "res.partner",
                "web_read",
                self.buyer.ids,
                {
                    "parent_id": {
                        "fields": {"display_name": {}},
                        "context": {"show_vat": True},
                    }
                },
            )["result"]
            self.assertNotIn("IT07654321098", json.dumps(rows))
        # a role that sees financial data keeps Odoo's behaviour
        self._login(self.back_office)
        names = call_kw(
            self,
            "res.partner",
            "name_search",
            "Fabbri Probe",
            context={"show_vat": True},
        )["result"]
        self.assertIn(
            [self.fabbri.id, "Fabbri Probe Mobili S.r.l. ‒ IT07654321098"], names
        )

    def test_a_form_change_brings_no_hidden_value(self):
        # a salesperson "all documents" sees a colleague's lead, not its
        # revenue: changing the probability must not compute it for them
        colleague = new_test_user(
            self.env,
            login="gdpr_guard_sales_all",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        self.team_a.member_ids = [(4, colleague.id)]
        self.l_a.expected_revenue = 12345
        spec = {"probability": {}, "prorated_revenue": {}, "expected_revenue": {}}
        answer = self.l_a.with_user(colleague).onchange(
            {"probability": 50}, ["probability"], spec
        )
        self.assertNotIn("6172.5", json.dumps(answer, default=str))
        answer = self.l_a.with_user(self.manager).onchange(
            {"probability": 50}, ["probability"], spec
        )
        self.assertEqual(answer["value"]["prorated_revenue"], 6172.5)

    def test_copies_translations_and_progress_bars_keep_hidden_fields(self):
        self._login(self.sales_a)
        rows = call_kw(self, "res.partner", "copy_data", self.p_a.ids)["result"]
        self.assertEqual(rows[0]["name"], "Anselmo Of A (copy)")
        self.assertNotIn("IT12345670017", json.dumps(rows))
        for field in ("vat", "comment", "category_id"):
            self.assertNotIn(field, rows[0])
        answer = call_kw(
            self, "res.partner", "get_field_translations", self.p_a.ids, "comment"
        )
        self.assertIn(REFUSED_FIELDS, self._error(answer))
        answer = call_kw(
            self,
            "res.partner",
            "read_progress_bar",
            [],
            "user_id",
            {"field": "vat", "colors": {}},
        )
        self.assertIn(REFUSED_FIELDS, self._error(answer))
        # Odoo's own copy keeps the data
        copy = self.p_a.with_user(self.sales_a).copy()
        self.assertEqual(copy.sudo().vat, "IT12345670017")
        # the DPO copies everything
        self._login(self.dpo)
        rows = call_kw(self, "res.partner", "copy_data", self.p_a.ids)["result"]
        self.assertEqual(rows[0]["vat"], "IT12345670017")

    def test_the_chatter_shows_no_hidden_change(self):
        colleague = new_test_user(
            self.env,
            login="gdpr_guard_sales_tracking",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        self.team_a.member_ids = [(4, colleague.id)]
        # what Odoo's tracking writes when the revenue and the salesperson
        # of a lead change
        message = self.l_a.message_post(body="Updated", message_type="notification")
        Fields = self.env["ir.model.fields"]
        trackings = (
            self.env["mail.tracking.value"]
            .sudo()
            .create(
                [
                    {
                        "mail_message_id": message.id,
                        "field_id": Fields._get("crm.lead", "expected_revenue").id,
                        "old_value_float": 12000,
                        "new_value_float": 4321,
                    },
                    {
                        "mail_message_id": message.id,
                        "field_id": Fields._get("crm.lead", "user_id").id,
                        "old_value_char": "A",
                        "new_value_char": "B",
                    },
                ]
            )
        )
        shown = trackings._filter_has_field_access(self.env(user=colleague))
        self.assertNotIn("expected_revenue", shown.field_id.mapped("name"))
        self.assertIn("user_id", shown.field_id.mapped("name"))
        shown = trackings._filter_has_field_access(self.env(user=self.manager))
        self.assertIn("expected_revenue", shown.field_id.mapped("name"))
        # the notification email, one rendering for every follower, shows
        # only what every role may see, even when the manager wrote it
        lead = self.l_a.with_user(self.manager)
        changed = [
            name
            for name, _old, _new in lead._notify_by_email_prepare_rendering_context(
                message
            )["tracking_values"]
        ]
        self.assertEqual(changed, [lead._fields["user_id"].string])
        summary = lead._generate_tracking_message(message)
        self.assertNotIn("4321", summary)
        self.assertIn(lead._fields["user_id"].string, summary)

    def test_autocomplete_does_not_find_by_a_hidden_vat(self):
        Partner = self.Partner.with_user(self.sales_a)
        self.assertFalse(Partner.name_search("IT0765432"))
        self.assertTrue(Partner.name_search("Fabbri Probe"))
        self.assertEqual(
            self.Partner.with_user(self.back_office).name_search("IT0765432")[0][0],
            self.fabbri.id,
        )

    def test_a_path_is_no_oracle_for_a_hidden_field(self):
        self._login(self.sales_a)
        for method, args, kwargs in (
            ("search_count", [[("commercial_partner_id.vat", "=like", "IT0%")]], {}),
            ("search_read", [[("parent_id.vat", "=like", "IT0%")], ["name"]], {}),
            ("search", [[("parent_id", "any", [("vat", "=like", "IT0%")])]], {}),
            ("search", [[("parent_id.bank_ids.acc_number", "!=", False)]], {}),
            ("search_read", [[], ["name"]], {"order": "vat"}),
            ("read_group", [[], ["__count"], ["vat"]], {}),
            ("read_group", [[("child_ids.comment", "!=", False)], ["__count"], []], {}),
            ("web_search_read", [[("parent_id.vat", "!=", False)], {"name": {}}], {}),
            ("web_read_group", [[], ["__count"], ["vat"]], {}),
        ):
            answer = call_kw(self, "res.partner", method, *args, **kwargs)
            self.assertIn(REFUSED_FIELDS, self._error(answer), (method, args))
            self.assertNotIn("IT07654321098", json.dumps(answer))
        # from another model too: a lead's contact's VAT
        answer = call_kw(
            self, "crm.lead", "search_count", [("partner_id.vat", "!=", False)]
        )
        self.assertIn(REFUSED_FIELDS, self._error(answer))
        # named as the user sees the field, not by its technical name
        self.assertIn("Contact: Tax ID", self._error(answer))
        self.assertNotIn("res.partner", self._error(answer))
        # a user's VAT is their contact's
        answer = call_kw(self, "res.users", "search_read", [], ["vat"])
        self.assertIn(REFUSED_FIELDS, self._error(answer))
        # an export through a path, by a role that may export
        self._login(self.marketing)
        answer = call_kw(
            self, "res.partner", "export_data", self.buyer.ids, ["parent_id/vat"]
        )
        self.assertIn(REFUSED_FIELDS, self._error(answer))
        # the paths the role may see keep working
        count = call_kw(
            self,
            "res.partner",
            "search_count",
            [("parent_id.name", "ilike", "Fabbri Probe")],
        )["result"]
        self.assertEqual(count, 1)

    def test_the_export_dialog_lists_only_visible_fields(self):
        def listed(user, **params):
            self._login(user)
            fields = self.make_jsonrpc_request(
                "/web/export/get_fields",
                {"model": "res.partner", "domain": [], **params},
            )
            return {field["id"] for field in fields}

        self.assertIn("vat", listed(self.dpo))
        for params in ({}, {"import_compat": False}):
            offered = listed(self.marketing, **params)
            self.assertIn("name", offered)
            self.assertNotIn("vat", offered)
        # nor under a relation the dialog expands
        offered = listed(
            self.marketing,
            prefix="parent_id",
            parent_name="Related Company",
            import_compat=False,
        )
        self.assertIn("parent_id/name", offered)
        self.assertNotIn("parent_id/vat", offered)

    # ------------------------------------------------------------------
    # Bank accounts
    # ------------------------------------------------------------------

    def test_bank_account_numbers_are_financial(self):
        for user in (self.sales_a, self.agent, self.marketing):
            Bank = self.env["res.partner.bank"].with_user(user)
            account = Bank.browse(self.bank.id)
            if user == self.agent:
                # and the agent does not see the holder at all
                with self.assertRaises(AccessError):
                    account.read(["partner_id"])
                continue
            self.assertNotIn("123456", account.display_name)
            self.assertFalse(account.web_read({"acc_number": {}})[0]["acc_number"])
            self.assertFalse(Bank.name_search("IT60X"))
        back_office = self.bank.with_user(self.back_office)
        self.assertIn("123456", back_office.display_name)
        self._login(self.marketing)
        for method, args in (
            ("read", [self.bank.ids, ["acc_number"]]),
            ("search_read", [[], ["acc_number"]]),
            ("search_count", [[("acc_number", "=like", "IT60%")]]),
            ("read_group", [[], ["__count"], ["acc_number"]]),
        ):
            answer = call_kw(self, "res.partner.bank", method, *args)
            self.assertIn(REFUSED_FIELDS, self._error(answer), method)
        self._login(self.back_office)
        rows = call_kw(self, "res.partner.bank", "read", self.bank.ids, ["acc_number"])
        self.assertEqual(rows["result"][0]["acc_number"], self.bank.acc_number)

    # ------------------------------------------------------------------
    # Scope of the person a record is about
    # ------------------------------------------------------------------

    def test_requests_consents_and_audit_follow_the_person(self):
        teammate = new_test_user(
            self.env,
            login="gdpr_guard_teammate",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        self.team_a.member_ids = [(4, teammate.id)]
        theirs = self.Partner.create(
            {
                "name": "Teodora Of Teammate",
                "email": "teodora@example.org",
                "user_id": teammate.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_phone.id,
            }
        )
        request = self.env["gdpr.request"].create(
            {"request_type": "access", "partner_id": theirs.id}
        )

        def event_model(user):
            return self.env["gdpr.consent.event"].with_user(user)

        own_request = self.env["gdpr.request"].create(
            {"request_type": "access", "partner_id": self.p_a.id}
        )
        Request = self.env["gdpr.request"].with_user(self.sales_a)
        self.assertEqual(
            Request.search([("id", "in", (request | own_request).ids)]), own_request
        )
        with self.assertRaises(AccessError):
            request.with_user(self.sales_a).read(["partner_id"])
        # the teammate and the sales manager of the team see it
        self.assertTrue(request.with_user(teammate).read(["partner_id"]))
        self.assertTrue(request.with_user(self.manager).read(["partner_id"]))
        # a consent collected on a lead without contact goes with the lead
        lead_event = self.l_team_a._gdpr_record_consent("marketing", "given", "phone")
        self.assertFalse(lead_event.partner_id)
        self.assertTrue(event_model(self.sales_a).search([("id", "=", lead_event.id)]))
        self.assertFalse(event_model(self.sales_b).search([("id", "=", lead_event.id)]))
        # the agent sees nobody else's consents; nobody in sales reads the
        # audit log
        Event = self.env["gdpr.consent.event"]
        for user in (self.sales_a, self.agent):
            events = Event.with_user(user).search([])
            self.assertFalse(
                events.filtered(lambda event: not (event.partner_id or event.lead_id))
            )
            self.assertFalse(
                events.partner_id - self.Partner.with_user(user).search([])
            )
            with self.assertRaises(AccessError):
                self.env["gdpr.audit.log"].with_user(user).search([])

    def test_external_agent_sees_only_what_is_assigned(self):
        Partner = self.Partner.with_user(self.agent)
        colleagues = (self.sales_a | self.sales_b | self.manager).partner_id
        self.assertFalse(Partner.search([("id", "in", colleagues.ids)]))
        with self.assertRaises(AccessError):
            self.sales_a.partner_id.with_user(self.agent).read(["name"])
        self.assertEqual(Partner.search([("id", "in", self.people.ids)]), self.p_agent)
        # their own contact and their company's stay visible
        self.assertTrue(Partner.search([("id", "=", self.agent.partner_id.id)]))
        self.assertTrue(Partner.search([("id", "=", self.env.company.partner_id.id)]))

    # ------------------------------------------------------------------
    # Client context keys and the legal basis
    # ------------------------------------------------------------------

    def test_client_context_never_relaxes_the_legal_basis(self):
        self._set_strict()
        contexts = [
            {"gdpr_origin": "import"},
            {"gdpr_origin": "import", "gdpr_basis_to_review": False},
            {"gdpr_origin": "user", "default_gdpr_basis_to_review": False},
        ]
        self._login(self.sales_a)
        for index, context in enumerate(contexts):
            name = f"Client Origin {index}"
            answer = call_kw(
                self,
                "res.partner",
                "create",
                {"name": name, "gdpr_basis_to_review": False},
                context=context,
            )
            self.assertIn("Legal basis", self._error(answer))
            answer = execute_kw(
                self,
                self.sales_a.id,
                f"{self.sales_a.login}-pw-2026",
                "res.partner",
                "create",
                {"name": name},
                kwargs={"context": context},
            )
            self.assertIn("Legal basis", self._error(answer))
            with self.assertRaises(Fault) as caught:
                self.xmlrpc_object.execute_kw(
                    self.env.cr.dbname,
                    self.sales_a.id,
                    f"{self.sales_a.login}-pw-2026",
                    "res.partner",
                    "create",
                    [{"name": name}],
                    {"context": context},
                )
            self.assertIn("Legal basis", caught.exception.faultString)
            self.assertFalse(self.Partner.search([("name", "=", name)]))
        # Odoo's own flows still declare their origin
        user = self.env["res.users"].create({"name": "New Hire", "login": "new_hire"})
        self.assertTrue(user.partner_id.gdpr_basis_to_review)

    def test_basis_to_review_ends_with_a_basis_or_the_dpo(self):
        flagged = (
            with_origin(self.Partner, "test")
            .create({"name": "Flagged Person", "user_id": self.sales_a.id})
            .with_env(self.env)
        )
        self.assertTrue(flagged.gdpr_basis_to_review)
        self._login(self.sales_a)
        answer = call_kw(
            self, "res.partner", "write", flagged.ids, {"gdpr_basis_to_review": False}
        )
        self.assertIn("Set a legal basis", self._error(answer))
        flagged.invalidate_recordset()
        self.assertTrue(flagged.gdpr_basis_to_review)
        with self.assertRaises(ValidationError):
            flagged.with_user(self.sales_a).write({"gdpr_basis_to_review": False})
        # the DPO may, and the audit log says so
        AuditLog = self.env["gdpr.audit.log"].sudo()
        flagged.with_user(self.dpo).write({"gdpr_basis_to_review": False})
        self.assertFalse(flagged.gdpr_basis_to_review)
        entry = AuditLog.search([("action", "=", "basis_review")], limit=1)
        self.assertEqual(entry.user_id, self.dpo)
        self.assertEqual(entry.subject_keys, flagged._gdpr_pseudonym())
        # setting the basis and the source ends it for anybody
        other = (
            with_origin(self.Partner, "test")
            .create({"name": "Other Flagged", "user_id": self.sales_a.id})
            .with_env(self.env)
        )
        other.with_user(self.sales_a).write(
            {"gdpr_legal_basis": "contract", "gdpr_source_id": self.source_phone.id}
        )
        self.assertFalse(other.gdpr_basis_to_review)

    # ------------------------------------------------------------------
    # Audit of reads and exports, whatever the door
    # ------------------------------------------------------------------

    def test_bulk_reads_are_audited_at_every_door(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "gdpr_compliance.audit_bulk_read_threshold", "10"
        )
        many = self.Partner.create(
            [
                {
                    "name": f"Bulk Person {index:02d}",
                    "gdpr_legal_basis": "contract",
                    "gdpr_source_id": self.source_phone.id,
                }
                for index in range(25)
            ]
        )
        AuditLog = self.env["gdpr.audit.log"].sudo()
        password = f"{self.dpo.login}-pw-2026"
        domain = [("id", "in", many.ids)]
        self._login(self.dpo)

        def xmlrpc(method, *args, **kwargs):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                self.dpo.id,
                password,
                "res.partner",
                method,
                list(args),
                kwargs,
            )

        doors = {
            "web read": lambda: call_kw(
                self, "res.partner", "read", many.ids, ["name"]
            ),
            "web search_read": lambda: call_kw(
                self, "res.partner", "search_read", domain, ["name"]
            ),
            "web web_search_read": lambda: call_kw(
                self, "res.partner", "web_search_read", domain, {"name": {}}
            ),
            "web read_group": lambda: call_kw(
                self, "res.partner", "read_group", domain, ["__count"], ["name"]
            ),
            "web web_read_group": lambda: call_kw(
                self, "res.partner", "web_read_group", domain, ["__count"], ["name"]
            ),
            "web name_search": lambda: call_kw(
                self, "res.partner", "name_search", "Bulk Person", limit=100
            ),
            "jsonrpc read": lambda: execute_kw(
                self, self.dpo.id, password, "res.partner", "read", many.ids, ["name"]
            ),
            "jsonrpc search_read": lambda: execute_kw(
                self, self.dpo.id, password, "res.partner", "search_read", domain
            ),
            "xmlrpc read": lambda: xmlrpc("read", many.ids, ["name"]),
            "xmlrpc search_read": lambda: xmlrpc("search_read", domain, ["name"]),
            "xmlrpc read_group": lambda: xmlrpc(
                "read_group", domain, ["__count"], [], lazy=False
            ),
            "xmlrpc name_search": lambda: xmlrpc("name_search", "Bulk Person"),
        }
        for door, call in doors.items():
            before = AuditLog.search_count([])
            call()
            entries = AuditLog.search([], order="sequence desc", limit=1)
            self.assertEqual(AuditLog.search_count([]) - before, 1, door)
            self.assertEqual(entries.action, "bulk_read", door)
            self.assertEqual(entries.user_id, self.dpo, door)
            self.assertIn(": 25 records", entries.description, door)
        # a small read is not logged
        before = AuditLog.search_count([])
        call_kw(self, "res.partner", "read", many[:3].ids, ["name"])
        self.assertEqual(AuditLog.search_count([]), before)

    def test_exports_follow_the_role_and_are_audited(self):
        allowed = {
            self.manager: True,
            self.marketing: True,
            self.back_office: True,
            self.dpo: True,
            self.sales_a: False,
            self.agent: False,
        }
        AuditLog = self.env["gdpr.audit.log"].sudo()
        demo = self.env["res.users"].search(
            [("login", "in", ("gdpr_manager", "gdpr_backoffice", "gdpr_dpo"))]
        )
        for user in demo:
            self.assertTrue(user.has_group("base.group_allow_export"), user.login)
        for user, may in allowed.items():
            # the roles' own groups grant it (the test users get no extra group)
            user.groups_id = [(3, self.env.ref("base.group_allow_export").id)]
            user.invalidate_recordset()
            self.env.registry.clear_cache()
            partners = self.Partner.with_user(user).search(
                [("id", "in", self.people.ids)]
            )
            if not may:
                with self.assertRaises(UserError):
                    partners.export_data(["name"])
                continue
            before = AuditLog.search_count([("action", "=", "export")])
            partners.export_data(["name"])
            self.assertEqual(
                AuditLog.search_count([("action", "=", "export")]) - before, 1
            )
        # every model with classified fields is audited: bank accounts too
        self.bank.with_user(self.back_office).export_data(["acc_number"])
        entry = AuditLog.search(
            [("action", "=", "export")], order="sequence desc", limit=1
        )
        self.assertIn("res.partner.bank", entry.description)
        self.assertEqual(entry.user_id, self.back_office)
