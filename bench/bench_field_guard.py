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


def timed(call):
    timings = []
    for _i in range(REPEAT):
        env.invalidate_all()
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure():
    return {name: timed(call) for name, call in calls().items()}


# the guard switched off: no user hides anything, no client call is seen
with (
    patch.object(Guard, "_user_hides_any", lambda self: False),
    patch.object(Guard, "_client_call", lambda self: None),
):
    measure()  # warm-up
    without = measure()
measure()  # warm-up
with_guard = measure()
for name in with_guard:
    print(
        f"{name} of {N} contacts as a salesperson: "
        f"{with_guard[name] * 1000:.1f} ms with the field guard, "
        f"{without[name] * 1000:.1f} ms without: "
        f"x{with_guard[name] / without[name]:.2f}"
    )
env.cr.rollback()
