# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark (not a test): what the field guard costs a client's ordinary
read. A salesperson reads N of their contacts through the function every
client door ends in (odoo.api.call_kw): ``read`` and ``search_read`` of the
list's fields, ``web_search_read`` as the contacts list does, with the guard
at work (financial and profiling fields hidden from the role) and with the
guard switched off in the same process (the ORM without it). Prints the
medians and their ratio.

Run inside `odoo shell` on a throw-away database with both addons installed
(see bench/README.md); it commits the data it generates.
"""

import os
import statistics
import time
from contextlib import ExitStack
from unittest.mock import patch

import odoo

N = int(os.environ.get("GDPR_BENCH_READ_PARTNERS", "1000"))
REPEAT = int(os.environ.get("GDPR_BENCH_REPEAT", "15"))

cr = env.cr  # noqa: F821 - provided by odoo shell
env = env  # noqa: F821, PLW0127

user = env["res.users"].search([("login", "=", "gdpr_bench_guard_sales")])
if not user:
    user = env["res.users"].create(
        {
            "name": "Bench Guard Salesperson",
            "login": "gdpr_bench_guard_sales",
            "groups_id": [
                (6, 0, env.ref("sales_team.group_sale_salesman").ids),
            ],
        }
    )
    source = env.ref("gdpr_compliance.gdpr_source_phone_call")
    env["res.partner"].create(
        [
            {
                "name": f"Guard Bench Person {index}",
                "email": f"guard{index}@example.org",
                "phone": f"+39 051 {index:07d}",
                "city": "Bologna",
                "vat": f"IT{index:011d}",
                "user_id": user.id,
                "gdpr_legal_basis": "contract",
                "gdpr_source_id": source.id,
            }
            for index in range(N)
        ]
    )
    cr.commit()

Partner = env["res.partner"].with_user(user)
ids = Partner.search([("user_id", "=", user.id)], limit=N).ids
assert len(ids) == N, len(ids)
FIELDS = ["display_name", "email", "phone", "city", "country_id", "user_id"]
SPEC = {name: {} for name in FIELDS}
DOMAIN = [("user_id", "=", user.id)]
Guard = type(env["gdpr.field.guard"])
assert env["gdpr.data.category"].with_user(user)._gdpr_hidden_fields("res.partner")


def calls():
    return {
        "read": lambda: odoo.api.call_kw(Partner, "read", [ids, FIELDS], {}),
        "search_read": lambda: odoo.api.call_kw(
            Partner, "search_read", [DOMAIN, FIELDS], {"limit": N}
        ),
        "web_search_read": lambda: odoo.api.call_kw(
            Partner, "web_search_read", [DOMAIN, SPEC], {"limit": N}
        ),
    }


def once(call):
    env.invalidate_all()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def guard_off():
    """The guard switched off: no user hides anything, no client call is
    seen."""
    stack = ExitStack()
    stack.enter_context(patch.object(Guard, "_user_hides_any", lambda self: False))
    stack.enter_context(patch.object(Guard, "_client_call", lambda self: None))
    return stack


# the bulk-read audit is measured apart: its entries are not the guard's cost
env["ir.config_parameter"].sudo().set_param(
    "gdpr_compliance.audit_bulk_read_threshold", "0"
)
timings = {name: {"with": [], "without": []} for name in calls()}
for _round in range(REPEAT + 2):
    # the two modes alternate, so that the machine's load weighs on both
    for name, call in calls().items():
        with guard_off():
            without = once(call)
        with_guard = once(call)
        if _round >= 2:  # warm-up rounds
            timings[name]["without"].append(without)
            timings[name]["with"].append(with_guard)
for name, measured in timings.items():
    with_guard = statistics.median(measured["with"])
    without = statistics.median(measured["without"])
    print(
        f"{name} of {N} contacts as a salesperson: "
        f"{with_guard * 1000:.1f} ms with the field guard, "
        f"{without * 1000:.1f} ms without: x{with_guard / without:.2f}"
    )
env.cr.rollback()
