# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .gdpr_purpose import RETENTION_ACTION_STRENGTH


class GdprRetentionPolicy(models.AbstractModel):
    """Whose data no purpose allows to keep any more (Art. 5(1)(e) GDPR),
    and what must be kept whatever the purposes say (legal holds, fiscal
    documents, Italian civil code art. 2220). Set-based: the daily retention
    run, its dry run and the overview's forecast read it for every contact
    at once. Which purposes still cover a person is the processing rule's
    answer."""

    _name = "gdpr.retention.policy"
    _description = "Retention Policy"

    @api.model
    def _gdpr_legal_hold_queries(self, as_of):
        """Queries returning ``(partner_id, reason)`` for every contact whose
        data must be kept whatever the retention says: manual holds, and open
        or recent fiscal documents when accounting is installed. Extend it to
        add other apps' holds."""
        queries = [
            SQL(
                "SELECT h.partner_id, h.reason FROM gdpr_legal_hold h "
                "WHERE h.active AND (h.date_until IS NULL OR h.date_until >= %s)",
                as_of.date(),
            )
        ]
        if "account.move" in self.env:
            queries.append(
                SQL(
                    """
                    SELECT am.partner_id,
                           CASE WHEN am.payment_state IN
                                     ('not_paid', 'partial')
                                THEN %s ELSE %s END
                      FROM account_move am
                     WHERE am.state = 'posted' AND am.partner_id IS NOT NULL
                       AND am.move_type IN
                           ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')
                       AND (am.payment_state IN ('not_paid', 'partial')
                            OR am.invoice_date > %s - interval '10 years')
                    """,
                    self.env._("Open invoice"),
                    self.env._("Fiscal documents younger than 10 years"),
                    as_of,
                )
            )
        return queries

    @api.model
    def _gdpr_retention_due(
        self, as_of=None, limit=None, exclude_ids=(), partner_ids=None
    ):
        """Individuals whose data no purpose that applies to them allows to
        keep at ``as_of`` (now by default). Set-based.

        Returns dicts with the partner, the governing purpose (the one that
        kept the data longest; the stronger action on a tie), its action, the
        date its period ended and the legal holds (reasons, or False).
        Contacts of users and companies are outside retention."""
        as_of = as_of or fields.Datetime.now()
        self.env.flush_all()
        rule = self.env["gdpr.processing.rule"]
        documents = rule._gdpr_customer_document_dates()
        holds = SQL(" UNION ALL ").join(self._gdpr_legal_hold_queries(as_of))
        only = (
            SQL("AND rp.id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                WITH person AS (
                    SELECT rp.id, rp.commercial_partner_id, rp.company_id,
                           rp.create_date, rp.gdpr_collection_date,
                           rp.gdpr_last_interaction, rp.gdpr_retention_date,
                           rp.gdpr_retention_state, rp.gdpr_restricted,
                           rp.email_normalized
                      FROM res_partner rp
                     WHERE NOT COALESCE(rp.is_company, FALSE)
                       AND rp.gdpr_retention_state IS DISTINCT FROM 'anonymised'
                       AND NOT EXISTS (SELECT 1 FROM res_users u
                                        WHERE u.partner_id = rp.id)
                       AND NOT EXISTS (SELECT 1 FROM res_company c
                                        WHERE c.partner_id = rp.id)
                       AND NOT (rp.id = ANY(%(exclude)s))
                       %(only)s
                ),
                documents AS (%(documents)s),
                relationship AS (
                    SELECT p.id AS partner_id, MAX(d.date) AS last_date
                      FROM person p
                      JOIN documents d(partner_id, date)
                        ON d.partner_id IN (p.id, p.commercial_partner_id)
                  GROUP BY p.id
                ),
                kept AS (
                    SELECT p.id AS partner_id, pu.id AS purpose_id,
                           pu.retention_action AS action,
                           %(keep_until)s AS keep_until,
                           CASE pu.retention_action %(strength)s
                                ELSE 0 END AS strength
                      FROM person p
                      JOIN gdpr_purpose pu
                        ON pu.active
                       AND (pu.company_id IS NULL OR p.company_id IS NULL
                            OR pu.company_id = p.company_id)
                 LEFT JOIN relationship r ON r.partner_id = p.id
                 LEFT JOIN gdpr_consent c
                        ON c.partner_id = p.id AND c.purpose_id = pu.id
                     WHERE %(keeps)s
                ),
                governing AS (
                    SELECT DISTINCT ON (partner_id)
                           partner_id, purpose_id, action, keep_until
                      FROM kept
                  ORDER BY partner_id, keep_until DESC, strength DESC
                ),
                held AS (
                    SELECT h.partner_id, string_agg(DISTINCT h.reason, '; ') AS reasons
                      FROM (%(holds)s) AS h(partner_id, reason)
                  GROUP BY h.partner_id
                )
                SELECT g.partner_id, g.purpose_id, g.action, g.keep_until,
                       held.reasons
                  FROM governing g
                  JOIN person p ON p.id = g.partner_id
             LEFT JOIN held ON held.partner_id = g.partner_id
                 WHERE g.keep_until < %(as_of)s
                   AND (p.gdpr_retention_date IS NULL
                        OR p.gdpr_retention_date < g.keep_until
                        OR (p.gdpr_retention_state = 'minimised'
                            AND held.partner_id IS NULL))
              ORDER BY g.partner_id
                 LIMIT %(limit)s
                """,
                exclude=list(exclude_ids),
                only=only,
                keep_until=rule._gdpr_keep_until_sql(
                    "pu", "p", relationship=SQL("r.last_date")
                ),
                documents=documents,
                keeps=rule._gdpr_keeps_sql(
                    {"partner": "p", "consent": "c", "purpose": "pu"},
                    customer=SQL("(r.partner_id IS NOT NULL)"),
                    relationship=SQL("r.last_date"),
                ),
                strength=SQL(" ").join(
                    SQL("WHEN %s THEN %s", action, rank)
                    for action, rank in RETENTION_ACTION_STRENGTH.items()
                ),
                holds=holds,
                as_of=as_of,
                limit=limit,
            )
        )
        return [
            {
                "partner_id": partner_id,
                "purpose_id": purpose_id,
                "action": action,
                "keep_until": keep_until,
                "hold": reasons or False,
            }
            for partner_id, purpose_id, action, keep_until, reasons in (
                self.env.cr.fetchall()
            )
        ]

    @api.model
    def _gdpr_hold_reasons(self, partner, as_of=None):
        """Why ``partner``'s data must be kept whatever they ask: manual legal
        holds and the automatic ones (open invoices, fiscal documents)."""
        partner.ensure_one()
        as_of = as_of or fields.Datetime.now()
        reasons = []
        for query in self._gdpr_legal_hold_queries(as_of):
            self.env.cr.execute(
                SQL(
                    "SELECT DISTINCT reason FROM (%s) AS hold(partner_id, reason) "
                    "WHERE partner_id = ANY(%s)",
                    query,
                    self.env["gdpr.erasure"]._gdpr_people(partner).ids,
                )
            )
            reasons += [row[0] for row in self.env.cr.fetchall() if row[0]]
        return sorted(set(reasons))
