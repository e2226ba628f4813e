# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""With Sales and Invoicing really installed, on a database of their own (the
privacy addons never depend on them): confirmed orders and posted invoices
are interactions, and an unpaid invoice is a legal hold that keeps its
contact's name, address and VAT past every retention period."""

import json
import textwrap

from odoo_process import IsolatedDatabaseCase

HOLD_SCRIPT = textwrap.dedent(
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


INTERACTION_SCRIPT = textwrap.dedent(
    """
    import json
    from datetime import datetime
    from odoo import fields
    source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
    buyer, billed = env["res.partner"].create([
        {"name": name, "email": f"{name.split()[0].lower()}@example.org",
         "gdpr_legal_basis": "contract", "gdpr_source_id": source.id}
        for name in ("Buyer Person", "Billed Person")
    ])
    env.cr.execute(
        "UPDATE res_partner SET gdpr_last_interaction = %s WHERE id = ANY(%s)",
        (datetime(2020, 1, 1), [buyer.id, billed.id]))
    product = env["product.product"].create({"name": "Sofa", "list_price": 900})
    order = env["sale.order"].create({
        "partner_id": buyer.id,
        "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
    })
    invoice = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": billed.id,
        "invoice_date": "2026-03-16",
        "invoice_line_ids": [(0, 0, {"name": "Chairs", "quantity": 4,
                                     "price_unit": 120})],
    })
    result = {}

    def catch_up(key, partner):
        # each step in its own transaction, as users and the cron do
        env.cr.commit()
        env["res.partner"]._cron_gdpr_last_interaction()
        env.cr.commit()
        partner.invalidate_recordset()
        result[key] = fields.Datetime.to_string(partner.gdpr_last_interaction)

    catch_up("after_quotation", buyer)
    order.action_confirm()
    result["date_order"] = fields.Datetime.to_string(order.date_order)
    catch_up("after_order", buyer)
    catch_up("after_draft_invoice", billed)
    invoice.action_post()
    catch_up("after_invoice", billed)
    print("RESULT " + json.dumps(result))
    """
)


DECISION_SCRIPT = textwrap.dedent(
    """
    import json
    source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
    company, billed = env["res.partner"].create([
        {"name": name, "email": f"{name.split()[0].lower()}@example.org",
         "gdpr_legal_basis": "contract", "gdpr_source_id": source.id,
         "is_company": name.endswith("Spa")}
        for name in ("Buyer Spa", "Billed Person")
    ])
    # the company buys: its employee, whose own row nothing writes, becomes
    # a customer's contact
    buyer = env["res.partner"].create({
        "name": "Employee Person", "email": "employee@example.org",
        "parent_id": company.id, "gdpr_legal_basis": "contract",
        "gdpr_source_id": source.id,
    })
    newsletter = env["mailing.list"].create({"name": "News"})
    contacts = env["mailing.contact"].with_context(
        gdpr_subscription_confirmed=True
    ).create([
        {"name": partner.name, "email": partner.email,
         "list_ids": [(4, newsletter.id)]}
        for partner in (buyer, billed)
    ])
    decisions = env["gdpr.marketing.decision"]

    def stored():
        decisions._gdpr_refresh()
        contacts.invalidate_recordset()
        return [contact.gdpr_marketing_refusal or False for contact in contacts]

    result = {"before": stored()}
    product = env["product.product"].create({"name": "Sofa", "list_price": 900})
    env["sale.order"].create({
        "partner_id": company.id,
        "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
    }).action_confirm()
    env["account.move"].create({
        "move_type": "out_invoice", "partner_id": billed.id,
        "invoice_date": "2026-03-16",
        "invoice_line_ids": [(0, 0, {"name": "Chairs", "quantity": 4,
                                     "price_unit": 120})],
    }).action_post()
    result["after"] = stored()
    result["rule"] = [
        partner._gdpr_can_process("marketing")[0] for partner in (buyer, billed)
    ]
    env.cr.execute(
        "SELECT c.relname, count(*) FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE 'gdpr_marketing_stale_%%' "
        "AND c.relname IN ('sale_order', 'account_move') GROUP BY 1"
    )
    result["triggers"] = dict(env.cr.fetchall())
    print("RESULT " + json.dumps(result))
    env.cr.rollback()
    """
)


class TestSaleAndInvoicing(IsolatedDatabaseCase):
    # the marketing addon is not named: it must come by itself, Email
    # Marketing being installed (auto_install)
    modules = "sale,gdpr_compliance"

    def _result(self, script):
        output = self._odoo(stdin=script).stdout
        lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
        self.assertTrue(lines, output[-2000:])
        return json.loads(lines[-1][len("RESULT ") :])

    def test_marketing_addon_follows_email_marketing(self):
        conn = self._connect(self.db)
        with conn, conn.cursor() as cr:
            cr.execute(
                "SELECT state FROM ir_module_module "
                "WHERE name = 'gdpr_compliance_marketing'"
            )
            state = cr.fetchone()[0]
        conn.close()
        self.assertEqual(state, "installed")

    def test_confirmed_order_and_posted_invoice_are_interactions(self):
        result = self._result(INTERACTION_SCRIPT)
        long_ago = "2020-01-01 00:00:00"
        # a quotation alone is no interaction; its confirmation is
        self.assertEqual(result["after_quotation"], long_ago)
        self.assertEqual(result["after_order"], result["date_order"])
        # a draft invoice is none either; once posted, its date counts
        self.assertEqual(result["after_draft_invoice"], long_ago)
        self.assertEqual(result["after_invoice"], "2026-03-16 00:00:00")

    def test_open_invoice_holds_its_contact(self):
        result = self._result(HOLD_SCRIPT)
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

    def test_orders_and_invoices_move_the_stored_marketing_decision(self):
        # the stored decision a list mailing reads follows the documents of
        # apps the addons do not depend on: a confirmed order, a posted
        # invoice make a customer (Italian Privacy Code art. 130(4))
        result = self._result(DECISION_SCRIPT)
        self.assertEqual(result["before"], ["no_basis", "no_basis"])
        self.assertEqual(result["after"], [False, False])
        self.assertEqual(result["rule"], [True, True])
        self.assertEqual(result["triggers"], {"sale_order": 3, "account_move": 3})
