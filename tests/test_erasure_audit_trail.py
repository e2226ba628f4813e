# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Erasure with Invoicing's restricted audit trail on, on a database of its
own with `account` really installed: Odoo then refuses to delete the logs of
invoiced contacts. Erasure and retention must still go through, keep those
log entries without the person's data, keep the invoices, and say so."""

import json
import textwrap

from odoo_process import IsolatedDatabaseCase

PHONE = "+39 333 123 4567"
NEW_PHONE = "+39 333 765 4321"

SETUP = textwrap.dedent(
    """
    from dateutil.relativedelta import relativedelta
    from odoo import fields
    from odoo.exceptions import UserError

    env.company.check_account_audit_trail = True
    source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
    Partner = env["res.partner"]
    long_ago = fields.Datetime.now() - relativedelta(years=11)

    def invoiced(name, email, date):
        person = Partner.create({
            "name": name, "email": email, "phone": %(phone)r,
            "street": "Via Irnerio 5", "city": "Bologna",
            "gdpr_legal_basis": "contract", "gdpr_source_id": source.id,
        })
        move = env["account.move"].create({
            "move_type": "out_invoice", "partner_id": person.id,
            "invoice_date": date,
            "invoice_line_ids": [(0, 0, {"name": "Sofa", "quantity": 1,
                                         "price_unit": 1000})],
        })
        move.action_post()
        phone_field = env["ir.model.fields"]._get("res.partner", "phone")
        log = person._message_log(
            body=f"Phone of {name} changed from %(phone)s",
            tracking_value_ids=[(0, 0, {
                "field_id": phone_field.id,
                "old_value_char": %(phone)r,
                "new_value_char": %(new_phone)r,
            })],
        )
        note = person.message_post(body=f"Called {name}", message_type="comment")
        return person, move, log, note

    asked, asked_move, asked_log, asked_note = invoiced(
        "Niccolo Audit", "niccolo.audit@example.com", fields.Date.today())
    expired, expired_move, expired_log, expired_note = invoiced(
        "Ottone Expired", "ottone.expired@example.com", long_ago.date())
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=expired_move.ids
    ).create({"payment_date": long_ago.date()})._create_payments()
    env.flush_all()
    env.cr.execute(
        "UPDATE res_partner SET gdpr_last_interaction = %%s, create_date = %%s "
        "WHERE id = %%s", (long_ago, long_ago, expired.id))

    # the audit trail really refuses to delete the log, through the ORM
    try:
        with env.cr.savepoint():
            asked_log.unlink()
        protected = False
    except UserError:
        protected = True
    env.cr.commit()
    print("SETUP " + json.dumps({
        "protected": protected,
        "asked": [asked.id, asked_move.id, asked_log.id, asked_note.id],
        "expired": [expired.id, expired_move.id, expired_log.id, expired_note.id],
    }))
    """
)

ERASE = textwrap.dedent(
    """
    dpo = env.ref("base.user_admin")
    dpo.groups_id |= env.ref("gdpr_compliance.group_gdpr_officer")
    request = env["gdpr.request"].create({
        "request_type": "erasure", "partner_id": %(partner)d,
        "requester_email": "niccolo.audit@example.com",
    })
    request._gdpr_verify_identity("id_document")
    request.with_user(dpo)._gdpr_process()
    run = env["gdpr.retention.run"]._gdpr_start()
    run._gdpr_execute(subjects={("res.partner", %(expired)d)})
    env.cr.commit()
    print("ERASE " + json.dumps({
        "state": request.state,
        "blocked": request.blocked_reason or "",
        "note": request.answer_note or "",
        "run": [(line.action, line.result, line.message or "")
                for line in run.line_ids],
    }))
    """
)


# What people really type: one person's data in the formats a CRM collects
# over the years, in the places Odoo keeps text.
NAME = "Niccolò D'Amico"
EMAIL = "niccolo.damico@example.com"
PHONE_FORMATS = ("+39 347 765 9012", "3477659012", "347-765-9012", "0039 347 7659012")
CONSENT = {
    "evidence": "Modulo firmato da Niccolò D'Amico in fiera",
    "ip": "203.0.113.77",
    "user_agent": "Mozilla/5.0 (NiccoloPhone; rv:1)",
}

