# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark (not a test): recipient computation of a mailing to a list of
N mailing contacts, stock mass_mailing vs with the GDPR rules.

Run inside `odoo shell` on a throw-away database with both addons installed
(see bench/README.md); it commits the data it generates.
"""

import os
import statistics
import time

N = int(os.environ.get("GDPR_BENCH_CONTACTS", "100000"))
REPEAT = int(os.environ.get("GDPR_BENCH_REPEAT", "5"))
# "mixed" (default): one contact in ten has its own marketing consent, most
# are excluded. "consented": every contact gave consent by double opt-in, as
# on a list kept the lawful way; only the unconfirmed are excluded.
SCENARIO = os.environ.get("GDPR_BENCH_SCENARIO", "mixed")
LIST_NAME = "GDPR bench" if SCENARIO == "mixed" else f"GDPR bench {SCENARIO}"
PREFIX = "bench" if SCENARIO == "mixed" else f"bench-{SCENARIO}-"
OWN_CONSENT = slice(5, None, 10) if SCENARIO == "mixed" else slice(None)
# Partners that have nothing to do with the mailing, as a real database holds
# (customers, suppliers, old leads): the rules must cost what the mailing
# costs, not what the partner table does. Generated once, set-based.
OTHER_PARTNERS = int(os.environ.get("GDPR_BENCH_OTHER_PARTNERS", "0"))

cr = env.cr  # noqa: F821 - provided by odoo shell
env = env  # noqa: F821, PLW0127

mailing_list = env["mailing.list"].search([("name", "=", LIST_NAME)], limit=1)
if not mailing_list:
    mailing_list = env["mailing.list"].create({"name": LIST_NAME})
    started = time.perf_counter()
    # set-based generation: the ORM would take minutes for 100k contacts
    cr.execute(
        """
        INSERT INTO mailing_contact (name, email, email_normalized, create_date,
                                     write_date, create_uid, write_uid)
        SELECT 'Bench ' || g, %(prefix)s || g || '@example.org',
               %(prefix)s || g || '@example.org', now(), now(), 1, 1
          FROM generate_series(1, %(n)s) g
        RETURNING id
        """,
        {"n": N, "prefix": PREFIX},
    )
    contact_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO mailing_subscription (contact_id, list_id, opt_out,
                                          gdpr_confirmation_state,
                                          create_date, write_date)
        SELECT c.id, %(list)s, FALSE,
               -- one subscription in twenty still waits for its double opt-in
               CASE WHEN c.n %% 20 = 0 THEN 'pending' ELSE 'confirmed' END,
               now(), now()
          FROM unnest(%(ids)s) WITH ORDINALITY AS c(id, n)
        """,
        {"ids": contact_ids, "list": mailing_list.id},
    )
    # one contact in ten has a partner with the same address, half of them
    # with a marketing consent; one in ten has a consent on the contact itself
    purpose = env.ref("gdpr_compliance.gdpr_purpose_marketing")
    source = env.ref("gdpr_compliance.gdpr_source_newsletter")
    cr.execute(
        """
        INSERT INTO res_partner (name, email, email_normalized, active, type,
                                 is_company, gdpr_legal_basis, gdpr_source_id,
                                 create_date, write_date, commercial_partner_id,
                                 partner_share)
        SELECT 'Bench ' || g, %(prefix)s || g || '@example.org',
               %(prefix)s || g || '@example.org', TRUE, 'contact', FALSE,
               'consent', %(source)s, now(), now(), NULL, TRUE
          FROM generate_series(1, %(n)s, 10) g
        RETURNING id
        """,
        {"n": N, "source": source.id, "prefix": PREFIX},
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [partner_ids],
    )
    cr.execute(
        """
        INSERT INTO gdpr_consent (partner_id, purpose_id, state, create_date,
                                  write_date)
        SELECT unnest(%(ids)s), %(purpose)s, 'given', now(), now()
        """,
        {"ids": partner_ids[::2], "purpose": purpose.id},
    )
    # Each event must follow the head of the ledger, which a row trigger
    # moves: one update of the head per event, which is quadratic for a
    # hundred thousand events in one statement. The bench database is not
    # evidence: the events are chained on made-up hashes with the trigger
    # off, then the head is set once, as the trigger would have left it.
    cr.execute(
        "ALTER TABLE gdpr_consent_event DISABLE TRIGGER gdpr_consent_event_chain_head"
    )
    cr.execute(
        """
        WITH head AS (SELECT sequence, hash FROM gdpr_consent_event_head
                       WHERE id = 1),
             events AS (SELECT c.id, c.n, head.sequence + c.n AS seq, head.hash
                          FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS c(id, n),
                               head)
        INSERT INTO gdpr_consent_event (sequence, origin_model, origin_id,
                                        purpose_id, action, channel, hash,
                                        previous_hash, event_time, create_date,
                                        write_date)
        SELECT e.seq, 'mailing.contact', e.id, %(purpose)s, 'given',
               'double_opt_in', md5('bench' || e.seq),
               CASE WHEN e.n = 1 THEN e.hash ELSE md5('bench' || (e.seq - 1)) END,
               now(), now(), now()
          FROM events e
        """,
        {"purpose": purpose.id, "ids": contact_ids[OWN_CONSENT]},
    )
    cr.execute(
        "ALTER TABLE gdpr_consent_event ENABLE TRIGGER gdpr_consent_event_chain_head"
    )
    cr.execute(
        "ALTER TABLE gdpr_consent_event_head "
        "DISABLE TRIGGER gdpr_consent_event_head_guard"
    )
    cr.execute(
        """
        UPDATE gdpr_consent_event_head h SET sequence = e.sequence, hash = e.hash
          FROM (SELECT sequence, hash FROM gdpr_consent_event
                 ORDER BY sequence DESC LIMIT 1) e
         WHERE h.id = 1
        """
    )
    cr.execute(
        "ALTER TABLE gdpr_consent_event_head "
        "ENABLE TRIGGER gdpr_consent_event_head_guard"
    )
    cr.execute("ANALYZE")
    cr.commit()
    print(f"generated {N} contacts in {time.perf_counter() - started:.1f} s")

cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE 'Bench other %%'")
have = cr.fetchone()[0]
if have < OTHER_PARTNERS:
    started = time.perf_counter()
    source = env.ref("gdpr_compliance.gdpr_source_phone_call")
    cr.execute(
        """
        INSERT INTO res_partner (name, email, email_normalized, active, type,
                                 is_company, gdpr_legal_basis, gdpr_source_id,
                                 create_date, write_date, partner_share)
        SELECT 'Bench other ' || g, 'other' || g || '@example.com',
               'other' || g || '@example.com', TRUE, 'contact', FALSE,
               'legitimate_interest', %(source)s, now(), now(), TRUE
          FROM generate_series(%(first)s, %(last)s) g
        """,
        {"source": source.id, "first": have + 1, "last": OTHER_PARTNERS},
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL AND name LIKE 'Bench other %%'"
    )
    cr.execute("ANALYZE")
    cr.commit()
    print(
        f"generated {OTHER_PARTNERS - have} other partners in "
        f"{time.perf_counter() - started:.1f} s"
    )

mailing = env["mailing.mailing"].create(
    {
        "subject": "Bench",
        "body_html": "<p>x</p>",
        "mailing_model_id": env["ir.model"]._get_id("mailing.list"),
        "contact_list_ids": [(6, 0, mailing_list.ids)],
    }
)


def timed(function):
    env.invalidate_all()
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def interleaved(*functions):
    """Median time and last result of each function, run in turns (one
    warm-up round first, not counted): the load of a shared machine then
    weighs on each alike."""
    for function in functions:
        function()
    timings = [[] for _function in functions]
    results = [None] * len(functions)
    for round_ in range(REPEAT):
        # alternate which goes first, so neither always follows the other
        order = (
            range(len(functions))
            if round_ % 2 == 0
            else reversed(range(len(functions)))
        )
        for index in order:
            elapsed, results[index] = timed(functions[index])
            timings[index].append(elapsed)
    return [
        (statistics.median(times), result)
        for times, result in zip(timings, results, strict=True)
    ]


(stock_time, stock), (gdpr_time, kept) = interleaved(
    mailing._gdpr_domain_recipients, mailing._get_recipients
)
# what the marketer waits for when asking who is skipped (Count them)
((count_time, _counted),) = interleaved(mailing.action_gdpr_count_exclusions)
# what a list mailing pays after events: the persons marked by the triggers
# are decided again by the rule before the search (here 1,000 of them), and
# the data protection officer's repair decides everybody again
decisions = env["gdpr.marketing.decision"]


def mark_and_refresh():
    cr.execute(
        "INSERT INTO gdpr_marketing_decision_stale "
        "SELECT DISTINCT gdpr_partner_id FROM mailing_contact "
        "WHERE gdpr_partner_id IS NOT NULL LIMIT 1000"
    )
    started = time.perf_counter()
    decisions._gdpr_refresh()
    return time.perf_counter() - started


refresh_time = statistics.median(mark_and_refresh() for _i in range(REPEAT))
((repair_time, _changed),) = interleaved(decisions._gdpr_recompute_all)
cr.execute("SELECT count(*) FROM res_partner")
partners = cr.fetchone()[0]
cr.execute("SELECT count(DISTINCT gdpr_partner_id) FROM mailing_contact")
persons = cr.fetchone()[0]
print(
    f"scenario={SCENARIO} partners={partners} contacts={len(stock)} "
    f"kept={len(kept)} excluded={len(stock) - len(kept)} "
    f"stock={stock_time:.3f}s gdpr={gdpr_time:.3f}s ratio={gdpr_time / stock_time:.2f} "
    f"count_exclusions={count_time:.3f}s refresh_1000={refresh_time:.3f}s "
    f"recompute_all({persons} persons)={repair_time:.3f}s"
)
cr.rollback()
