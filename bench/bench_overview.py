# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark (not a test): the DPO's privacy overview on GDPR_BENCH_PARTNERS
(default 1,000,000) individuals, GDPR_BENCH_REQUESTS (10,000) data-subject
requests, a lead for one contact in ten, a consent history for one contact in
five and a legal hold for one in a thousand.

Reports the server time of what opening the overview asks for, as the DPO:
the tiles (``gdpr.overview.get_overview``) and the two graphs (the
``web_read_group`` of each embedded graph view), each the median of five
after a warm-up call; then the daily retention forecast that the tiles read.
Target: the overview under one second. Run inside `odoo shell` on a
throw-away database with both addons installed (see bench/README.md); it
commits the data it generates and reuses them on the next run.
"""

import os
import statistics
import time
from contextlib import closing

import psycopg2

from odoo import sql_db

N = int(os.environ.get("GDPR_BENCH_PARTNERS", "1000000"))
REQUESTS = int(os.environ.get("GDPR_BENCH_REQUESTS", "10000"))

cr = env.cr  # noqa: F821 - provided by odoo shell
env = env  # noqa: F821, PLW0127


def scalar(query, params=()):
    cr.execute(query, params)
    return cr.fetchone()[0]


source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
marketing = env.ref("gdpr_compliance.gdpr_purpose_marketing")
started = time.perf_counter()
# individuals: one in ten without a basis (to review), one in ten last heard
# of 25 to 60 months ago (due for retention), the others within 24 months
have = scalar("SELECT count(*) FROM res_partner WHERE NOT COALESCE(is_company, FALSE)")
if have < N:
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, email, email_normalized,
                                 active, type, is_company, gdpr_legal_basis,
                                 gdpr_basis_to_review, gdpr_source_id,
                                 gdpr_last_interaction, create_date, write_date,
                                 lang)
        SELECT 'Overview ' || g, 'Overview ' || g,
               'ov' || g || '@example.org', 'ov' || g || '@example.org',
               TRUE, 'contact', FALSE,
               CASE WHEN g %% 10 = 3 THEN NULL ELSE 'legitimate_interest' END,
               g %% 10 = 3, %(source)s, li, li, li, 'en_US'
          FROM (SELECT g, now() - CASE WHEN g %% 10 = 0
                                       THEN make_interval(days => 760 + (g %% 1065))
                                       ELSE make_interval(days => g %% 720) END AS li
                  FROM generate_series(%(first)s, %(last)s) g) s
        """,
        {"first": 1, "last": N - have, "source": source.id},
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL"
    )
    cr.commit()
if not scalar("SELECT count(*) FROM crm_lead WHERE name LIKE 'Overview lead %%'"):
    # a lead for one contact in ten; one lead in five rests on consent
    cr.execute(
        """
        INSERT INTO crm_lead (name, type, active, partner_id, gdpr_legal_basis,
                              gdpr_source_id, create_date, write_date)
        SELECT 'Overview lead ' || p.id, 'lead', TRUE,
               CASE WHEN p.id / 10 %% 2 = 0 THEN p.id END,
               CASE WHEN p.id / 10 %% 5 = 0 THEN 'consent'
                    WHEN p.id / 10 %% 7 = 0 THEN NULL
                    ELSE 'legitimate_interest' END,
               %s, now(), now()
          FROM res_partner p
         WHERE NOT COALESCE(p.is_company, FALSE) AND p.id %% 10 = 1
        """,
        [source.id],
    )
if not scalar("SELECT count(*) FROM gdpr_consent_event"):
    # a consent history for one contact in five over the last two years,
    # one in four later withdrawn: not hash-chained (a bench ledger is not
    # evidence), the triggers only refuse UPDATE and DELETE
    cr.execute(
        """
        INSERT INTO gdpr_consent_event (sequence, partner_id, purpose_id, action,
                                        channel, event_time, create_date)
        SELECT row_number() OVER (), s.partner_id, %(purpose)s, s.action,
               'web_form', s.at, s.at
          FROM (SELECT p.id AS partner_id, 'given' AS action,
                       now() - make_interval(days => p.id %% 730) AS at
                  FROM res_partner p
                 WHERE NOT COALESCE(p.is_company, FALSE) AND p.id %% 5 = 0
                UNION ALL
                SELECT p.id, 'withdrawn',
                       now() - make_interval(days => (p.id %% 730) / 2)
                  FROM res_partner p
                 WHERE NOT COALESCE(p.is_company, FALSE) AND p.id %% 20 = 0) s
        """,
        {"purpose": marketing.id},
    )
    cr.execute(
        """
        INSERT INTO gdpr_consent (partner_id, purpose_id, state, state_date)
        SELECT DISTINCT ON (partner_id) partner_id, purpose_id, action, event_time
          FROM gdpr_consent_event
      ORDER BY partner_id, event_time DESC
        ON CONFLICT DO NOTHING
        """
    )