EVERYWHERE = textwrap.dedent(
    """
    from dateutil.relativedelta import relativedelta
    from odoo import fields

    env.company.check_account_audit_trail = True
    source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
    long_ago = fields.Datetime.now() - relativedelta(years=11)
    person = env["res.partner"].create({
        "name": %(name)r, "email": %(email)r, "phone": %(phones)r[0],
        "mobile": %(phones)r[3], "street": "Via Irnerio 5", "city": "Bologna",
        "gdpr_legal_basis": "contract", "gdpr_source_id": source.id,
    })
    move = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": person.id,
        "invoice_date": long_ago.date(),
        "invoice_line_ids": [(0, 0, {"name": "Sofa", "quantity": 1,
                                     "price_unit": 1000})],
    })
    move.action_post()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=move.ids
    ).create({"payment_date": long_ago.date()})._create_payments()
    # the chatter of the invoice, which the audit trail keeps, and of the
    # contact, in capitals and HTML-escaped, with the phone as typed
    move.message_post(
        body="Sollecito a NICCOL&Ograve; D&#39;AMICO, tel. " + %(phones)r[1],
        message_type="comment",
    )
    person.message_post(
        body="Richiamare niccol&ograve; d&#39;amico al " + %(phones)r[2]
        + " o scrivere a " + %(email)r.upper(),
        message_type="comment",
    )
    lead = env["crm.lead"].create({
        "name": "Divano angolare", "partner_id": person.id,
        "description": "Contatto: " + %(name)r.upper() + " - " + %(phones)r[3],
    })
    env["ir.attachment"].create({
        "name": "biglietto.txt", "res_model": "res.partner", "res_id": person.id,
        "raw": (%(name)r + " " + %(phones)r[1]).encode(),
    })
    person._gdpr_record_consent(
        "marketing", "given", "paper",
        evidence=%(evidence)r, ip=%(ip)r, user_agent=%(user_agent)r,
    )
    env.flush_all()
    env.cr.execute(
        "UPDATE res_partner SET gdpr_last_interaction = %%s, create_date = %%s "
        "WHERE id = %%s", (long_ago, long_ago, person.id))
    env.cr.commit()
    run = env["gdpr.retention.run"]._gdpr_start()
    run._gdpr_execute(subjects={("res.partner", person.id)})
    env.cr.commit()
    print("DONE " + json.dumps({
        "person": person.id, "move": move.id, "lead": lead.id,
        "run": [(line.action, line.result, line.message or "")
                for line in run.line_ids],
        "ledger": env["gdpr.consent.event"].sudo()._gdpr_verify_chain()["ok"],
        "audit": env["gdpr.audit.log"].sudo()._gdpr_verify_chain()["ok"],
    }))
    """
)

# Every text-like column of the public schema, as text.
TEXT_COLUMNS = """
    SELECT c.table_name, c.column_name
      FROM information_schema.columns c
      JOIN information_schema.tables t
        ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
       AND c.data_type IN ('text', 'character varying', 'jsonb', 'json')
"""


