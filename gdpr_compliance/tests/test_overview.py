# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import timedelta
from unittest.mock import patch
from xmlrpc.client import Fault

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.base.controllers.rpc import RPC_FAULT_CODE_ACCESS_ERROR

from ..models import gdpr_overview
from .common import ConsentCommon, call_kw


class OverviewCommon(ConsentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # as the demo DPO: the leads' tiles show to who may read leads
        cls.user_dpo.groups_id = [
            (4, cls.env.ref("sales_team.group_sale_salesman_all_leads").id)
        ]
        cls.Overview = cls.env["gdpr.overview"].with_user(cls.user_dpo)
        cls.Hold = cls.env["gdpr.legal.hold"]
        cls.today = fields.Date.context_today(cls.Overview)

    def _tile(self, key):
        """The tile as the web client receives it."""
        for section in self.Overview.get_overview()["sections"]:
            for tile in section["tiles"]:
                if tile["key"] == key:
                    return tile
        self.fail(f"no tile {key}")

    def _value(self, key):
        return self._tile(key)["value"]

    def _opened(self, key):
        """The records the tile opens, searched as the web client would."""
        action = self.Overview.action_open_tile(key)
        # the action travels as JSON: dates are strings, no record sets
        json.dumps(action)
        records = (
            self.env[action["res_model"]]
            .with_user(self.user_dpo)
            .with_context(**action.get("context", {}))
        )
        return records.search(action["domain"])

    def _person(self, name, **vals):
        return self.Partner.create(
            {
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}@example.com",
                "gdpr_legal_basis": "legitimate_interest",
                "gdpr_source_id": self.source_fair.id,
                **vals,
            }
        )


