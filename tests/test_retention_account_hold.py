# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The automatic legal hold of accounting, with Invoicing really installed: an
unpaid invoice keeps its contact's name, address and VAT past every retention
period; the rest of the contact's data goes."""

import json
import textwrap

from odoo_process import IsolatedDatabaseCase

SCRIPT = textwrap.dedent(
    """
    import json
    from dateutil.relativedelta import relativedelta
    from odoo import fields
    long_ago = fields.Datetime.now() - relativedelta(years=11)
    source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
    Partner = env["res.partner"]
    debtor, paid = Partner.create([
        {"name": "Debtor Person", "email": "debtor.person@example.com",
         "phone": "+39 051 111 2222", "street": "Via Irnerio 5",
         "city": "Bologna", "vat": "IT00743110157",
         "gdpr_legal_basis": "contract", "gdpr_source_id": source.id},
        {"name": "Paid Person", "email": "paid.person@example.com",
         "phone": "+39 051 333 4444", "street": "Via Zamboni 7",
         "city": "Bologna", "gdpr_legal_basis": "contract",
         "gdpr_source_id": source.id},
    ])
    moves = env["account.move"].create([
        {"move_type": "out_invoice", "partner_id": partner.id,
         "invoice_date": long_ago.date(),
         "invoice_line_ids": [(0, 0, {"name": "Sofa", "quantity": 1,
                                      "price_unit": 1000})]}
        for partner in (debtor, paid)
    ])
    moves.action_post()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=moves[1].ids
    ).create({"payment_date": long_ago.date()})._create_payments()
    env.flush_all()
    env.cr.execute(
        "UPDATE res_partner SET gdpr_last_interaction = %s, create_date = %s "
        "WHERE id = ANY(%s)", (long_ago, long_ago, [debtor.id, paid.id]))
    people = {("res.partner", debtor.id), ("res.partner", paid.id)}
    due = {row["partner_id"]: row for row in Partner._gdpr_retention_due(
        partner_ids=[debtor.id, paid.id])}
    run = env["gdpr.retention.run"]._gdpr_start()
    run._gdpr_execute(subjects=people)
    (debtor | paid).invalidate_recordset()
    print("RESULT " + json.dumps({
        "payment_states": moves.mapped("payment_state"),
        "due": {str(k): [v["action"], v["hold"]] for k, v in due.items()},
        "debtor": [debtor.id, debtor.name, debtor.street, debtor.vat,
                   debtor.email, debtor.phone, debtor.gdpr_restricted,
                   debtor.gdpr_retention_state],
        "paid": [paid.id, paid.exists() and paid.name,
                 paid.exists() and paid.email,
                 paid.exists() and paid.gdpr_retention_state],
        "lines": sorted(run.line_ids.mapped("action")),
    }))
    env.cr.commit()
    """
)


class TestRetentionAccountHold(IsolatedDatabaseCase):
    modules = "account,gdpr_compliance,gdpr_compliance_marketing"

    def test_open_invoice_holds_its_contact(self):
        output = self._odoo(stdin=SCRIPT).stdout
        lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
        self.assertTrue(lines, output[-2000:])
        result = json.loads(lines[-1][len("RESULT ") :])
        self.assertEqual(result["payment_states"][0], "not_paid")
        self.assertIn(result["payment_states"][1], ("paid", "in_payment"))
        debtor_id, name, street, vat, email, phone, restricted, state = result["debtor"]
        # accounting's ten years are over for both; only the unpaid one is held
        self.assertEqual(result["due"][str(debtor_id)], ["delete", "Open invoice"])
        self.assertFalse(result["due"][str(result["paid"][0])][1])
        self.assertEqual(
            (name, street, vat), ("Debtor Person", "Via Irnerio 5", "IT00743110157")
        )
        self.assertFalse(email or phone)
        self.assertTrue(restricted)
        self.assertEqual(state, "minimised")
        _paid_id, paid_name, paid_email, paid_state = result["paid"]
        self.assertNotEqual(paid_name, "Paid Person")
        self.assertFalse(paid_email)
        self.assertEqual(paid_state, "anonymised")
        self.assertEqual(result["lines"], ["delete", "minimise"])
