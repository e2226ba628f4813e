# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Recording consents in batch in the ledger, as an import does.

Run inside ``odoo shell`` (``env`` is given) on a throw-away database with
both addons installed. Creates GDPR_BENCH_PEOPLE (default 10,000) contacts,
then records one consent per contact with an evidence text, an IP address
and a browser in one call of ``_gdpr_record_batch`` (with the per-person
encryption of the evidence: one key per person, created once per batch),
reads them back decrypted, and rolls everything back. Prints one line: the
seconds for the batch and the cost per event, with the share of the
encryption (measured alone on the same values first, then undone).
"""

import os
import time

from dateutil.relativedelta import relativedelta

from odoo import fields

PEOPLE = int(os.environ.get("GDPR_BENCH_PEOPLE", 10_000))

source = env.ref("gdpr_compliance.gdpr_source_trade_fair")  # noqa: F821
partners = (
    env["res.partner"]  # noqa: F821
    .with_context(tracking_disable=True, mail_create_nolog=True)
    .create(
        [
            {
                "name": f"Ledger Bench {i:05d}",
                "email": f"ledger.bench.{i:05d}@example.com",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": source.id,
            }
            for i in range(PEOPLE)
        ]
    )
)
purpose = env["gdpr.purpose"]._gdpr_get("marketing")  # noqa: F821
env["gdpr.privacy.notice"].create(  # noqa: F821
    {
        "name": "Ledger bench notice",
        "valid_from": fields.Date.today() - relativedelta(days=1),
        "purpose_ids": [(6, 0, purpose.ids)],
        "body": "<p>Offers by email.</p>",
    }
)
env.flush_all()  # noqa: F821
entries = [
    {
        "partner": partner,
        "purpose": purpose,
        "action": "given",
        "channel": "web_form",
        "evidence": f"Web form of 2 December sent by {partner.email}",
        "ip": f"198.51.100.{partner.id % 250}",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Bench/1.0",
    }
    for partner in partners
]
# the share of the encryption alone (keys created, values encrypted), on
# the same values, undone before the real batch
Event = env["gdpr.consent.event"]  # noqa: F821
prepared = [
    dict(
        Event._gdpr_prepare_event(
            purpose,
            "given",
            "web_form",
            evidence=entry["evidence"],
            ip=entry["ip"],
            user_agent=entry["user_agent"],
        ),
        partner_id=entry["partner"].id,
    )
    for entry in entries
]
with env.cr.savepoint(flush=False):  # noqa: F821
    started = time.perf_counter()
    Event._gdpr_encrypt_vals_list(prepared)
    encrypted = time.perf_counter() - started
    env.cr.execute("SELECT 1")  # noqa: F821
started = time.perf_counter()
events = Event._gdpr_record_batch(entries)
env.flush_all()  # noqa: F821
recorded = time.perf_counter() - started
env.invalidate_all()  # noqa: F821
started = time.perf_counter()
readable = sum(1 for value in events.sudo().mapped("ip_address") if value)
read = time.perf_counter() - started
env.cr.rollback()  # noqa: F821
print(
    f"LEDGER events={len(events)} record={recorded:.2f}s "
    f"({recorded / len(events) * 1e3:.3f} ms/event, of which encryption "
    f"{encrypted:.2f}s, {encrypted / len(events) * 1e3:.3f} ms/event) "
    f"read_back={read:.2f}s ({readable} readable)"
)
