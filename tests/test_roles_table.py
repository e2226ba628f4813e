# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The roles table of the README, proved role by role, door by door and data
category by data category, with the demo users of each role: every door is
taken in-process (the function all RPC doors end in) and over real HTTP
(the web client's call_kw, /jsonrpc and /xmlrpc/2/object)."""

import json
import xmlrpc.client

import odoo
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.gdpr_compliance.tests.common import execute_kw

# What each role sees of a contact it may see, category by category (README,
# Roles: financial data for back office, sales managers and the DPO,
# profiling data for marketing and the DPO, external agents contact data
# only), and whether the role may export.
ROLES = {
    "gdpr_sales": ({"contact", "marketing"}, False),
    "gdpr_manager": ({"contact", "financial", "marketing"}, True),
    "gdpr_agent": ({"contact"}, False),
    "gdpr_marketing": ({"contact", "profiling", "marketing"}, True),
    "gdpr_backoffice": ({"contact", "financial", "marketing"}, True),
    "gdpr_dpo": ({"contact", "financial", "profiling", "marketing"}, True),
}

# One probe per category on the contact (and its company, for the paths),
# one on the bank account, a model of its own that carries financial data.
# (category, model, field, path from the contact reaching the same value)
PROBES = [
    ("contact", "res.partner", "city", "parent_id.city"),
    ("financial", "res.partner", "vat", "commercial_partner_id.vat"),
    ("profiling", "res.partner", "industry_id", "parent_id.industry_id"),
    ("marketing", "res.partner", "email_normalized", "parent_id.email_normalized"),
    ("financial", "res.partner.bank", "acc_number", "bank_ids.acc_number"),
]

# What Odoo adds to a contact's name on request, per category
NAME_CONTEXT = {"contact": "show_address", "financial": "show_vat"}

REFUSED = "refused"


class Refused(Exception):
    """A door answered with an access error (or, for exports, a user error)."""


@tagged("post_install", "-at_install")
class TestRolesTable(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            login: cls.env["res.users"].search([("login", "=", login)])
            for login in ROLES
        }
        assert all(cls.users.values()), "the demo users of every role exist"
        industry = cls.env["res.partner.industry"].create({"name": "Liuteria Probe"})
        source = cls.env.ref("gdpr_compliance.gdpr_source_phone_call")
        cls.data = {}
        for index, (login, user) in enumerate(cls.users.items()):
            values = {
                "city": f"Borgo{index}probe",
                "vat": f"IT0{index}345678901",
                "industry_id": industry.id,
                "email": f"probe{index}@example.org",
            }
            company = cls.env["res.partner"].create(
                dict(values, name=f"Probe Company {index}", is_company=True)
            )
            person = cls.env["res.partner"].create(
                dict(
                    values,
                    name=f"Probe Person {index}",
                    parent_id=company.id,
                    user_id=user.id,
                    gdpr_legal_basis="contract",
                    gdpr_source_id=source.id,
                )
            )
            company.user_id = user
            # Odoo keeps a contact's commercial fields in line with its company
            person.email = f"probe{index}@example.org"
            bank = cls.env["res.partner.bank"].create(
                {
                    "partner_id": person.id,
                    "acc_number": f"IT60X054281110100000012{index}",
                }
            )
            cls.data[login] = {
                "res.partner": person,
                "res.partner.bank": bank,
                "company": company,
            }

    # ------------------------------------------------------------------
    # Transports: the same call, four ways
    # ------------------------------------------------------------------

    def _in_process(self, login, model, method, args, kwargs):
        env = self.env(user=self.users[login])
        try:
            result = odoo.api.call_kw(env[model], method, args, kwargs)
        except (AccessError, UserError) as error:
            raise Refused(str(error)) from error
        # the same shape as a client receives
        return json.loads(json.dumps(result, default=str))

    def _web(self, login, model, method, args, kwargs):
        if self._session_login != login:
            self.authenticate(login, login)
            self._session_login = login
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return self._json_answer(response.json())

    def _jsonrpc(self, login, model, method, args, kwargs):
        return self._json_answer(
            execute_kw(
                self,
                self.users[login].id,
                login,
                model,
                method,
                *args,
                kwargs=kwargs,
            )
        )

    def _json_answer(self, body):
        if "error" in body:
            name = body["error"]["data"]["name"]
            if name in ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"):
                raise Refused(body["error"]["data"]["message"])
            raise AssertionError(body["error"]["data"].get("debug", body))
        return body["result"]

    def _xmlrpc(self, login, model, method, args, kwargs):
        try:
            result = self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                self.users[login].id,
                login,
                model,
                method,
                args,
                kwargs,
            )
        except xmlrpc.client.Fault as fault:
            # 4: AccessError, 2: UserError (odoo/addons/base/controllers/rpc.py)
            if fault.faultCode in (2, 4):
                raise Refused(fault.faultString) from fault
            raise AssertionError(fault.faultString) from fault
        return result

    TRANSPORTS = ("in-process", "web call_kw", "/jsonrpc", "/xmlrpc/2/object")

    def _call(self, transport, login, model, method, *args, **kwargs):
        handler = {
            "in-process": self._in_process,
            "web call_kw": self._web,
            "/jsonrpc": self._jsonrpc,
            "/xmlrpc/2/object": self._xmlrpc,
        }[transport]
        return handler(login, model, method, list(args), kwargs)

    # ------------------------------------------------------------------
    # Doors: each returns the text of the answer, or REFUSED
    # ------------------------------------------------------------------

    def _doors(self, record, field, path, category):
        """``{door: (model, method, args, kwargs)}`` probing ``field`` of
        ``record`` (and ``path`` from the contact)."""
        person = self.data_of(record)["res.partner"]
        value = self._value(record, field)
        model = record._name
        doors = {
            "read": (model, "read", [record.ids, [field]], {}),
            "search_read": (
                model,
                "search_read",
                [[("id", "=", record.id)], [field]],
                {},
            ),
            "domain on the field": (
                model,
                "search_count",
                [[("id", "=", record.id), (field, "=", value)]],
                {},
            ),
            "domain with a dotted path": (
                "res.partner",
                "search_read",
                [[("id", "=", person.id), (path, "=", value)], ["name"]],
                {},
            ),
            "any sub-domain": (
                "res.partner",
                "search",
                [
                    [
                        ("id", "=", person.id),
                        (path.split(".")[0], "any", [(path.split(".")[1], "=", value)]),
                    ]
                ],
                {},
            ),
            "order": (model, "search", [[("id", "=", record.id)]], {"order": field}),
            "read_group": (
                model,
                "read_group",
                [[("id", "=", record.id)], ["__count"], [field]],
                {"lazy": False},
            ),
            "web_read_group": (
                model,
                "web_read_group",
                [[("id", "=", record.id), (field, "=", value)], ["__count"], []],
                {},
            ),
            "export_data": (model, "export_data", [record.ids, [field]], {}),
        }
        if (model, field) in (
            ("res.partner", "vat"),
            ("res.partner.bank", "acc_number"),
        ):
            # the fields Odoo's autocomplete searches
            doors["name_search"] = (
                model,
                "name_search",
                [value],
                {"args": [("id", "=", record.id)], "limit": 5},
            )
        if category in NAME_CONTEXT and model == "res.partner":
            doors["display_name with a context"] = (
                model,
                "read",
                [record.ids, ["display_name"]],
                {"context": {NAME_CONTEXT[category]: True}},
            )
            doors["name_search with a context"] = (
                model,
                "name_search",
                [record.name],
                {
                    "args": [("id", "=", record.id)],
                    "context": {NAME_CONTEXT[category]: True},
                },
            )
        if model == "res.partner.bank":
            doors["display_name"] = (model, "read", [record.ids, ["display_name"]], {})
        return doors

    def data_of(self, record):
        for data in self.data.values():
            if record in data.values():
                return data
        raise AssertionError(record)

    @staticmethod
    def _value(record, field):
        value = record[field]
        return value.id if hasattr(value, "_name") else value

    @staticmethod
    def _shown(record, field):
        """The text of the value as an answer shows it."""
        value = record[field]
        return value.display_name if hasattr(value, "_name") else value

    # doors whose answer is the value; the others answer with ids or counts
    VALUE_DOORS = ("read", "search_read", "read_group", "export_data")

    def _expected(self, login, category, door):
        """``REFUSED``, ``("shows", bool)``: whether the answer holds the
        value, or ``("finds", bool)``: whether it finds the record."""
        visible, exports = ROLES[login]
        if door == "export_data" and not exports:
            return REFUSED
        if door in ("display_name", "display_name with a context"):
            # names never fail: they leave out what the role may not see
            return ("shows", category in visible)
        if door == "name_search with a context":
            return ("shows", category in visible)
        if door == "name_search":
            # autocomplete matches only fields the role may see: a contact
            # found by the VAT number typed would tell the number
            return ("finds", category in visible)
        if category not in visible:
            return REFUSED
        return ("shows" if door in self.VALUE_DOORS else "finds", True)

    @staticmethod
    def _found(answer):
        if isinstance(answer, dict):
            # web_read_group
            return bool(answer.get("length"))
        return bool(answer)

    def _answer(self, transport, login, model, method, args, kwargs):
        try:
            result = self._call(transport, login, model, method, *args, **kwargs)
        except Refused:
            return REFUSED
        return result

    def test_roles_doors_categories(self):
        self._session_login = None
        cases = failures = 0
        report = []
        for transport in self.TRANSPORTS:
            for login in ROLES:
                for category, model, field, path in PROBES:
                    record = self.data[login][model]
                    shown = str(self._shown(record, field))
                    for door, call in self._doors(
                        record, field, path, category
                    ).items():
                        expected = self._expected(login, category, door)
                        answer = self._answer(transport, login, *call)
                        cases += 1
                        if expected == REFUSED:
                            ok = answer == REFUSED
                        elif answer == REFUSED:
                            ok = False
                        elif expected[0] == "shows":
                            text = json.dumps(answer, default=str)
                            ok = (shown in text) == expected[1]
                        else:
                            found = self._found(answer)
                            ok = found == expected[1]
                        if not ok:
                            failures += 1
                            report.append(
                                f"{transport} | {login} | {category} "
                                f"{model}.{field} | {door}: expected "
                                f"{expected!r}, got {str(answer)[:120]}"
                            )
        self.assertFalse(report, "\n".join(report))
        # 4 transports x 6 roles x (4 categories, bank accounts) x 9+ doors
        self.assertGreaterEqual(cases, 4 * 6 * 5 * 9)
        self.assertEqual(failures, 0)