@tagged("post_install", "-at_install")
class TestOverviewTiles(OverviewCommon):
    def test_counts_stop_where_odoo_lists_stop(self):
        self._set_strict(partner=False)
        self.Partner.create([{"name": f"Uncounted {index}"} for index in range(3)])
        tile = self._tile("partner_no_basis")
        self.assertFalse(tile["more"])
        with patch.object(gdpr_overview, "COUNT_LIMIT", 2):
            tile = self._tile("partner_no_basis")
        self.assertEqual((tile["value"], tile["more"]), (2, True))

    def test_contacts_without_basis_and_to_review(self):
        no_basis, to_review = (
            self._value("partner_no_basis"),
            self._value("partner_to_review"),
        )
        self._set_strict(partner=False)
        missing = self.Partner.create(
            [{"name": "No Basis One"}, {"name": "No Basis Two"}]
        )
        self.Partner.create({"name": "Company Without Basis", "is_company": True})
        self._person("Basis Given")
        self.assertEqual(self._value("partner_no_basis"), no_basis + 2)
        self.assertEqual(self._value("partner_to_review"), to_review + 2)
        self.assertEqual(self._tile("partner_no_basis")["level"], "danger")
        opened = self._opened("partner_no_basis")
        self.assertEqual(len(opened), no_basis + 2)
        self.assertLessEqual(missing, opened)
        self.assertLessEqual(missing, self._opened("partner_to_review"))

        missing[0].write(
            {"gdpr_legal_basis": "contract", "gdpr_source_id": self.source_fair.id}
        )
        self.assertEqual(self._value("partner_no_basis"), no_basis + 1)
        self.assertEqual(self._value("partner_to_review"), to_review + 1)

    def test_leads_without_basis_or_consent(self):
        no_basis = self._value("lead_no_basis")
        no_consent = self._value("lead_no_consent")
        self._set_strict(lead=False)
        Lead = self.Lead.with_context(tracking_disable=True)
        bare = Lead.create({"name": "Lead without basis"})
        alone = Lead.create(
            {
                "name": "Consent lead alone",
                "email_from": "alone@example.com",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        person = self._person("Lead Person", gdpr_legal_basis="consent")
        linked = Lead.create(
            {
                "name": "Consent lead of a contact",
                "partner_id": person.id,
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        Lead.create(
            {
                "name": "Lead on contract",
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": self.source_fair.id,
            }
        )
        self.assertEqual(self._value("lead_no_basis"), no_basis + 1)
        self.assertIn(bare, self._opened("lead_no_basis"))
        self.assertEqual(self._value("lead_no_consent"), no_consent + 2)
        self.assertLessEqual(alone | linked, self._opened("lead_no_consent"))
        self.assertEqual((alone | linked).mapped("gdpr_consent_missing"), [True] * 2)

        # a consent given on the lead itself, then on the contact's ledger
        alone._gdpr_record_consent("marketing", "given", "web_form")
        self._record(person)
        self.assertEqual(self._value("lead_no_consent"), no_consent)
        self.assertFalse(self._opened("lead_no_consent") & (alone | linked))
        (alone | linked).invalidate_recordset()
        self.assertEqual((alone | linked).mapped("gdpr_consent_missing"), [False] * 2)
        # withdrawing on the lead counts it again
        alone._gdpr_record_consent("marketing", "withdrawn", "email")
        self.assertEqual(self._value("lead_no_consent"), no_consent + 1)
        self.assertIn(alone, self.Lead.search([("gdpr_consent_missing", "!=", False)]))
        with self.assertRaises(UserError):
            self.Lead.search([("gdpr_consent_missing", "in", [True])])

    def test_requests_open_due_soon_and_overdue(self):
        before = {
            key: self._value(key)
            for key in ("request_open", "request_due_soon", "request_overdue")
        }
        Request = self.env["gdpr.request"]

        def received(days_before_deadline):
            # the deadline is one month after receipt (Art. 12(3))
            deadline = self.today + timedelta(days=days_before_deadline)
            return deadline - relativedelta(months=1)

        fresh = Request.create(
            {"request_type": "access", "partner_id": self.prospect.id}
        )
        soon = Request.create(
            {
                "request_type": "erasure",
                "partner_id": self.prospect.id,
                "received_date": received(3),
            }
        )
        late = Request.create(
            {
                "request_type": "objection",
                "partner_id": self.prospect.id,
                "received_date": received(-2),
            }
        )
        answered_late = Request.create(
            {
                "request_type": "access",
                "partner_id": self.prospect.id,
                "received_date": received(-5),
            }
        )
        answered_late.sudo().write({"state": "done"})
        self.assertEqual(self._value("request_open"), before["request_open"] + 3)
        self.assertEqual(
            self._value("request_due_soon"), before["request_due_soon"] + 1
        )
        self.assertEqual(self._value("request_overdue"), before["request_overdue"] + 1)
        self.assertLessEqual(fresh | soon | late, self._opened("request_open"))
        self.assertIn(soon, self._opened("request_due_soon"))
        self.assertNotIn(fresh, self._opened("request_due_soon"))
        overdue = self._opened("request_overdue")
        self.assertIn(late, overdue)
        self.assertNotIn(answered_late, overdue)
        self.assertEqual(len(overdue), self._value("request_overdue"))
        self.assertEqual(self._tile("request_overdue")["level"], "danger")

    def test_retention_due_at_next_run_by_action(self):
        Forecast = self.env["gdpr.retention.forecast"]
        Forecast.sudo().search([]).unlink()
        self.assertEqual(self._tile("retention_anonymise")["level"], "muted")
        Forecast._gdpr_refresh()
        anonymise = self._value("retention_anonymise")
        minimise = self._value("retention_minimise")

        old = self._person("Old Contact") | self._person("Older Contact")
        held = self._person("Held Contact")
        self.Hold.create({"partner_id": held.id, "reason": "Pending dispute"})
        self._person("Recent Contact")
        past = fields.Datetime.now() - relativedelta(months=30)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_last_interaction = %s, create_date = %s "
            "WHERE id = ANY(%s)",
            (past, past, (old | held).ids),
        )
        self.env.invalidate_all()
        # counted ahead by the daily action, not when the overview opens
        self.assertEqual(self._value("retention_anonymise"), anonymise)
        Forecast.with_user(self.user_dpo).action_refresh()
        self.assertEqual(self._value("retention_anonymise"), anonymise + 2)
        self.assertEqual(self._value("retention_minimise"), minimise + 1)
        self.assertEqual(self._tile("retention_anonymise")["level"], "info")
        self.assertLessEqual(old, self._opened("retention_anonymise"))
        self.assertEqual(self._opened("retention_minimise") & (old | held), held)
        with self.assertRaises(AccessError):
            Forecast.with_user(self.user_sales).action_refresh()

    def test_last_retention_run(self):
        Run = self.env["gdpr.retention.run"]
        Run.sudo().search([("dry_run", "=", False)]).write(
            {"date_start": fields.Datetime.now() - timedelta(days=5)}
        )
        run = Run._gdpr_start()
        run._gdpr_execute(subjects=set())
        tile = self._tile("retention_last_run")
        self.assertEqual(tile["value"], "Done")
        self.assertEqual(tile["level"], "success")
        self.assertIn("0 processed, 0 errors", tile["caption"])
        action = self.Overview.action_open_tile("retention_last_run")
        self.assertEqual((action["res_model"], action["res_id"]), (run._name, run.id))
        # a dry run is not the last run
        dry = Run._gdpr_start(dry_run=True)
        dry._gdpr_execute(subjects=set())
        self.assertEqual(
            self.Overview.action_open_tile("retention_last_run")["res_id"], run.id
        )
        run.sudo().write({"state": "failed"})
        self.assertEqual(self._tile("retention_last_run")["level"], "danger")

    def test_legal_holds_ending_this_month(self):
        before = self._value("hold_ending")
        person = self._person("Hold Person")
        month_end = self.today.replace(day=1) + relativedelta(months=1, days=-1)
        ending = self.Hold.create(
            {"partner_id": person.id, "reason": "Audit", "date_until": month_end}
        )
        self.Hold.create(
            {
                "partner_id": person.id,
                "reason": "Dispute",
                "date_until": month_end + timedelta(days=1),
            }
        )
        self.Hold.create({"partner_id": person.id, "reason": "Open-ended"})
        self.assertEqual(self._value("hold_ending"), before + 1)
        self.assertIn(ending, self._opened("hold_ending"))
        self.assertEqual(self._tile("hold_ending")["level"], "warning")

    def test_chain_verification_tiles(self):
        Verification = self.env["gdpr.chain.verification"]
        Verification.sudo().search([]).unlink()
        tile = self._tile("chain_gdpr_consent_event")
        self.assertEqual((tile["value"], tile["level"]), ("Never verified", "warning"))
        self.Event.with_user(self.user_dpo).action_verify_ledger()
        tile = self._tile("chain_gdpr_consent_event")
        self.assertEqual((tile["value"], tile["level"]), ("Intact", "success"))
        self.assertEqual(self._tile("chain_gdpr_audit_log")["level"], "warning")
        verification = self._opened("chain_gdpr_consent_event")
        self.assertEqual(len(verification), 1)
        self.assertEqual(verification.user_id, self.user_dpo)
        self.assertTrue(verification.intact)

        Verification._gdpr_record(
            "gdpr.consent.event",
            {
                "ok": False,
                "checked": 4,
                "sequence": 5,
                "problem": "entry #5 was altered",
            },
        )
        tile = self._tile("chain_gdpr_consent_event")
        self.assertEqual((tile["value"], tile["level"]), ("Tampered", "danger"))
        Verification.sudo().create(
            {
                "log_model": "gdpr.consent.event",
                "intact": True,
                "date": fields.Datetime.now() - timedelta(days=40),
            }
        )
        # the latest verification counts, not the latest date of the table
        self.assertEqual(self._tile("chain_gdpr_consent_event")["level"], "warning")
        with self.assertRaises(AccessError):
            verification.sudo().write({"intact": False})

    def test_verify_all_records_each_log(self):
        Verification = self.env["gdpr.chain.verification"]
        before = Verification.sudo().search_count([])
        action = Verification.with_user(self.user_dpo).action_verify_all()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(
            set(Verification.sudo().search([], limit=2).mapped("log_model")),
            {"gdpr.consent.event", "gdpr.audit.log"},
        )
        self.assertEqual(Verification.sudo().search_count([]), before + 2)
        with self.assertRaises(AccessError):
            Verification.with_user(self.user_sales).action_verify_all()

    def test_security_check_tiles(self):
        Check = self.env["gdpr.security.check"].sudo()
        Check.search([]).write({"status": "ok", "checked_on": fields.Datetime.now()})
        self.assertEqual(self._value("check_failing"), 0)
        self.assertEqual(self._tile("check_failing")["level"], "muted")
        failing = Check.search([], limit=2)
        failing.write({"status": "failing"})
        self.assertEqual(self._value("check_failing"), 2)
        self.assertEqual(self._tile("check_failing")["level"], "danger")
        self.assertEqual(self._value("check_ok"), Check.search_count([]) - 2)
        self.assertEqual(self._opened("check_failing"), failing)

    def test_charts_count_consents_and_requests(self):
        charts = {
            chart["key"]: chart for chart in self.Overview.get_overview()["charts"]
        }
        consents, requests = charts["consents"], charts["requests"]
        self.assertEqual(
            self.env["ir.ui.view"].browse(consents["view_id"]).model,
            "gdpr.consent.event",
        )
        # in the language the web client sends: without one, Odoo labels the
        # months in the company's language (Italian in the demo)
        Event = (
            self.env["gdpr.consent.event"]
            .with_user(self.user_dpo)
            .with_context(lang="en_US")
        )
        month = fields.Date.context_today(self.Overview).strftime("%B %Y")

        def per_month():
            groups = Event.web_read_group(
                consents["domain"],
                ["__count"],
                ["event_time:month", "action"],
                lazy=False,
            )["groups"]
            return {
                (group["event_time:month"], group["action"]): group["__count"]
                for group in groups
            }

        before = per_month()
        self._record(self.prospect)
        self._record(self.prospect, "withdrawn", "email")
        self._record(self.prospect, "refused", "email")
        after = per_month()
        for action in ("given", "withdrawn"):
            key = (month, action)
            self.assertEqual(after.get(key, 0), before.get(key, 0) + 1, key)
        self.assertNotIn((month, "refused"), after)

        Request = self.env["gdpr.request"].with_user(self.user_dpo)
        count = Request.search_count(
            requests["domain"] + [("request_type", "=", "portability")]
        )
        self.env["gdpr.request"].create(
            {"request_type": "portability", "partner_id": self.prospect.id}
        )
        groups = Request.web_read_group(
            requests["domain"], ["__count"], ["request_type"], lazy=False
        )["groups"]
        by_type = {group["request_type"]: group["__count"] for group in groups}
        self.assertEqual(by_type["portability"], count + 1)


@tagged("post_install", "-at_install")
class TestOverviewAccess(OverviewCommon):
    def test_only_the_dpo(self):
        Overview = self.env["gdpr.overview"].with_user(self.user_sales)
        with self.assertRaises(AccessError):
            Overview.get_overview()
        with self.assertRaises(AccessError):
            Overview.action_open_tile("request_open")

    def test_tiles_of_unreadable_records_are_left_out(self):
        dpo = self.user_dpo.copy({"login": "gdpr_test_dpo_no_crm"})
        dpo.groups_id = [(6, 0, self.env.ref("gdpr_compliance.group_gdpr_officer").ids)]
        Overview = self.env["gdpr.overview"].with_user(dpo)
        keys = [
            tile["key"]
            for section in Overview.get_overview()["sections"]
            for tile in section["tiles"]
        ]
        self.assertNotIn("lead_no_basis", keys)
        self.assertIn("partner_no_basis", keys)
        with self.assertRaises(UserError):
            Overview.action_open_tile("lead_no_basis")

    def test_bad_tile_keys(self):
        for key in ("no_such_tile", ["request_open"], None):
            with self.assertRaises(UserError):
                self.Overview.action_open_tile(key)

    def test_every_tile_opens_as_json(self):
        overview = self.Overview.get_overview()
        json.dumps(overview)
        keys = [
            tile["key"] for section in overview["sections"] for tile in section["tiles"]
        ]
        self.assertIn("request_overdue", keys)
        for key in keys:
            action = self.Overview.action_open_tile(key)
            json.dumps(action)
            self.assertEqual(action["type"], "ir.actions.act_window", key)


@tagged("post_install", "-at_install")
class TestOverviewDoors(HttpCase):
    """The overview and the checks answer the DPO only, whichever door
    the call comes through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(
            cls.env, login="gdpr_overview_clerk", password="gdpr_overview_clerk_pw"
        )
        cls.dpo = new_test_user(
            cls.env,
            login="gdpr_overview_dpo",
            password="gdpr_overview_dpo_pw",
            groups="gdpr_compliance.group_gdpr_officer",
        )

    def _xmlrpc(self, user, password, model, method, *args):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, password, model, method, list(args), {}
        )

    def test_xmlrpc(self):
        for model, method, args in (
            ("gdpr.overview", "get_overview", ()),
            ("gdpr.overview", "action_open_tile", ("request_open",)),
            ("gdpr.security.check", "action_run", ([],)),
            ("gdpr.retention.forecast", "action_refresh", ()),
            ("gdpr.chain.verification", "action_verify_all", ()),
        ):
            with self.assertRaises(Fault, msg=f"{model}.{method}") as caught:
                self._xmlrpc(self.clerk, "gdpr_overview_clerk_pw", model, method, *args)
            self.assertEqual(caught.exception.faultCode, RPC_FAULT_CODE_ACCESS_ERROR)
        overview = self._xmlrpc(
            self.dpo, "gdpr_overview_dpo_pw", "gdpr.overview", "get_overview"
        )
        self.assertIn("requests", [section["key"] for section in overview["sections"]])

    def test_web_client_call(self):
        self.authenticate("gdpr_overview_clerk", "gdpr_overview_clerk_pw")
        answer = call_kw(self, "gdpr.overview", "get_overview")
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.authenticate("gdpr_overview_dpo", "gdpr_overview_dpo_pw")
        answer = call_kw(self, "gdpr.overview", "action_open_tile", "request_due_soon")
        self.assertEqual(answer["result"]["res_model"], "gdpr.request")
        answer = call_kw(self, "gdpr.overview", "action_open_tile", "no_such_tile")
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.UserError")
