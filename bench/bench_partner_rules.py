# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark (not a test): the contacts list as a salesperson (role record
rules) vs as the administrator (no rule), on N individual contacts spread
over salespeople in teams.

Run inside `odoo shell` on a throw-away database with both addons installed
(see bench/README.md); it commits the data it generates.
"""

import os
import statistics
import time

N = int(os.environ.get("GDPR_BENCH_PARTNERS", "100000"))
SALESPEOPLE = int(os.environ.get("GDPR_BENCH_SALESPEOPLE", "20"))
REPEAT = int(os.environ.get("GDPR_BENCH_REPEAT", "7"))

cr = env.cr  # noqa: F821 - provided by odoo shell
env = env  # noqa: F821, PLW0127

users = env["res.users"].search([("login", "=like", "gdpr_bench_sales_%")])
if not users:
    started = time.perf_counter()
    group = env.ref("sales_team.group_sale_salesman")
    users = env["res.users"].create(
        [
            {
                "name": f"Bench Salesperson {i}",
                "login": f"gdpr_bench_sales_{i}",
                "groups_id": [(6, 0, group.ids)],
            }
            for i in range(SALESPEOPLE)
        ]
    )
    # teams of five salespeople
    for first in range(0, SALESPEOPLE, 5):
        env["crm.team"].create(
            {
                "name": f"Bench team {first // 5}",
                "member_ids": [(6, 0, users[first : first + 5].ids)],
            }
        )
    source = env.ref("gdpr_compliance.gdpr_source_phone_call")
    cr.execute(
        """
        INSERT INTO res_partner (name, email, email_normalized, active, type,
                                 is_company, user_id, gdpr_legal_basis,
                                 gdpr_source_id, create_date, write_date,
                                 partner_share)
        SELECT 'Bench Person ' || g, 'person' || g || '@example.org',
               'person' || g || '@example.org', TRUE, 'contact', FALSE,
               (%(users)s::int[])[1 + g %% %(k)s], 'contract', %(source)s,
               now(), now(), TRUE
          FROM generate_series(1, %(n)s) g
        """,
        {"users": users.ids, "k": len(users), "n": N, "source": source.id},
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id, "
        "complete_name = name WHERE commercial_partner_id IS NULL"
    )
    cr.execute("ANALYZE")
    cr.commit()
    print(f"generated {N} partners in {time.perf_counter() - started:.1f} s")

salesperson = users[0]
admin = env.ref("base.user_admin")


def contacts_list(user):
    Partner = env["res.partner"].with_user(user)
    return Partner.web_search_read(
        [], {"display_name": {}, "email": {}, "phone": {}}, limit=80
    )


def timed(user):
    timings = []
    result = None
    for _i in range(REPEAT):
        env.invalidate_all()
        env.registry.clear_cache()
        contacts_list(user)  # warm the rule cache as a real session would
        started = time.perf_counter()
        result = contacts_list(user)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


admin_time, admin_result = timed(admin)
sales_time, sales_result = timed(salesperson)
print(
    f"partners={admin_result['length']} visible_to_salesperson="
    f"{sales_result['length']} admin={admin_time * 1000:.1f}ms "
    f"salesperson={sales_time * 1000:.1f}ms ratio={sales_time / admin_time:.2f}"
)
cr.rollback()