if scalar("SELECT count(*) FROM gdpr_request") < REQUESTS:
    # received over the last year: the recent ones open, some overdue
    cr.execute(
        """
        INSERT INTO gdpr_request (name, company_id, request_type, channel, state,
                                  received_date, deadline, requester_name,
                                  create_date, write_date)
        SELECT 'BENCH/' || g, 1,
               (ARRAY['access', 'rectification', 'erasure', 'restriction',
                      'portability', 'objection'])[1 + g %% 6],
               'email',
               CASE WHEN g %% 365 < 40 AND g %% 3 > 0 THEN 'in_progress'
                    ELSE 'done' END,
               current_date - (g %% 365), current_date - (g %% 365) + 30,
               'Requester ' || g, now(), now()
          FROM generate_series(1, %s) g
        """,
        [REQUESTS],
    )
if not scalar("SELECT count(*) FROM gdpr_legal_hold"):
    cr.execute(
        """
        INSERT INTO gdpr_legal_hold (partner_id, reason, date_from, date_until,
                                     active, create_date, write_date)
        SELECT p.id, 'Bench dispute', current_date - 100,
               current_date + (p.id % 60), TRUE, now(), now()
          FROM res_partner p
         WHERE NOT COALESCE(p.is_company, FALSE) AND p.id % 1000 = 7
        """
    )
cr.commit()
# a database in use is vacuumed by autovacuum: measure from that state, not
# from freshly inserted rows whose visibility is not recorded yet
_dbname, info = sql_db.connection_info_for(cr.dbname)
with closing(psycopg2.connect(**info)) as connection:
    connection.autocommit = True
    with connection.cursor() as vacuum_cr:
        vacuum_cr.execute("VACUUM ANALYZE")
print(f"data ready in {time.perf_counter() - started:.1f} s")

dpo = env["res.users"].search([("login", "=", "bench_dpo")]) or env["res.users"].create(
    {
        "name": "Bench DPO",
        "login": "bench_dpo",
        "groups_id": [
            (4, env.ref("gdpr_compliance.group_gdpr_officer").id),
            (4, env.ref("sales_team.group_sale_salesman_all_leads").id),
        ],
    }
)
cr.commit()
print(
    "partners={} individuals={} leads={} consent_events={} requests={} holds={}".format(
        scalar("SELECT count(*) FROM res_partner"),
        scalar(
            "SELECT count(*) FROM res_partner WHERE NOT COALESCE(is_company, FALSE)"
        ),
        scalar("SELECT count(*) FROM crm_lead"),
        scalar("SELECT count(*) FROM gdpr_consent_event"),
        scalar("SELECT count(*) FROM gdpr_request"),
        scalar("SELECT count(*) FROM gdpr_legal_hold"),
    )
)

started = time.perf_counter()
env["gdpr.retention.forecast"]._gdpr_refresh()
cr.commit()
print(
    f"retention forecast (daily, not on opening): {time.perf_counter() - started:.2f}s"
)


def measure(label, call):
    call()  # warm-up: caches of the registry, views and rules
    times = []
    for _attempt in range(5):
        env.invalidate_all()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"{label}: {median:.3f}s (median of {', '.join(f'{t:.3f}' for t in times)})")
    return median


Overview = env["gdpr.overview"].with_user(dpo).with_context(tz="Europe/Rome")
overview = Overview.get_overview()
for section in overview["sections"]:
    print(
        f"  {section['title']}: "
        + ", ".join(
            f"{tile['label']} {tile['value']}{'+' if tile.get('more') else ''}"
            for tile in section["tiles"]
        )
    )
total = measure("tiles (get_overview)", Overview.get_overview)
for chart in overview["charts"]:
    arch = env["ir.ui.view"].browse(chart["view_id"]).arch_db
    groupby = (
        ["event_time:month", "action"]
        if chart["model"] == "gdpr.consent.event"
        else ["request_type"]
    )
    assert all(field.split(":")[0] in arch for field in groupby)
    Model = env[chart["model"]].with_user(dpo)
    total += measure(
        f"graph {chart['key']} (web_read_group)",
        lambda Model=Model, chart=chart, groupby=groupby: Model.web_read_group(
            chart["domain"], ["__count"], groupby, lazy=False
        ),
    )
print(f"overview opening, server side: {total:.3f}s (target < 1 s)")
# following a retention tile weighs everybody's purposes again, now
started = time.perf_counter()
action = Overview.action_open_tile("retention_anonymise")
print(
    f"click-through to the contacts due (anonymise): "
    f"{time.perf_counter() - started:.2f}s, {len(action['domain'][0][2])} contacts"
)
