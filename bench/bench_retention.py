# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark (not a test): the retention engine on GDPR_BENCH_PARTNERS
(default 1,000,000) individuals of which one in ten is due (last interaction
25 to 60 months ago, the others within 24 months).

Reports partners evaluated per second (the due query over everybody),
partners anonymised per second by the engine (committed batches, savepoints,
the whole-database sweep), and the same rows anonymised by one raw set-based
SQL UPDATE on the same machine in the same run. Run inside `odoo shell` on a
throw-away database with both addons installed (see bench/README.md); it
commits what it generates and what the engine anonymises.
"""

import logging
import os
import statistics
import time
from contextlib import closing

import psycopg2

from odoo import sql_db

N = int(os.environ.get("GDPR_BENCH_PARTNERS", "1000000"))
BATCH = int(os.environ.get("GDPR_BENCH_BATCH", "500"))
BATCHES = int(os.environ.get("GDPR_BENCH_BATCHES", "4"))

cr = env.cr  # noqa: F821 - provided by odoo shell
env = env  # noqa: F821, PLW0127

# realistic names: 60 first names x 1,000 surnames built from syllables, so
# that homonyms and shared words occur as they do in a real address book
FIRST = (
    "Marco Giulia Luca Francesca Andrea Chiara Matteo Sara Alessandro Anna "
    "Lorenzo Elena Davide Martina Simone Valentina Federico Laura Stefano Paola "
    "Giovanni Silvia Roberto Federica Paolo Alessia Giuseppe Giorgia Antonio "
    "Elisa Francesco Marta Riccardo Ilaria Nicola Claudia Fabio Roberta Daniele "
    "Monica Emanuele Serena Gabriele Cristina Tommaso Veronica Pietro Beatrice "
    "Filippo Alice Michele Camilla Salvatore Irene Vincenzo Noemi Enrico Rita "
    "Leonardo Ginevra"
).split()
SYLLABLES = (
    "Ro Bian Fer Ma Co Ric Gal Con Bru Espo",
    "ssi chi ra ri lom ci lo ti no sit",
)
NAME = (
    "(ARRAY[{}])[1 + g %% 60] || ' ' || "
    "(ARRAY[{}])[1 + (g / 60) %% 10] || (ARRAY[{}])[1 + (g / 600) %% 10] || "
    "(ARRAY['ni', 'li', 'tti', 'ndi', 'rri', 'cci', 'sti', 'nzi', 'zzi', 'lli'])"
    "[1 + (g / 6000) %% 10]"
).format(
    ", ".join(f"'{name}'" for name in FIRST),
    ", ".join(f"'{part}'" for part in SYLLABLES[0].split()),
    ", ".join(f"'{part}'" for part in SYLLABLES[1].split()),
)

cr.execute("SELECT count(*) FROM res_partner WHERE email LIKE 'rb%%@example.org'")
if not cr.fetchone()[0]:
    started = time.perf_counter()
    source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
    # set-based generation; one person in ten last heard of 25 to 60 months
    # ago, the others within the last 24 months
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, email, email_normalized,
                                 phone, street, city, active, type, is_company,
                                 gdpr_legal_basis, gdpr_source_id,
                                 gdpr_last_interaction, create_date, write_date,
                                 lang)
        SELECT {NAME}, {NAME},
               'rb' || g || '@example.org', 'rb' || g || '@example.org',
               '+39 02 ' || lpad(g::text, 8, '0'), 'Via Bench ' || g, 'Milano',
               TRUE, 'contact', FALSE, 'legitimate_interest', %(source)s,
               li, li, li, 'en_US'
          FROM (SELECT g, now() - CASE WHEN g %% 10 = 0
                                       THEN make_interval(days => 760 + (g %% 1065))
                                       ELSE make_interval(days => g %% 720) END AS li
                  FROM generate_series(1, %(n)s) g) s
        """.replace("{NAME}", NAME),
        {"n": N, "source": source.id},
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL"
    )
    cr.execute("ANALYZE")
    cr.commit()
    print(f"generated {N} partners in {time.perf_counter() - started:.1f} s")

# the company of the product's users: an Italian one (its country gives the
# prefix of the phones written without one, and splits those written with it)
if not env.company.country_id:
    env.company.country_id = env.ref("base.it")
    cr.commit()

Partner = env["res.partner"]
cr.execute(
    "SELECT count(*) FROM res_partner WHERE NOT COALESCE(is_company, FALSE) "
    "AND gdpr_retention_state IS NULL"
)
population = cr.fetchone()[0]
started = time.perf_counter()
due = Partner._gdpr_retention_due()
evaluation = time.perf_counter() - started
print(
    f"evaluated={population} due={len(due)} in {evaluation:.2f}s "
    f"-> {population / evaluation:,.0f} partners evaluated/s"
)


def vacuum():
    """Reclaim the dead row versions a rolled-back update leaves (outside
    any measured time): each measure starts from a clean table, and
    autovacuum does not compete with it for the disk."""
    cr.commit()
    _dbname, info = sql_db.connection_info_for(cr.dbname)
    with closing(psycopg2.connect(**info)) as connection:
        connection.autocommit = True
        with connection.cursor() as vacuum_cr:
            vacuum_cr.execute("VACUUM ANALYZE res_partner")