class TestErasureWithAuditTrail(IsolatedDatabaseCase):
    modules = "account,gdpr_compliance"

    def _run(self, script, tag):
        output = self._odoo(stdin="import json\n" + script).stdout
        lines = [line for line in output.splitlines() if line.startswith(tag + " ")]
        self.assertTrue(lines, output[-2000:])
        return json.loads(lines[-1][len(tag) + 1 :])

    def test_erasure_and_retention_keep_the_trail_without_the_person(self):
        setup = self._run(SETUP % {"phone": PHONE, "new_phone": NEW_PHONE}, "SETUP")
        self.assertTrue(setup["protected"], "the audit trail must be on")
        asked, asked_move, asked_log, asked_note = setup["asked"]
        expired, expired_move, expired_log, expired_note = setup["expired"]

        result = self._run(ERASE % {"partner": asked, "expired": expired}, "ERASE")
        # the erasure went through, minimised under the fiscal hold
        self.assertEqual(result["state"], "done", result["blocked"])
        self.assertIn("Open invoice", result["note"])
        self.assertIn("audit trail keeps the record", result["note"])
        self.assertEqual(
            [(action, status) for action, status, _msg in result["run"]],
            [("delete", "done")],
            result["run"],
        )

        # the invoices stay
        moves = self._rows(
            "SELECT id, state FROM account_move WHERE id = ANY(%s) ORDER BY id",
            [[asked_move, expired_move]],
        )
        self.assertEqual(moves, [(asked_move, "posted"), (expired_move, "posted")])
        # the protected logs stay, emptied of the person; the notes go
        logs = self._rows(
            "SELECT id, author_id, email_from, body FROM mail_message "
            "WHERE id = ANY(%s) ORDER BY id",
            [[asked_log, asked_note, expired_log, expired_note]],
        )
        self.assertEqual([row[0] for row in logs], [asked_log, expired_log])
        for _id, author, email_from, body in logs:
            self.assertFalse(author or email_from)
            self.assertNotIn("Niccolo", body or "")
            self.assertNotIn("Ottone", body or "")
            self.assertNotIn(PHONE, body or "")
        tracking = self._rows(
            "SELECT field_id, old_value_char, new_value_char FROM mail_tracking_value "
            "WHERE mail_message_id = ANY(%s)",
            [[asked_log, expired_log]],
        )
        self.assertEqual(len(tracking), 2, "what changed is still recorded")
        for _field, old, new in tracking:
            self.assertFalse(old or new)
        # nowhere in the messages and their tracking is a phone left
        leftovers = self._rows(
            "SELECT count(*) FROM mail_message m "
            "LEFT JOIN mail_tracking_value t ON t.mail_message_id = m.id "
            "WHERE m.body LIKE %s OR t.old_value_char IN %s "
            "OR t.new_value_char IN %s",
            ["%333 123 4567%", (PHONE, NEW_PHONE), (PHONE, NEW_PHONE)],
        )
        self.assertEqual(leftovers, [(0,)])
        partners = self._rows(
            "SELECT id, name, phone, email, gdpr_retention_state FROM res_partner "
            "WHERE id = ANY(%s) ORDER BY id",
            [[asked, expired]],
        )
        # the one who asked keeps what the fiscal hold needs; the expired one
        # keeps nothing
        self.assertEqual(partners[0][1:4], ("Niccolo Audit", None, None))
        self.assertEqual(partners[0][4], "minimised")
        self.assertNotEqual(partners[1][1], "Ottone Expired")
        self.assertFalse(partners[1][2] or partners[1][3])

    def test_no_string_of_the_person_is_left_in_any_format(self):
        values = {
            "name": NAME,
            "email": EMAIL,
            "phones": PHONE_FORMATS,
            **CONSENT,
        }
        result = self._run(EVERYWHERE % values, "DONE")
        self.assertEqual(
            [(action, status) for action, status, _msg in result["run"]],
            [("delete", "done")],
            result["run"],
        )
        self.assertTrue(result["ledger"], "the consent ledger chain verifies")
        self.assertTrue(result["audit"], "the audit log chain verifies")
        # the invoice stays (it was paid 11 years ago: the fiscal hold is
        # over, so it keeps no name either)
        self.assertEqual(
            self._rows(
                "SELECT state FROM account_move WHERE id = %s", [result["move"]]
            ),
            [("posted",)],
        )
        name_forms = (
            r"niccol(o|ò|&ograve;|&#0*242;|&#x0*f2;)"
            r"(\s|&nbsp;)+d('|’|&#0*39;|&#x0*27;|&apos;)amico"
        )
        found = []
        for table, column in self._rows(TEXT_COLUMNS):
            rows = self._rows(
                f'SELECT count(*) FROM "{table}" WHERE '  # noqa: S608 - catalog names
                f'"{column}"::text ~* %s OR "{column}"::text ILIKE %s '
                f'OR "{column}"::text ILIKE ANY(%s) '
                f"OR regexp_replace(\"{column}\"::text, '[^0-9]', '', 'g') LIKE %s",
                [
                    name_forms,
                    f"%{EMAIL}%",
                    [f"%{CONSENT['ip']}%", "%NiccoloPhone%"],
                    "%3477659012%",
                ],
            )
            if rows[0][0]:
                found.append(f"{table}.{column}: {rows[0][0]}")
        self.assertEqual(found, [], "the person's strings are still there")
