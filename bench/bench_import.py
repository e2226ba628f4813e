# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Privacy import of a large contact list: read, check, import.

Run inside ``odoo shell`` (``env`` is given) on a throw-away database with
both addons installed. Generates, on the first run, GDPR_BENCH_EXISTING
(default 20,000) existing contacts, then a file of GDPR_BENCH_ROWS (default
100,000) rows (CSV, or XLSX with GDPR_BENCH_FORMAT=xlsx): people met at a
company's website with a consent answer, one in twenty already a contact (same email or
the same phone written differently), one in a hundred twice in the file.
The whole import runs as a marketing user, in one transaction, then is
rolled back (GDPR_BENCH_COMMIT=1 keeps it); the tables are vacuumed
before. Target: at most 120 s for 100,000 rows on the 2-core reference
machine.
"""

import base64
import csv
import io
import os
import random
import time
from contextlib import closing

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import fields, sql_db
from odoo.tools import SQL

ROWS = int(os.environ.get("GDPR_BENCH_ROWS", 100_000))
EXISTING = int(os.environ.get("GDPR_BENCH_EXISTING", 20_000))
FORMAT = os.environ.get("GDPR_BENCH_FORMAT", "csv")
COMMIT = os.environ.get("GDPR_BENCH_COMMIT") == "1"

FIRST = (
    "Giulia Luca Marco Sara Paolo Anna Elena Matteo Chiara Davide Laura Nicola".split()
)
LAST = "Rossi Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Costa".split()
CITIES = "Milano Roma Torino Napoli Bologna Firenze Bari Verona Padova Trieste".split()


def existing_contacts(env):
    """Create once, and commit, the contacts the file partly repeats."""
    env.cr.execute(
        "SELECT count(*) FROM res_partner WHERE email LIKE 'bench.existing.%%'"
    )
    have = env.cr.fetchone()[0]
    if have >= EXISTING:
        return
    source = env.ref("gdpr_compliance.gdpr_source_phone_call")
    vals_list = [
        {
            "name": f"{random.choice(FIRST)} {random.choice(LAST)}",
            "email": f"bench.existing.{n}@example.com",
            "phone": f"+39 02 {n:08d}",
            "city": random.choice(CITIES),
            "gdpr_legal_basis": "contract",
            "gdpr_source_id": source.id,
        }
        for n in range(have, EXISTING)
    ]
    Partner = env["res.partner"].with_context(tracking_disable=True)
    for start in range(0, len(vals_list), 2000):
        env["gdpr.bulk.create"]._gdpr_create_many(
            Partner, vals_list[start : start + 2000]
        )
        env.flush_all()
    env.cr.commit()


def bench_user(env):
    user = env["res.users"].search([("login", "=", "gdpr_bench_marketer")])
    if not user:
        user = env["res.users"].create(
            {
                "name": "Bench Marketer",
                "login": "gdpr_bench_marketer",
                "groups_id": [
                    (4, env.ref("gdpr_compliance.group_gdpr_marketing").id),
                    (4, env.ref("base.group_user").id),
                ],
            }
        )
        env.cr.commit()
    return user


def notice(env):
    marketing = env.ref("gdpr_compliance.gdpr_purpose_marketing")
    found = env["gdpr.privacy.notice"].search([("name", "=", "Bench notice")])
    if not found:
        found = env["gdpr.privacy.notice"].create(
            {
                "name": "Bench notice",
                "valid_from": fields.Date.today() - relativedelta(years=2, days=1),
                "purpose_ids": [(6, 0, marketing.ids)],
            }
        )
        env.cr.commit()
    return found


def file_rows():
    today = fields.Date.today()
    rows = []
    for n in range(ROWS):
        answered = today - relativedelta(days=random.randint(1, 330))
        if n % 20 == 0 and EXISTING:
            known = random.randrange(EXISTING)
            if n % 40 == 0:
                email, phone = f"Bench.Existing.{known}@Example.com", ""
            else:
                email, phone = f"other.{n}@example.com", f"0039 02 {known:08d}"
        elif n % 100 == 3:
            email, phone = rows[-1][1], rows[-1][2]
        else:
            email = f"bench.row.{n}@example.com"
            phone = random.choice(("+39 3{:09d}", "3{:09d}", "0039 3{:09d}")).format(n)
        rows.append(
            [
                f"{random.choice(FIRST)} {random.choice(LAST)}",
                email,
                phone,
                random.choice(CITIES),
                "given" if n % 7 else "refused",
                answered.strftime("%d/%m/%Y"),
                random.choice(("paper", "web_form", "checkbox")),
                f"Badge form {n}",
            ]
        )
    return rows


def file_content(rows):
    header = [
        "Name",
        "Email",
        "Phone",
        "City",
        "Consent",
        "Consent Date",
        "Consent Channel",
        "Consent Evidence",
    ]
    if FORMAT == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        output = io.BytesIO()
        book.save(output)
        return output.getvalue(), "bench.xlsx"
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    writer.writerows(rows)
    return output.getvalue().encode(), "bench.csv"


def vacuum(env):
    """Reclaim the rows an earlier rolled-back run left (outside the measured
    time): the run starts from clean tables and indexes, and autovacuum does
    not compete with it for the disk."""
    env.cr.commit()
    _dbname, info = sql_db.connection_info_for(env.cr.dbname)
    with closing(psycopg2.connect(**info)) as connection:
        connection.autocommit = True
        with connection.cursor() as vacuum_cr:
            for table in (
                "res_partner",
                "gdpr_consent_event",
                "gdpr_consent",
                "gdpr_audit_log",
                "gdpr_import_line",
                "ir_attachment",
            ):
                vacuum_cr.execute(f"VACUUM ANALYZE {table}")


def backend_cpu(env):
    """CPU seconds used so far by this transaction's PostgreSQL backend (a
    process of this machine): with the Python side's, what the import costs
    whatever else the machine is doing."""
    env.cr.execute("SELECT pg_backend_pid()")
    pid = env.cr.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as handle:
            values = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(values[11]) + int(values[12])) / os.sysconf("SC_CLK_TCK")


def main(env):
    random.seed(21)
    env["ir.config_parameter"].sudo().set_param(
        "gdpr_compliance.import_background_rows", "0"
    )
    existing_contacts(env)
    user = bench_user(env)
    content, name = file_content(file_rows())
    vacuum(env)
    website = env.ref("gdpr_compliance.gdpr_source_website")
    load_before = os.getloadavg()
    imp = (
        env["gdpr.import"]
        .with_user(user)
        .create(
            {
                "file": base64.b64encode(content),
                "file_name": name,
                "source_id": website.id,
                "legal_basis": "legitimate_interest",
                "notice_id": notice(env).id,
                "duplicate_mode": "merge",
            }
        )
    )
    timings = {}
    python_cpu, db_cpu = time.process_time(), backend_cpu(env)
    started = time.monotonic()
    for step in ("action_read_file", "action_check", "action_import"):
        begin = time.monotonic()
        getattr(imp, step)()
        env.flush_all()
        timings[step] = time.monotonic() - begin
    total = time.monotonic() - started
    python_cpu = time.process_time() - python_cpu
    db_cpu = backend_cpu(env) - db_cpu
    load_after = os.getloadavg()
    env.cr.execute(
        SQL(
            "SELECT count(*) FROM gdpr_consent_event "
            "WHERE origin_model = 'gdpr.import' AND origin_id = %s",
            imp.id,
        )
    )
    events = env.cr.fetchone()[0]
    print(
        f"BENCH import {ROWS} rows ({FORMAT}, {EXISTING} existing contacts): "
        f"read {timings['action_read_file']:.1f} s, "
        f"check {timings['action_check']:.1f} s, "
        f"import {timings['action_import']:.1f} s, total {total:.1f} s "
        f"(target 120 s); state {imp.state}, {imp.count_new} new, "
        f"{imp.count_duplicate} duplicates, {imp.count_created} created, "
        f"{imp.count_merged} merged, {events} consent events; "
        f"CPU {python_cpu:.1f} s Odoo + {db_cpu:.1f} s PostgreSQL; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
        f"on {os.cpu_count()} CPUs"
    )
    if imp.error_message:
        print("ERROR", imp.error_message)
    if COMMIT:
        env.cr.commit()
    else:
        env.cr.rollback()


main(env)  # noqa: F821 - given by odoo shell