# raw set-based UPDATE of the same kind of rows (rolled back); its time
# varies by a third from run to run: the median of three
sample = [row["partner_id"] for row in due[: BATCH * BATCHES]]
raws = []
for _attempt in range(3):
    vacuum()
    started = time.perf_counter()
    cr.execute(
        """
        UPDATE res_partner
           SET name = 'Anonymised contact ' || id, complete_name = NULL,
               email = NULL, email_normalized = NULL, phone = NULL, mobile = NULL,
               street = NULL, city = NULL, comment = NULL, active = FALSE,
               gdpr_restricted = TRUE, gdpr_anonymised_date = now(),
               gdpr_retention_state = 'anonymised'
         WHERE id = ANY(%s)
        """,
        [sample],
    )
    raws.append(time.perf_counter() - started)
    cr.rollback()
raw = statistics.median(raws)
print(
    f"raw UPDATE of {len(sample)} rows in {raw:.3f}s (median of "
    f"{', '.join(f'{value:.3f}' for value in raws)}) -> {len(sample) / raw:,.0f}/s"
)

vacuum()

# where the engine's time goes: each step's own time (nested steps apart)
STEPS = (
    ("gdpr.retention.run", "_gdpr_due_rows", "selection / rule"),
    ("gdpr.keyed.hash", "_gdpr_pseudonyms_of", "pseudonyms"),
    ("gdpr.audit.log", "_gdpr_log", "audit/ledger"),
    ("gdpr.audit.log", "_gdpr_forget_subjects", "audit/ledger"),
    ("gdpr.retention.run.line", "_gdpr_insert", "audit/ledger"),
    ("gdpr.retention.run", "_gdpr_apply_rows", "anonymise writes"),
    ("gdpr.erasure.sweep", "_gdpr_defer_sweep", "sweep (queue)"),
    ("gdpr.erasure.sweep", "_gdpr_sweep_rows", "sweep (own records)"),
    ("gdpr.erasure.sweep", "_gdpr_sweep_pending", "sweep (database)"),
)
spent = {}
stack = []


def timed(label, function):
    def wrapper(*args, **kwargs):
        if label == "selection / rule":
            # the first call weighs everybody; then each batch is checked
            name = "selection" if args[1] is not None else "rule (per batch)"
        else:
            name = label
        stack.append(0.0)
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - started
            nested = stack.pop()
            spent[name] = spent.get(name, 0.0) + elapsed - nested
            if stack:
                stack[-1] += elapsed

    return wrapper


for model, method, label in STEPS:
    cls = type(env[model])
    setattr(cls, method, timed(label, getattr(cls, method)))
cr.commit = timed("commit", cr.commit)

logging.getLogger("odoo.addons.gdpr_compliance").setLevel(logging.INFO)
logging.getLogger("odoo.addons.gdpr_compliance").addHandler(logging.StreamHandler())
run = env["gdpr.retention.run"]._gdpr_start()
cr.commit()
started = time.perf_counter()
run._gdpr_execute(
    batch_size=BATCH,
    max_batches=BATCHES,
    auto_commit=True,
    subjects={("res.partner", partner_id) for partner_id in sample},
)
engine = time.perf_counter() - started
cr.execute(
    "SELECT count(*) FROM gdpr_retention_run_line "
    "WHERE run_id = %s AND result = 'done'",
    [run.id],
)
done = cr.fetchone()[0]
print(f"of which batches (committed, {BATCH} each): {run.duration:.1f}s")
spent["other"] = engine - sum(spent.values())
print(
    "steps: "
    + ", ".join(
        f"{name} {seconds:.1f}s"
        for name, seconds in sorted(spent.items(), key=lambda item: -item[1])
    )
)
print(
    f"engine anonymised {done} in {engine:.1f}s -> {done / engine:,.1f}/s; "
    f"ratio to raw UPDATE {(engine / done) / (raw / len(sample)):,.1f}x"
)
# what was measured was the whole work: nobody of the sample keeps an
# identifier (but whoever a legal hold keeps minimised, with their name), and
# the sweep left nothing queued
cr.execute(
    "SELECT partner_id FROM gdpr_retention_run_line "
    "WHERE run_id = %s AND action = 'minimise' AND partner_id IS NOT NULL",
    [run.id],
)
held = [row[0] for row in cr.fetchall()]
cr.execute(
    "SELECT count(*) FROM res_partner WHERE id = ANY(%s) AND NOT id = ANY(%s) "
    "AND (email IS NOT NULL OR phone IS NOT NULL "
    "OR name NOT LIKE 'Anonymised contact %%' "
    "OR gdpr_retention_state IS DISTINCT FROM 'anonymised')",
    [sample, held],
)
left = cr.fetchone()[0]
cr.execute(
    "SELECT count(*) FROM res_partner WHERE id = ANY(%s) "
    "AND (email IS NOT NULL OR phone IS NOT NULL)",
    [held],
)
held_left = cr.fetchone()[0]
cr.execute("SELECT count(*) FROM gdpr_erasure_pending")
queued = cr.fetchone()[0]
print(
    f"check: {left} of the sample not anonymised, {len(held)} minimised under "
    f"a legal hold ({held_left} of them keeping an address or phone), "
    f"{queued} identifiers queued"
)
