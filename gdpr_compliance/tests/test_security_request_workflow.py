# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may do what with a data-subject request, through every door: a
salesperson logs a request, only request handlers and the DPO act on it, and
the answer goes only to a verified address."""

from xmlrpc.client import Fault

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import call_kw, execute_kw
from .common_request import RequestCommon

ATTACKER = "collector@attacker.example"


@tagged("post_install", "-at_install")
class TestRequestRoles(RequestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prospect.write({"vat": "IT12345670017", "comment": "Pays late"})
        cls.Request_sales = cls.Request.with_user(cls.user_sales)

    def _logged_by_sales(self, request_type="access", **values):
        return self.Request_sales.create(
            [
                dict(
                    {"request_type": request_type, "partner_id": self.prospect.id},
                    **values,
                )
            ]
        )

    def test_salesperson_logs_and_edits_a_new_request(self):
        request = self._logged_by_sales(description="Phoned on Monday")
        self.assertEqual(request.state, "new")
        # the DPO answers it: the to-do goes to them
        self.assertEqual(request.user_id, self.Request._gdpr_default_responsible())
        request.write({"description": "Phoned on Monday, asks for everything"})
        self.assertIn(request, self.Request_sales.search([]))

    def test_salesperson_cannot_have_data_sent_to_an_address_of_their_choice(self):
        """The attack of the issue: log a request for an own contact, point it
        to another address, verify and carry it out. Every step that acts is
        refused; the DPO's answer goes to the contact's own address."""
        request = self._logged_by_sales()
        request.write({"requester_email": ATTACKER})
        for method in (
            "action_verify_identity",
            "action_process",
            "action_send_answer",
            "action_extend",
            "action_view_attachment",
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(request, method)()
        with self.assertRaises(AccessError):
            request.with_context(
                gdpr_verification_method="id_document"
            ).action_verify_identity()
        for vals in (
            {"state": "verified"},
            {"state": "done"},
            {"verified_email": ATTACKER},
            {"verification_method": "id_document"},
            {"processed_date": "2026-01-01 00:00:00"},
            {"answer_note": "Here is everything"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                request.write(vals)
        with self.capture_emails() as sent:
            with self.assertRaises(AccessError):
                request._gdpr_reject("no")
            with self.assertRaises(AccessError):
                request._gdpr_extend(1, "because")
        self.assertFalse(sent)
        self.assertEqual(request.state, "new")
        self.assertFalse(request.verified_email)
        # the DPO verifies by the contact held: the answer goes there only
        request = request.with_user(self.user_dpo)
        request.with_context(
            gdpr_verification_method="known_contact"
        ).action_verify_identity()
        self.assertEqual(request.verified_email, "prospect@example.com")
        with self.capture_emails() as sent:
            request.action_process()
            request.action_send_answer()
        self.assertEqual([message["To"] for message in sent], ["prospect@example.com"])
        self.assertNotIn(ATTACKER, str(sent[0]))
        # the report is not readable by the salesperson who logged it
        with self.assertRaises(AccessError):
            request.with_user(self.user_sales).attachment_id  # noqa: B018
        attachment = request.sudo().attachment_id
        with self.assertRaises(AccessError):
            attachment.with_user(self.user_sales).read(["raw"])

    def test_client_context_cannot_set_the_workflow(self):
        """default_* keys and the link's verification method are client
        input: ignored or refused."""
        request = self.Request_sales.with_context(
            default_state="done",
            default_verified_email=ATTACKER,
            default_verification_method="email_link",
        ).create([{"request_type": "access", "partner_id": self.prospect.id}])
        self.assertEqual(request.state, "new")
        self.assertFalse(request.verified_email)
        self.assertFalse(request.verification_method)
        with self.assertRaises(AccessError):
            self.Request_sales.create(
                [
                    {
                        "request_type": "access",
                        "partner_id": self.prospect.id,
                        "state": "done",
                    }
                ]
            )
        dpo_request = request.with_user(self.user_dpo)
        with self.assertRaises(UserError):
            dpo_request.with_context(
                gdpr_verification_method="email_link"
            ).action_verify_identity()
        self.assertEqual(request.state, "new")

    def test_salesperson_cannot_edit_a_verified_request(self):
        request = self._logged_by_sales()
        request.with_user(self.user_dpo).action_verify_identity()
        with self.assertRaises(AccessError):
            request.write({"requester_email": ATTACKER})
        with self.assertRaises(AccessError):
            request.write({"description": "changed"})
        self.assertEqual(request.verified_email, "prospect@example.com")
        # commenting stays possible
        request.message_post(body="The person called again")

    def test_changed_address_after_verification_goes_back_to_new(self):
        request = self._verified("access")
        request._gdpr_process()
        self.assertTrue(request.sudo().attachment_id)
        dpo_request = request.with_user(self.user_dpo)
        dpo_request.write({"requester_email": "new.address@example.com"})
        self.assertEqual(request.state, "new")
        self.assertFalse(request.verified_email)
        self.assertFalse(request.verification_method)
        self.assertFalse(request.processed_date)
        self.assertFalse(request.sudo().attachment_id)
        self.assertTrue(
            self._audit("request", request).filtered(
                lambda entry: "back to new" in entry.description
            )
        )
        with self.assertRaisesRegex(UserError, "Verify the identity"):
            dpo_request._gdpr_process()
        # the same address written again changes nothing
        dpo_request.action_verify_identity()
        dpo_request.write({"requester_email": "NEW.address@example.com"})
        self.assertEqual(request.state, "verified")
        # once answered, neither the person nor the address changes
        with self.capture_emails():
            dpo_request.action_process()
            dpo_request.action_send_answer()
        for vals in ({"requester_email": "later@example.com"}, {"partner_id": False}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                dpo_request.write(vals)
        self.assertEqual(request.state, "done")

    def test_handlers_are_appointed_by_the_dpo(self):
        handler = new_test_user(
            self.env,
            login="gdpr_test_handler",
            groups="sales_team.group_sale_salesman",
            name="Test Handler",
        )
        request = self._new_request("access")
        with self.assertRaises(AccessError):
            request.with_user(handler).action_verify_identity()
        with self.assertRaises(AccessError):
            self.env["gdpr.request.handler.wizard"].with_user(self.user_sales).create(
                {}
            )
        with self.assertRaises(AccessError):
            self.env["res.users"].with_user(self.user_sales)._gdpr_set_request_handlers(
                handler
            )
        wizard = Form(self.env["gdpr.request.handler.wizard"].with_user(self.user_dpo))
        wizard.user_ids.add(handler)
        wizard.save().action_confirm()
        self.assertIn(handler, self.env["res.users"]._gdpr_request_handlers())
        self.assertTrue(
            self._audit("role_change").filtered(
                lambda entry: f"#{handler.id}" in entry.description
            )
        )
        request.with_user(handler).action_verify_identity()
        self.assertEqual(request.verified_by_id, handler)
        # a handler sees every request, not only their contacts' ones
        self.assertIn(request, self.Request.with_user(handler).search([]))
        wizard = Form(self.env["gdpr.request.handler.wizard"].with_user(self.user_dpo))
        wizard.user_ids.remove(id=handler.id)
        wizard.save().action_confirm()
        self.assertFalse(
            handler.has_group("gdpr_compliance.group_gdpr_request_handler")
        )

    def test_wizards_are_for_handlers(self):
        request = self._verified("rectification")
        for model in ("gdpr.rectification.wizard", "gdpr.request.extend.wizard"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.user_sales).create(
                    {
                        "request_id": request.id,
                        "partner_id": self.prospect.id,
                        "name": "x",
                        "reason": "x",
                    }
                    if model == "gdpr.rectification.wizard"
                    else {"request_id": request.id, "reason": "x"}
                )


@tagged("post_install", "-at_install")
class TestRequestDoors(HttpCase, RequestCommon):
    """The same refusals over the web client, JSON-RPC and XML-RPC."""

    def _state(self, request):
        request.invalidate_recordset()
        return request.state, request.verified_email

    def test_every_door_refuses_the_salesperson(self):
        request = self.Request.with_user(self.user_sales).create(
            [{"request_type": "access", "partner_id": self.prospect.id}]
        )
        before = self._state(request)
        login = password = self.user_sales.login
        # web client
        self.authenticate(login, password)
        for method, args, kwargs in (
            ("action_verify_identity", [[request.id]], {}),
            ("action_process", [[request.id]], {}),
            ("write", [[request.id], {"state": "done"}], {}),
            ("write", [[request.id], {"verified_email": ATTACKER}], {}),
            (
                "action_verify_identity",
                [[request.id]],
                {"context": {"gdpr_verification_method": "email_link"}},
            ),
        ):
            with self.subTest(door="call_kw", method=method, args=str(args)):
                self.assertIn(
                    "error", call_kw(self, "gdpr.request", method, *args, **kwargs)
                )
                self.assertEqual(self._state(request), before)
        # /jsonrpc
        for method, args in (
            ("action_verify_identity", [[request.id]]),
            ("write", [[request.id], {"state": "verified"}]),
        ):
            with self.subTest(door="jsonrpc", method=method):
                answer = execute_kw(
                    self, self.user_sales.id, password, "gdpr.request", method, *args
                )
                self.assertIn("error", answer)
                self.assertEqual(self._state(request), before)
        # /xmlrpc/2
        for method, args in (
            ("action_process", [[request.id]]),
            ("write", [[request.id], {"state": "done"}]),
            ("_gdpr_verify_identity", [[request.id], "email_link", ATTACKER]),
        ):
            with self.subTest(door="xmlrpc", method=method), self.assertRaises(Fault):
                self.xmlrpc_object.execute_kw(
                    self.env.cr.dbname,
                    self.user_sales.id,
                    password,
                    "gdpr.request",
                    method,
                    args,
                )
            self.assertEqual(self._state(request), before)

    def test_report_download_is_for_handlers(self):
        """The access report holds every field of the person, those the
        salesperson may not see included: the download door refuses it to
        them, by id, as the read door does."""
        request = self._verified("access")
        request._gdpr_process()
        attachment = request.sudo().attachment_id
        url = f"/web/content/{attachment.id}?download=true"
        self.authenticate(self.user_sales.login, self.user_sales.login)
        refused = self.url_open(url)
        self.assertIn(refused.status_code, (403, 404))
        self.assertNotIn(b"Prospect Person", refused.content)
        self.authenticate(self.user_dpo.login, self.user_dpo.login)
        allowed = self.url_open(url)
        self.assertEqual(allowed.status_code, 200)
        self.assertIn(b"Prospect Person", allowed.content)
