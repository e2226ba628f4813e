# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL


class GdprProcessingRule(models.AbstractModel):
    """May a person's data be processed for a purpose now, and if not, why.

    The one implementation of the rule, set-based SQL: mailings of 100,000
    contacts apply it in one query, and the answer for one contact
    (``res.partner._gdpr_can_process``) is the same query for one id, so the
    two cannot disagree. Retention, the access report, the portability
    export and the mail composer ask it too.

    The SQL reads the purpose's settings from its row (aliased ``pu``), so
    that the retention engine can apply it to every purpose at once."""

    _name = "gdpr.processing.rule"
    _description = "Processing Rule"

    # ------------------------------------------------------------------
    # Reasons
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_decision_selection(self):
        """Why a person may not be processed, in the order the rule checks
        it: the one list of reasons, translated once, that mailings,
        composer, exports and the left-out figures show."""
        return [
            ("restricted", self.env._("Processing restricted (Art. 18)")),
            ("withdrawn", self.env._("Consent withdrawn, refused or expired")),
            ("lapsed", self.env._("Retention period over")),
            ("no_basis", self.env._("No consent (prospect) and no other basis")),
        ]

    @api.model
    def _gdpr_refusal_counts(self, refused):
        """``["<reason>: <count>", ...]`` for ``{res_id: reason}``."""
        labels = dict(self._gdpr_decision_selection())
        counts = {}
        for reason in refused.values():
            counts[reason] = counts.get(reason, 0) + 1
        return [f"{labels[key]}: {count}" for key, count in sorted(counts.items())]

    @api.model
    def _gdpr_ground_labels(self, purpose):
        """Why a person may be processed for ``purpose``: {ground: label}."""
        basis = dict(
            purpose._fields["legal_basis"]._description_selection(self.env)
        ).get(purpose.legal_basis, purpose.legal_basis)
        return {
            "consent": self.env._("consent given"),
            "customer": self.env._(
                "existing customer, legitimate interest until they object"
            ),
            "basis": basis,
        }

    # ------------------------------------------------------------------
    # SQL building blocks
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_customer_documents(self):
        """(table, condition, date) of the documents that make a customer, the
        date being when the document closed the deal; sale and accounting
        count when installed."""
        documents = [
            (
                "crm_lead",
                "EXISTS (SELECT 1 FROM crm_stage s WHERE s.id = d.stage_id "
                "AND s.is_won)",
                "COALESCE(d.date_closed, d.write_date)",
            )
        ]
        if "sale.order" in self.env:
            documents.append(("sale_order", "d.state = 'sale'", "d.date_order"))
        if "account.move" in self.env:
            documents.append(
                (
                    "account_move",
                    "d.state = 'posted' "
                    "AND d.move_type IN ('out_invoice', 'out_refund')",
                    "d.invoice_date::timestamp",
                )
            )
        return documents

    @api.model
    def _gdpr_customer_document_dates(self):
        """SQL rows ``(partner_id, date)``: every document that makes a
        customer, dated when it closed the deal."""
        return SQL(" UNION ALL ").join(
            SQL(
                "SELECT d.partner_id, %s FROM %s d WHERE %s",
                SQL(date),
                SQL.identifier(table),
                SQL(condition),
            )
            for table, condition, date in self._gdpr_customer_documents()
        )

    @api.model
    def _gdpr_customer_sql(self, alias):
        """SQL condition: the partner aliased ``alias`` is an existing
        customer, by a document of its own or of its company (the buyer).
        A colleague's purchase does not count: the soft opt-in of Italian
        Privacy Code art. 130(4) covers the address the customer gave in the
        sale, not their colleagues'."""
        partner = SQL.identifier(alias)
        return SQL(
            "(%s)",
            SQL(" OR ").join(
                SQL(
                    "EXISTS (SELECT 1 FROM %s d WHERE %s "
                    "AND d.partner_id IN (%s.id, %s.commercial_partner_id))",
                    SQL.identifier(table),
                    SQL(condition),
                    partner,
                    partner,
                )
                for table, condition, _date in self._gdpr_customer_documents()
            ),
        )

    @api.model
    def _gdpr_keep_until_sql(self, purpose_alias, partner_alias, relationship=None):
        """SQL expression: until when the purpose aliased ``purpose_alias``
        allows keeping the data of the partner aliased ``partner_alias`` (its
        retention anchor plus its months; infinity without a period).
        ``relationship`` is the query's own SQL for the date the customer
        relationship last moved (its last document), when it has one."""
        pu = SQL.identifier(purpose_alias)
        partner = SQL.identifier(partner_alias)
        if relationship is None:
            relationship = SQL(
                "(SELECT MAX(doc.date) FROM (%s) AS doc(partner_id, date) "
                "WHERE doc.partner_id IN (%s.id, %s.commercial_partner_id))",
                self._gdpr_customer_document_dates(),
                partner,
                partner,
            )
        return SQL(
            """
            CASE WHEN COALESCE(%(pu)s.retention_months, 0) = 0
                 THEN 'infinity'::timestamp
                 ELSE (CASE %(pu)s.retention_anchor
                       WHEN 'creation' THEN COALESCE(
                           %(partner)s.gdpr_collection_date::timestamp,
                           %(partner)s.create_date)
                       WHEN 'end_of_relationship' THEN COALESCE(
                           %(relationship)s, %(partner)s.gdpr_last_interaction,
                           %(partner)s.create_date)
                       ELSE COALESCE(%(partner)s.gdpr_last_interaction,
                                     %(partner)s.create_date)
                       END) + make_interval(months => %(pu)s.retention_months)
            END
            """,
            pu=pu,
            partner=partner,
            relationship=relationship,
        )

    @api.model
    def _gdpr_refusal_conditions(
        self, aliases, customer=None, relationship=None, as_of=None
    ):
        """``[(reason, SQL condition)]``, in the order they are checked: the
        first that holds is why the partner may not be processed.

        ``aliases`` names the query's partner (``partner``), its gdpr_consent
        row for the purpose (``consent``) and the purpose (``purpose``).
        ``customer``, when given, is the query's own SQL condition for "the
        partner is an existing customer" (e.g. from a join). Extended by the
        marketing addon (suppression list)."""
        partner = SQL.identifier(aliases["partner"])
        consent = SQL.identifier(aliases["consent"])
        pu = SQL.identifier(aliases["purpose"])
        customer = customer or self._gdpr_customer_sql(aliases["partner"])
        return [
            # Art. 18(2): only storage is allowed
            ("restricted", SQL("%s.gdpr_restricted IS TRUE", partner)),
            # Art. 7(3): withdrawal stops the processing from that moment
            (
                "withdrawn",
                SQL("%s.state IN ('withdrawn', 'refused', 'expired')", consent),
            ),
            # Art. 5(1)(e): kept no longer than the purpose needs
            (
                "lapsed",
                SQL(
                    "(%s < %s)",
                    self._gdpr_keep_until_sql(
                        aliases["purpose"], aliases["partner"], relationship
                    ),
                    as_of or fields.Datetime.now(),
                ),
            ),
            # Art. 6(1): a basis; consent unless the purpose rests on another
            # one, or, for direct marketing to a customer, art. 130(4)
            (
                "no_basis",
                SQL(
                    "NOT (%(consent)s.state IS NOT DISTINCT FROM 'given' "
                    "OR %(pu)s.requires_consent IS NOT TRUE "
                    "OR (%(pu)s.customer_legitimate_interest IS TRUE "
                    "AND %(customer)s))",
                    consent=consent,
                    pu=pu,
                    customer=customer,
                ),
            ),
        ]

    @api.model
    def _gdpr_refusal_sql(
        self, aliases, customer=None, relationship=None, as_of=None, skip=()
    ):
        """SQL expression: the reason the partner may not be processed for
        the purpose (see ``_gdpr_refusal_conditions``), NULL when it may.
        ``skip`` leaves checks out (retention: restriction and lapse)."""
        conditions = [
            SQL("WHEN %s THEN %s", condition, reason)
            for reason, condition in self._gdpr_refusal_conditions(
                aliases, customer=customer, relationship=relationship, as_of=as_of
            )
            if reason not in skip
        ]
        if not conditions:
            return SQL("NULL::varchar")
        return SQL("(CASE %s ELSE NULL END)", SQL(" ").join(conditions))

    @api.model
    def _gdpr_keeps_sql(self, aliases, customer=None, relationship=None):
        """SQL condition: the purpose still covers the partner, so its
        retention period counts: the rule allows the processing, restriction
        aside (Art. 18(1): storage goes on) and the period itself aside (the
        retention engine measures it); a purpose on contract or legal
        obligation covers customers only."""
        customer = customer or self._gdpr_customer_sql(aliases["partner"])
        return SQL(
            "((%(pu)s.retention_scope <> 'customers' OR %(customer)s) "
            "AND %(refused)s IS NULL)",
            pu=SQL.identifier(aliases["purpose"]),
            customer=customer,
            refused=self._gdpr_refusal_sql(
                aliases,
                customer=customer,
                relationship=relationship,
                skip=("restricted", "lapsed"),
            ),
        )

    @api.model
    def _gdpr_ground_sql(self, aliases):
        """SQL expression: on what the partner may be processed, once no
        reason refuses it."""
        return SQL(
            "(CASE WHEN %(consent)s.state = 'given' THEN 'consent' "
            "WHEN %(pu)s.requires_consent IS NOT TRUE THEN 'basis' "
            "ELSE 'customer' END)",
            consent=SQL.identifier(aliases["consent"]),
            pu=SQL.identifier(aliases["purpose"]),
        )

    # ------------------------------------------------------------------
    # Decisions
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_verdict_rows_sql(self, purpose, partner_ids, as_of=None):
        """SQL rows ``(id, reason, ground, keep_until)`` for ``purpose`` (a
        gdpr.purpose) of the partners the SQL ``partner_ids`` returns (one
        column), at ``as_of`` (now): why each may not be processed (NULL when
        it may), on what it may, and until when the purpose lets the data be
        kept, after which the answer is "lapsed" unless a reason checked
        before holds (Art. 5(1)(e)); infinity without a retention period."""
        aliases = {"partner": "rp", "consent": "c", "purpose": "pu"}
        return SQL(
            """
            SELECT rp.id, %(reason)s, %(ground)s, %(keep_until)s
              FROM (%(ids)s) AS t(id)
              JOIN res_partner rp ON rp.id = t.id
              JOIN gdpr_purpose pu ON pu.id = %(purpose)s
         LEFT JOIN gdpr_consent c
                ON c.partner_id = rp.id AND c.purpose_id = pu.id
            """,
            reason=self._gdpr_refusal_sql(aliases, as_of=as_of),
            ground=self._gdpr_ground_sql(aliases),
            keep_until=self._gdpr_keep_until_sql("pu", "rp"),
            purpose=purpose.id,
            ids=partner_ids,
        )

    @api.model
    def _gdpr_verdicts(self, partner_ids, purpose):
        """``{partner_id: (reason, ground)}`` for ``purpose`` (a gdpr.purpose
        or its code): ``reason`` why the partner may not be processed (False
        when it may), ``ground`` on what it may. One query for any number of
        partners."""
        partner_ids = [pid for pid in partner_ids if isinstance(pid, int)]
        if not partner_ids:
            return {}
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose)
        self.env.flush_all()
        self.env.cr.execute(
            self._gdpr_verdict_rows_sql(
                purpose, SQL("SELECT unnest(%s::int[])", list(set(partner_ids)))
            )
        )
        return {
            pid: (reason or False, False if reason else ground)
            for pid, reason, ground, _keep_until in self.env.cr.fetchall()
        }

    @api.model
    def _gdpr_decisions(self, partner_ids, purpose):
        """``{partner_id: reason or False}``: False when the partner may be
        processed for ``purpose``, else why not."""
        return {
            pid: reason
            for pid, (reason, _ground) in self._gdpr_verdicts(
                partner_ids, purpose
            ).items()
        }

    @api.model
    def _gdpr_refusals(self, partner_ids, purpose):
        """``{partner_id: reason}`` for the partners that may NOT be
        processed for ``purpose``."""
        return {
            pid: reason
            for pid, reason in self._gdpr_decisions(partner_ids, purpose).items()
            if reason
        }

    @api.model
    def _gdpr_explain(self, partner, purpose):
        """``(allowed, reason)`` for one partner, in words."""
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose)
        reason, ground = self._gdpr_verdicts(partner.ids, purpose).get(
            partner.id, ("no_basis", False)
        )
        if reason:
            return False, dict(self._gdpr_decision_selection())[reason]
        return True, self._gdpr_ground_labels(purpose)[ground]

    # ------------------------------------------------------------------
    # Records that stand for a person: leads, mailing contacts
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_own_consent_sql(self, origin_model, purpose, origin_ids=None):
        """SQL: ``(origin_id, action)``, the last consent event for ``purpose``
        recorded on each record of ``origin_model`` itself (no partner), of
        the ``origin_ids`` sub-query when given."""
        only = SQL("AND e.origin_id IN (%s)", origin_ids) if origin_ids else SQL()
        return SQL(
            """
            SELECT DISTINCT ON (e.origin_id) e.origin_id, e.action
              FROM gdpr_consent_event e
             WHERE e.origin_model = %s AND e.partner_id IS NULL
               AND e.purpose_id = %s %s
          ORDER BY e.origin_id, e.sequence DESC
            """,
            origin_model,
            purpose.id,
            only,
        )

    @api.model
    def _gdpr_person_map(self, model, purpose):
        """``(partner_of, own)`` for the records of ``model`` that stand for
        a person: ``partner_of`` SQL rows ``(id, partner_id)`` of the records
        of the CTE ``targets``, ``own`` SQL rows ``(origin_id, action)`` of
        the last consent recorded on the records themselves (None: read from
        the ledger). None for a model whose records stand for nobody."""
        if model == "res.partner":
            return SQL("SELECT t.id, t.id AS partner_id FROM targets t"), None
        if model not in self.env:
            return None
        # a lead, and any document of another app, stands for its contact
        # (its partner_id); a lead without one carries its own consent
        Model = self.env[model]
        field = Model._fields.get("partner_id")
        if not (
            field
            and field.type == "many2one"
            and field.comodel_name == "res.partner"
            and field.store
            and not Model._abstract
        ):
            return None
        return (
            SQL(
                "SELECT t.id, r.partner_id FROM targets t JOIN %s r ON r.id = t.id",
                SQL.identifier(Model._table),
            ),
            None,
        )

    @api.model
    def _gdpr_record_refusals(self, model, res_ids, purpose, targets=None):
        """``{res_id: reason}`` for the records of ``model`` that may NOT be
        processed for ``purpose``: a record with a person follows the
        person's decision; one without follows the consent recorded on the
        record itself (a lead from a web form), none being no basis.
        ``targets`` is an optional SQL sub-query returning ``res_ids``.
        Set-based whatever the number of records. A model the rule does not
        know (no person behind its records) refuses nobody."""
        if not res_ids:
            return {}
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose)
        mapping = self._gdpr_person_map(model, purpose)
        if mapping is None:
            return {}
        if targets is None:
            targets = SQL("(SELECT unnest(%s::int[]) AS id)", list(res_ids))
        partner_of, own = mapping
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH targets AS (SELECT tg.id FROM %(targets)s AS tg),
                     mapped AS (%(partner_of)s),
                     own AS (%(own)s)
                SELECT m.id, m.partner_id, own.action
                  FROM mapped m
             LEFT JOIN own ON own.origin_id = m.id
                """,
                targets=targets,
                partner_of=partner_of,
                own=own
                or self._gdpr_own_consent_sql(
                    model,
                    purpose,
                    SQL("SELECT m.id FROM mapped m WHERE m.partner_id IS NULL"),
                ),
            )
        )
        rows = self.env.cr.fetchall()
        partner_refused = self._gdpr_refusals(
            {partner_id for _res_id, partner_id, _action in rows if partner_id},
            purpose,
        )
        refused = {}
        for res_id, partner_id, own_action in rows:
            if partner_id:
                if partner_id in partner_refused:
                    refused[res_id] = partner_refused[partner_id]
            elif own_action in ("withdrawn", "refused", "expired"):
                refused[res_id] = "withdrawn"
            elif own_action != "given":
                refused[res_id] = "no_basis"
        return refused

    @api.model
    def _gdpr_only_allowed(self, res_ids, purpose, model="res.partner"):
        """``res_ids`` (records of ``model``) without those that may not be
        processed for ``purpose``, in their order."""
        refused = self._gdpr_record_refusals(model, res_ids, purpose)
        return [res_id for res_id in res_ids if res_id not in refused]

    @api.model
    def _gdpr_keeping_purposes(self, partner):
        """The purposes that cover ``partner`` now (see ``_gdpr_keeps_sql``),
        the ones the retention engine weighs."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT pu.id
                  FROM res_partner rp
                  JOIN gdpr_purpose pu
                    ON pu.active
                   AND (pu.company_id IS NULL OR rp.company_id IS NULL
                        OR pu.company_id = rp.company_id)
             LEFT JOIN gdpr_consent c
                    ON c.partner_id = rp.id AND c.purpose_id = pu.id
                 WHERE rp.id = %s AND %s
                """,
                partner.id,
                self._gdpr_keeps_sql(
                    {"partner": "rp", "consent": "c", "purpose": "pu"}
                ),
            )
        )
        return self.env["gdpr.purpose"].browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _gdpr_purpose_decisions(self, partner):
        """``[{code, name, allowed, reason}]``: for each purpose of the
        register, whether the person may be processed for it now, and why
        (or why not). What the access report and the portability export tell
        the person (Art. 15(1)(a)-(c))."""
        purposes = self.env["gdpr.purpose"].sudo().search([])
        rows = []
        for purpose in purposes:
            allowed, reason = self._gdpr_explain(partner, purpose)
            rows.append(
                {
                    "code": purpose.code,
                    "name": purpose.name,
                    "allowed": allowed,
                    "reason": reason,
                }
            )
        return rows
