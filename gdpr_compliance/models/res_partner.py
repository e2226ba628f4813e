# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import json
import zipfile
from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, file_open, html2plaintext
from odoo.tools.sql import column_exists, create_column

from odoo.addons.base.models.res_partner import ADDRESS_FIELDS

from .gdpr_consent_event import CONSENT_ACTION_SELECTION
from .gdpr_erasure import HOLD_KEPT_PARTNER_FIELDS
from .gdpr_legal_basis_mixin import (
    GDPR_BASIS_FIELDS,
    USER_ENTRY_CONTEXT_KEY,
    with_origin,
)
from .gdpr_purpose import RETENTION_ACTION_STRENGTH


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "gdpr.legal.basis.mixin",
        "gdpr.audited.mixin",
        "gdpr.field.access.mixin",
    ]

    _gdpr_strict_parameter = "gdpr_compliance.require_basis_partner"
    # what Odoo adds to a contact's name on request (_compute_display_name)
    _gdpr_display_context_fields = {
        "show_vat": ("vat",),
        "show_email": ("email",),
        "show_address": ("street", "street2", "zip", "city", "state_id", "country_id"),
    }

    gdpr_commercial_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson of the Company",
        related="commercial_partner_id.user_id",
        store=True,
        index="btree_not_null",
        help="Salespeople see the contacts of the companies assigned to them: "
        "the role rules read it from here, not through the company.",
    )
    gdpr_lead_ids = fields.One2many(
        comodel_name="crm.lead",
        inverse_name="partner_id",
        string="All Leads",
        context={"active_test": False},
        help="Technical: every lead and opportunity of the contact, lost ones "
        "included; the role rules show a contact to whoever sees one of them.",
    )
    gdpr_restricted = fields.Boolean(
        string="Processing Restricted",
        tracking=True,
        copy=False,
        index=True,
        help="Art. 18 GDPR: the data are only stored, no processing is allowed.",
    )
    gdpr_consent_ids = fields.One2many(
        comodel_name="gdpr.consent",
        inverse_name="partner_id",
        string="Consents",
    )
    gdpr_consent_event_ids = fields.One2many(
        comodel_name="gdpr.consent.event",
        inverse_name="partner_id",
        string="Consent History",
    )
    gdpr_last_interaction = fields.Datetime(
        string="Last Interaction",
        index=True,
        readonly=True,
        copy=False,
        help="Last exchange with the person: messages from or to them or about "
        "them, their leads, orders and invoices, mailing opens, clicks and "
        "replies. Retention periods anchored on the last interaction run from "
        "this date.",
    )

    gdpr_subject_key = fields.Char(
        string="Data Subject Key",
        compute="_compute_gdpr_subject_key",
        help="Pseudonymous key naming this person in the audit log and in "
        "retention runs.",
    )
    gdpr_import_id = fields.Many2one(
        comodel_name="gdpr.import",
        string="Imported From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        groups="gdpr_compliance.group_gdpr_import",
        help="The privacy import (file, source, basis, notice) that created "
        "this contact.",
    )
    gdpr_legal_hold_ids = fields.One2many(
        comodel_name="gdpr.legal.hold",
        inverse_name="partner_id",
        string="Legal Holds",
        groups="gdpr_compliance.group_gdpr_officer",
    )
    gdpr_anonymised_date = fields.Datetime(
        string="Anonymised On",
        readonly=True,
        copy=False,
        help="When the personal data of this contact were erased or "
        "anonymised; what is left is kept for the records other people need.",
    )
    gdpr_retention_state = fields.Selection(
        selection=[
            ("marketing_removed", "Removed from marketing"),
            ("archived", "Archived"),
            ("minimised", "Minimised under legal hold"),
            ("anonymised", "Anonymised"),
        ],
        string="Retention Outcome",
        readonly=True,
        copy=False,
        index=True,
    )
    gdpr_retention_date = fields.Datetime(
        string="Retention Applied On", readonly=True, copy=False
    )

    def _compute_gdpr_subject_key(self):
        saved = self.filtered(lambda partner: isinstance(partner.id, int))
        keys = self.env["gdpr.erasure"]._gdpr_pseudonyms_of(self._name, saved.ids)
        for partner, key in zip(saved, keys, strict=True):
            partner.gdpr_subject_key = key
        (self - saved).gdpr_subject_key = False

    def _auto_init(self):
        # filled in one statement: the ORM would compute it contact by contact
        if not column_exists(self.env.cr, "res_partner", "gdpr_commercial_user_id"):
            create_column(self.env.cr, "res_partner", "gdpr_commercial_user_id", "int4")
            self.env.cr.execute(
                """
                UPDATE res_partner p
                   SET gdpr_commercial_user_id = c.user_id
                  FROM res_partner c
                 WHERE c.id = p.commercial_partner_id AND c.user_id IS NOT NULL
                """
            )
        return super()._auto_init()

    def init(self):
        # The role rules show colleagues through partner_share; rows written
        # around the ORM may have it empty, which would read as "colleague".
        self.env.cr.execute(
            """
            UPDATE res_partner p
               SET partner_share = NOT EXISTS (
                       SELECT 1 FROM res_users u
                        WHERE u.partner_id = p.id AND NOT u.share)
             WHERE p.partner_share IS NULL
            """
        )
        return super().init()

    @api.model
    def _gdpr_vals_concern_individual(self, vals):
        if "is_company" in vals:
            return not vals["is_company"]
        if "company_type" in vals:
            return vals["company_type"] != "company"
        return not self.env.context.get("default_is_company")

    def _gdpr_is_individual(self):
        self.ensure_one()
        return not self.is_company

    @api.depends_context("uid")
    def _compute_display_name(self):
        computed = self._gdpr_display_records()
        result = super(ResPartner, computed)._compute_display_name()
        self._gdpr_display_names_from(computed)
        return result

    @api.model
    def _gdpr_inherited_basis_vals(self, vals):
        parent_id = vals.get("parent_id")
        if not parent_id:
            return {}
        parent = self.browse(parent_id).sudo()
        return {
            key: parent[key].id if key == "gdpr_source_id" else parent[key]
            for key in GDPR_BASIS_FIELDS
            if parent[key]
        }

    @api.model_create_multi
    def create(self, vals_list):
        return super().create(self._gdpr_prepare_create_vals_list(vals_list))

    @api.model
    def _gdpr_prepare_create_vals_list(self, vals_list):
        """What this addon adds to new contacts' values (basis rules, the
        creator's assignment): the one preparation, also for the paths that
        create contacts in bulk."""
        return self._gdpr_assign_creator(self._gdpr_prepare_basis_vals_list(vals_list))

    @api.model
    def _gdpr_assign_creator(self, vals_list):
        """A salesperson or an agent sees the individuals assigned to them:
        the ones they create are assigned to them, or they would lose sight of
        them at once."""
        if self.env.su or self.env.user._gdpr_record_scope() == "all":
            return vals_list
        return [
            dict(vals, user_id=self.env.uid)
            if not vals.get("user_id") and self._gdpr_vals_concern_individual(vals)
            else vals
            for vals in vals_list
        ]

    def write(self, vals):
        self._gdpr_check_basis_write(vals)
        vals = dict(vals, **self._gdpr_review_done_vals(vals))
        return super().write(vals)

    def web_save(self, vals, specification, next_id=None):
        return super(
            ResPartner, self.with_context(**{USER_ENTRY_CONTEXT_KEY: True})
        ).web_save(vals, specification, next_id=next_id)

    def load(self, fields, data):
        return super(
            ResPartner, self.with_context(**{USER_ENTRY_CONTEXT_KEY: True})
        ).load(fields, data)

    @api.model
    def name_create(self, name):
        # A many2one quick create cannot ask for a basis: keep it, flag it.
        return super(ResPartner, self._gdpr_with_origin("quick_create")).name_create(
            name
        )

    @api.model
    def find_or_create(self, email, assert_valid_email=False):
        return super(ResPartner, self._gdpr_with_origin("email")).find_or_create(
            email, assert_valid_email=assert_valid_email
        )

    @api.model
    def _find_or_create_from_emails(self, emails, additional_values=None):
        return super(
            ResPartner, self._gdpr_with_origin("email")
        )._find_or_create_from_emails(emails, additional_values=additional_values)

    @api.model
    def _gdpr_with_origin(self, origin):
        """Context for an internal creation flow; an outer flow's origin wins."""
        return with_origin(self, origin)

    # ------------------------------------------------------------------
    # Last interaction
    # ------------------------------------------------------------------

    def _gdpr_touch_interaction(self, when=None):
        """Record an interaction at ``when`` (now by default); the date never
        moves backwards."""
        self._gdpr_touch_rows(self, when)

    @api.model
    def _gdpr_touch_rows(self, records, when=None):
        """Move ``gdpr_last_interaction`` of ``records`` (partners or any model
        with that column) forward to ``when``, or to each record's own date
        when ``when`` is a list in the order of ``records``. Plain SQL:
        whoever causes the interaction (a portal user replying, a mailing
        open) may have no write access, and neither tracking nor
        recomputation must follow."""
        if isinstance(when, list):
            dates = when
        else:
            dates = [when or fields.Datetime.now()] * len(records)
        pairs = [
            (rid, date) for rid, date in zip(records.ids, dates, strict=True) if rid
        ]
        if not pairs:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s t
                   SET gdpr_last_interaction = u.date
                  FROM (SELECT id, max(date) AS date
                          FROM unnest(%(ids)s::int4[], %(dates)s::timestamp[])
                               AS u(id, date)
                      GROUP BY id) u
                 WHERE t.id = u.id
                   AND (t.gdpr_last_interaction IS NULL
                        OR t.gdpr_last_interaction < u.date)
                """,
                table=SQL.identifier(records._table),
                ids=[rid for rid, _date in pairs],
                dates=[date for _rid, date in pairs],
            )
        )
        records.invalidate_recordset(["gdpr_last_interaction"])

    @api.model
    def _gdpr_interaction_queries(self, since):
        """Queries returning ``(partner_id, date)`` rows for every record that
        counts as an interaction and was created or changed since ``since``.

        The one list of interaction sources: it drives the backfill on install
        and the periodic catch-up. Extend it to add the sources of other apps.
        """
        exchanged = SQL(
            "(m.message_type IN ('email', 'email_outgoing') "
            "OR (m.message_type = 'comment' "
            "AND NOT COALESCE(m.is_internal, FALSE) "
            "AND NOT EXISTS (SELECT 1 FROM mail_message_subtype st "
            "WHERE st.id = m.subtype_id AND st.internal))) "
            "AND m.create_date >= %s",
            since,
        )
        queries = [
            SQL(
                "SELECT m.author_id, m.date FROM mail_message m "
                "WHERE m.author_id IS NOT NULL AND %s",
                exchanged,
            ),
            SQL(
                "SELECT rel.res_partner_id, m.date "
                "FROM mail_message_res_partner_rel rel "
                "JOIN mail_message m ON m.id = rel.mail_message_id WHERE %s",
                exchanged,
            ),
            SQL(
                "SELECT m.res_id, m.date FROM mail_message m "
                "WHERE m.model = 'res.partner' AND m.res_id IS NOT NULL AND %s",
                exchanged,
            ),
            SQL(
                "SELECT l.partner_id, m.date FROM mail_message m "
                "JOIN crm_lead l ON l.id = m.res_id AND m.model = 'crm.lead' "
                "WHERE l.partner_id IS NOT NULL AND %s",
                exchanged,
            ),
            SQL(
                "SELECT l.partner_id, "
                "GREATEST(l.create_date, l.date_last_stage_update) "
                "FROM crm_lead l "
                "WHERE l.partner_id IS NOT NULL AND l.write_date >= %s",
                since,
            ),
        ]
        if "sale.order" in self.env:
            queries.append(
                SQL(
                    "SELECT so.partner_id, so.date_order FROM sale_order so "
                    "WHERE so.state = 'sale' AND so.write_date >= %s",
                    since,
                )
            )
        if "account.move" in self.env:
            queries.append(
                SQL(
                    "SELECT am.partner_id, am.invoice_date::timestamp "
                    "FROM account_move am "
                    "WHERE am.state = 'posted' AND am.partner_id IS NOT NULL "
                    "AND am.move_type IN ('out_invoice', 'out_refund') "
                    "AND am.write_date >= %s",
                    since,
                )
            )
        return queries

    @api.model
    def _gdpr_catch_up_last_interaction(self, since):
        """Set-based update of the last interaction from every source changed
        since ``since``. Returns the number of partners moved forward."""
        self.env.flush_all()
        union = SQL(" UNION ALL ").join(self._gdpr_interaction_queries(since))
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET gdpr_last_interaction = src.last_date
                  FROM (SELECT u.partner_id, MAX(u.date) AS last_date
                          FROM (%s) AS u(partner_id, date)
                         WHERE u.date IS NOT NULL
                      GROUP BY u.partner_id) src
                 WHERE p.id = src.partner_id
                   AND (p.gdpr_last_interaction IS NULL
                        OR p.gdpr_last_interaction < src.last_date)
                """,
                union,
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model(["gdpr_last_interaction"])
        return count

    @api.model
    def _cron_gdpr_last_interaction(self):
        """Catch up with interactions recorded without going through the ORM
        (imports in SQL, other apps' sources), from the previous run on."""
        icp = self.env["ir.config_parameter"].sudo()
        key = "gdpr_compliance.last_interaction_since"
        started = fields.Datetime.now()
        since = fields.Datetime.to_datetime(icp.get_param(key)) or datetime.min
        self._gdpr_catch_up_last_interaction(since)
        icp.set_param(key, fields.Datetime.to_string(started))

    # ------------------------------------------------------------------
    # Consent
    # ------------------------------------------------------------------

    def _gdpr_record_consent(
        self,
        purpose,
        action,
        channel,
        notice=None,
        evidence=None,
        ip=None,
        user_agent=None,
        attachment=None,
        origin=None,
        carried_from=None,
    ):
        """The one entry point that records a consent event for this contact.

        ``purpose`` is a gdpr.purpose or its code; ``origin`` the document the
        consent was collected on (a lead). Bad input raises before anything
        is written. Returns the new event."""
        self.ensure_one()
        return self.env["gdpr.consent.event"]._gdpr_record_batch(
            [
                {
                    "partner": self,
                    "purpose": purpose,
                    "action": action,
                    "channel": channel,
                    "notice": notice,
                    "evidence": evidence,
                    "ip": ip,
                    "user_agent": user_agent,
                    "attachment": attachment,
                    "origin": origin,
                    "carried_from": carried_from,
                }
            ]
        )

    def _gdpr_consent_state(self, purpose):
        self.ensure_one()
        consent = (
            self.env["gdpr.consent"]
            .sudo()
            .search(
                [("partner_id", "=", self.id), ("purpose_id", "=", purpose.id)], limit=1
            )
        )
        return consent.state or "none"

    def _gdpr_is_customer(self):
        """An existing customer: a won opportunity, a confirmed order or a
        posted invoice (when those apps are installed)."""
        self.ensure_one()
        partners = self.commercial_partner_id | self
        domain = [("partner_id", "child_of", partners.ids)]
        if (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search_count(domain + [("stage_id.is_won", "=", True)], limit=1)
        ):
            return True
        if "sale.order" in self.env and self.env["sale.order"].sudo().search_count(
            domain + [("state", "=", "sale")], limit=1
        ):
            return True
        return bool(
            "account.move" in self.env
            and self.env["account.move"]
            .sudo()
            .search_count(
                domain
                + [
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ],
                limit=1,
            )
        )

    def _gdpr_can_process(self, purpose_code):
        """May this person's data be processed for the purpose now?

        Returns ``(allowed, reason)``. The single answer every processing path
        (mailings, retention, exports) asks for."""
        self.ensure_one()
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose_code)
        if self.gdpr_restricted:
            return False, self.env._("processing restricted (Art. 18 GDPR)")
        state = self._gdpr_consent_state(purpose)
        if state in ("withdrawn", "refused", "expired"):
            labels = dict(CONSENT_ACTION_SELECTION)
            return False, self.env._("consent %(state)s", state=labels[state].lower())
        if self._gdpr_retention_over(purpose):
            return False, self.env._(
                "retention period over (%(months)s months)",
                months=purpose.retention_months,
            )
        if state == "given":
            return True, self.env._("consent given")
        if not purpose.requires_consent:
            return True, dict(
                purpose._fields["legal_basis"]._description_selection(self.env)
            )[purpose.legal_basis]
        if purpose.customer_legitimate_interest and self._gdpr_is_customer():
            return True, self.env._(
                "existing customer, legitimate interest until they object"
            )
        return False, self.env._("no consent: a prospect needs an explicit consent")

    # Reasons a person may not receive direct marketing, in the order they
    # are checked; shared by the set-based rule below and the mailings.
    @api.model
    def _gdpr_exclusion_reasons(self):
        return {
            "restricted": self.env._("Processing restricted (Art. 18)"),
            "withdrawn": self.env._("Consent withdrawn, refused or expired"),
            "lapsed": self.env._("Retention period over"),
            "no_basis": self.env._("No consent (prospect) and no other basis"),
        }

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
    def _gdpr_retention_over_condition(self, purpose, alias, as_of=None):
        """SQL condition: the purpose's retention period is over at ``as_of``
        for the partner aliased ``alias`` (the set-based twin of
        ``_gdpr_retention_over``)."""
        if not purpose.retention_months:
            return SQL("FALSE")
        partner = SQL.identifier(alias)
        if purpose.retention_anchor == "creation":
            anchor = SQL(
                "COALESCE(%s.gdpr_collection_date::timestamp, %s.create_date)",
                partner,
                partner,
            )
        elif purpose.retention_anchor == "end_of_relationship":
            anchor = SQL(
                "COALESCE((SELECT MAX(doc.date) FROM (%s) AS doc(partner_id, date) "
                "WHERE doc.partner_id IN (%s.id, %s.commercial_partner_id)), "
                "%s.gdpr_last_interaction, %s.create_date)",
                self._gdpr_customer_document_dates(),
                partner,
                partner,
                partner,
                partner,
            )
        else:
            anchor = SQL(
                "COALESCE(%s.gdpr_last_interaction, %s.create_date)", partner, partner
            )
        return SQL(
            "(%s + make_interval(months => %s) < %s)",
            anchor,
            purpose.retention_months,
            as_of or fields.Datetime.now(),
        )

    def _gdpr_retention_over(self, purpose):
        """Is the purpose's retention period over for this contact?"""
        self.ensure_one()
        if not purpose.retention_months or not self.id:
            return False
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM res_partner rp WHERE rp.id = %s",
                self._gdpr_retention_over_condition(purpose, "rp"),
                self.id,
            )
        )
        row = self.env.cr.fetchone()
        return bool(row and row[0])

    @api.model
    def _gdpr_customer_condition(self, alias):
        """SQL condition: the partner aliased ``alias`` is an existing customer
        (the set-based twin of ``_gdpr_is_customer``)."""
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
    def _gdpr_marketing_exclusions(self, partner_ids, purpose_code="marketing"):
        """Set-based ``_gdpr_can_process`` for a purpose over many partners.

        Returns ``{partner_id: reason_key}`` for the partners that may NOT be
        processed; reason keys are those of ``_gdpr_exclusion_reasons``."""
        if not partner_ids:
            return {}
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose_code)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT rp.id, %(reason)s
                  FROM unnest(%(ids)s::int[]) AS t(id)
                  JOIN res_partner rp ON rp.id = t.id
             LEFT JOIN gdpr_consent c
                    ON c.partner_id = rp.id AND c.purpose_id = %(purpose)s
                """,
                reason=self._gdpr_exclusion_reason_sql(purpose, "rp", "c"),
                purpose=purpose.id,
                ids=list(partner_ids),
            )
        )
        return {pid: reason for pid, reason in self.env.cr.fetchall() if reason}

    @api.model
    def _gdpr_exclusion_reason_sql(
        self, purpose, partner_alias, consent_alias, customer=None
    ):
        """SQL expression: the reason key why the partner aliased
        ``partner_alias`` may not be processed for ``purpose`` (NULL when it
        may), given its gdpr_consent row for the purpose aliased
        ``consent_alias``. Queries embed it to apply the rule set-based;
        ``customer``, when given, is the query's own SQL condition for "the
        partner is an existing customer" (e.g. from a join)."""
        soft_spam = purpose.customer_legitimate_interest
        allowed_without_consent = (
            (customer or self._gdpr_customer_condition(partner_alias))
            if soft_spam and purpose.requires_consent
            else SQL("TRUE")
            if not purpose.requires_consent
            else SQL("FALSE")
        )
        partner = SQL.identifier(partner_alias)
        consent = SQL.identifier(consent_alias)
        return SQL(
            """
            CASE
                WHEN %(partner)s.gdpr_restricted THEN 'restricted'
                WHEN %(consent)s.state IN ('withdrawn', 'refused', 'expired')
                    THEN 'withdrawn'
                WHEN %(lapsed)s THEN 'lapsed'
                WHEN %(consent)s.state = 'given' THEN NULL
                WHEN %(allowed)s THEN NULL
                ELSE 'no_basis'
            END
            """,
            partner=partner,
            consent=consent,
            lapsed=self._gdpr_retention_over_condition(purpose, partner_alias),
            allowed=allowed_without_consent,
        )

    # ------------------------------------------------------------------
    # Retention and erasure
    # ------------------------------------------------------------------

    def _gdpr_pseudonym(self):
        """Stable pseudonymous key of this contact."""
        self.ensure_one()
        return self.env["gdpr.erasure"]._gdpr_pseudonym_of(self._name, self.id)

    def _gdpr_anonymize(self):
        """Anonymise these contacts, their child contacts and everything
        standing for them; the records stay for whoever else needs them (the
        erasure service marks them anonymised)."""
        self._gdpr_check_erasure_allowed()
        self.env["gdpr.erasure"]._gdpr_apply(self, "anonymise")
        return True

    def _gdpr_erase(self):
        """Erase these contacts: delete what nobody else needs, anonymise the
        rest (marked anonymised by the erasure service). Returns the ids of
        the contacts actually deleted."""
        self._gdpr_check_erasure_allowed()
        return self.env["gdpr.erasure"]._gdpr_apply(self, "erase")

    def _gdpr_minimise_under_hold(self):
        """Keep only what the legal hold covers (name, address, VAT, bank
        accounts), drop the rest and restrict processing."""
        self._gdpr_check_erasure_allowed()
        self.env["gdpr.erasure"]._gdpr_apply(
            self, "anonymise", keep_fields=HOLD_KEPT_PARTNER_FIELDS
        )
        self._gdpr_mark_retention("minimised")
        return True

    def _gdpr_check_erasure_allowed(self):
        if not self.env.su and not self.env.user.has_group(
            "gdpr_compliance.group_gdpr_officer"
        ):
            raise UserError(
                self.env._("Only the Data Protection Officer may erase personal data.")
            )

    def _gdpr_mark_retention(self, state):
        if not self.ids:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET gdpr_retention_state = %s, "
                "gdpr_retention_date = %s WHERE id = ANY(%s)",
                state,
                fields.Datetime.now(),
                self.ids,
            )
        )
        self.invalidate_recordset(["gdpr_retention_state", "gdpr_retention_date"])

    def _gdpr_archive_for_retention(self):
        """Archive the contacts and their open leads: out of daily use, still
        there for what the purpose requires."""
        records = self.sudo().with_context(active_test=False, tracking_disable=True)
        self.env["crm.lead"].sudo().search(
            [("partner_id", "in", self.ids)]
        ).action_archive()
        records.filtered("active").action_archive()
        self._gdpr_mark_retention("archived")

    def _gdpr_remove_from_marketing(self, purpose):
        """End processing for a purpose whose period is over: a given consent
        is recorded as expired. The marketing addon also suppresses the
        address."""
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose)
        for partner in self.sudo():
            if partner._gdpr_consent_state(purpose) == "given":
                partner._gdpr_record_consent(
                    purpose,
                    "expired",
                    "system",
                    evidence=self.env._(
                        "Retention period of %(months)s months over.",
                        months=purpose.retention_months,
                    ),
                )
        self._gdpr_mark_retention("marketing_removed")

    def _gdpr_retention_apply(self, purpose, action, hold=False):
        """Apply what the governing purpose's policy says, set-based."""
        if hold and action in ("delete", "anonymise"):
            return self._gdpr_minimise_under_hold()
        if action == "delete":
            return self._gdpr_erase()
        if action == "anonymise":
            return self._gdpr_anonymize()
        if action == "archive":
            return self._gdpr_archive_for_retention()
        return self._gdpr_remove_from_marketing(purpose)

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
        documents = self._gdpr_customer_document_dates()
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
                           rp.gdpr_retention_state
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
                           CASE WHEN COALESCE(pu.retention_months, 0) = 0
                                THEN 'infinity'::timestamp
                                ELSE (CASE pu.retention_anchor
                                      WHEN 'creation' THEN COALESCE(
                                          p.gdpr_collection_date::timestamp,
                                          p.create_date)
                                      WHEN 'end_of_relationship' THEN COALESCE(
                                          r.last_date, p.gdpr_last_interaction,
                                          p.create_date)
                                      ELSE COALESCE(p.gdpr_last_interaction,
                                                    p.create_date)
                                      END)
                                     + make_interval(months => pu.retention_months)
                           END AS keep_until,
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
                     WHERE CASE pu.retention_scope
                               WHEN 'consent' THEN c.state = 'given'
                               WHEN 'customers' THEN r.partner_id IS NOT NULL
                               ELSE TRUE END
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
                documents=documents,
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

    def action_gdpr_anonymize(self):
        self._gdpr_anonymize()
        return True

    def action_gdpr_erase(self):
        deleted = self._gdpr_erase()
        if set(deleted) >= set(self.ids):
            return {
                "type": "ir.actions.act_window",
                "res_model": "res.partner",
                "view_mode": "list,form",
                "target": "main",
            }
        return True

    def action_gdpr_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "gdpr_compliance.gdpr_request_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_gdpr_lift_restriction(self):
        self._gdpr_lift_restriction()
        return True

    def action_gdpr_record_consent(self):
        self.ensure_one()
        return self.env["gdpr.consent.record.wizard"]._gdpr_open_for(self)

    def action_gdpr_consent_proof(self):
        self.ensure_one()
        return self.env.ref("gdpr_compliance.gdpr_consent_proof_report").report_action(
            self
        )

    # ------------------------------------------------------------------
    # Data-subject rights
    # ------------------------------------------------------------------

    def _gdpr_hold_reasons(self, as_of=None):
        """Why this person's data must be kept whatever they ask: manual legal
        holds and the automatic ones (open invoices, fiscal documents)."""
        self.ensure_one()
        as_of = as_of or fields.Datetime.now()
        reasons = []
        for query in self._gdpr_legal_hold_queries(as_of):
            self.env.cr.execute(
                SQL(
                    "SELECT DISTINCT reason FROM (%s) AS hold(partner_id, reason) "
                    "WHERE partner_id = ANY(%s)",
                    query,
                    self.env["gdpr.erasure"]._gdpr_people(self).ids,
                )
            )
            reasons += [row[0] for row in self.env.cr.fetchall() if row[0]]
        return sorted(set(reasons))

    def _gdpr_restrict(self):
        """Art. 18: the data are only stored; every processing path asking
        ``_gdpr_can_process`` is told no."""
        self.sudo().with_context(tracking_disable=True).write({"gdpr_restricted": True})
        self.env["gdpr.audit.log"]._gdpr_log(
            "restriction", "processing restricted", subjects=self
        )

    def _gdpr_lift_restriction(self):
        self._gdpr_check_erasure_allowed()
        self.sudo().with_context(tracking_disable=True).write(
            {"gdpr_restricted": False}
        )
        self.env["gdpr.audit.log"]._gdpr_log(
            "restriction", "restriction lifted", subjects=self
        )

    @api.model
    def _gdpr_objection_purposes(self):
        """Purposes an Art. 21 objection stops (direct marketing and the
        profiling related to it)."""
        return (
            self.env["gdpr.purpose"]
            .sudo()
            .search([("code", "in", ("marketing", "profiling"))])
        )

    def _gdpr_object(self, request=None):
        """Art. 21: stop marketing and profiling now; the ledger records the
        withdrawal with the request as evidence. Returns the purposes
        concerned. The marketing addon also suppresses the address."""
        self.ensure_one()
        purposes = self._gdpr_objection_purposes()
        # (no f-string inside the translated call: the term extractor
        # evaluates its arguments and would stop reading this file)
        suffix = f" - {request.name}" if request else ""
        evidence = self.env._("Objection (Art. 21 GDPR)%(request)s", request=suffix)
        for purpose in purposes:
            if self._gdpr_consent_state(purpose) != "withdrawn":
                self.sudo()._gdpr_record_consent(
                    purpose, "withdrawn", "request", evidence=evidence
                )
        self.env["gdpr.audit.log"]._gdpr_log(
            "objection",
            "objection to marketing and profiling",
            subjects=self,
            document=request,
        )
        return purposes

    @api.model
    def _gdpr_rectifiable_fields(self):
        """The contact data a person may have corrected (Art. 16)."""
        return ["name", "email", "phone", "mobile", *ADDRESS_FIELDS, "function", "lang"]

    def _gdpr_rectify(self, vals, request=None):
        """Art. 16: correct the person's data. The old and new values go to
        the audit log, encrypted for this person, never to the chatter (which
        would keep a copy of the wrong data in clear)."""
        self.ensure_one()
        unknown = set(vals) - set(self._gdpr_rectifiable_fields())
        if unknown:
            raise UserError(
                self.env._(
                    "These fields cannot be rectified here: %(fields)s",
                    fields=", ".join(sorted(unknown)),
                )
            )
        self.check_access("write")
        changes = {}
        for name, new in vals.items():
            field = self._fields[name]
            old = self[name]
            old_value = old.id if field.type == "many2one" else old
            if (old_value or False) == (new or False):
                continue
            changes[name] = (
                field.convert_to_display_name(old, self) or False,
                field.convert_to_display_name(
                    field.convert_to_record(field.convert_to_cache(new, self), self),
                    self,
                )
                or False,
            )
        if not changes:
            raise UserError(self.env._("Nothing to rectify: no value changed."))
        self.with_context(tracking_disable=True, mail_notrack=True).write(
            {name: vals[name] for name in changes}
        )
        self.env["gdpr.audit.log"]._gdpr_log(
            "rectification",
            "rectified " + ", ".join(sorted(changes)),
            subjects=self,
            document=request,
            changes=changes,
        )
        return changes

    @api.model
    def _gdpr_value_text(self, record, field_name):
        field = record._fields[field_name]
        value = record[field_name]
        if field.type == "binary":
            return self.env._("(file)") if value else False
        if field.type in ("many2many", "one2many"):
            return ", ".join(value.mapped("display_name")) or False
        if field.type == "boolean":
            return value
        if field.type == "selection" and value:
            return dict(field._description_selection(self.env)).get(value, value)
        if field.type == "html":
            return html2plaintext(value or "") or False
        return field.convert_to_display_name(value, record) or False

    def _gdpr_classified_values(self, records):
        """``[{code, name, fields: [{field, label, value}]}]`` of the
        classified fields of ``records`` (all of one model) holding a value,
        per data category."""
        categories = self.env["gdpr.data.category"].sudo().search([])
        sections = []
        for category in categories:
            model_fields = category.field_ids.filtered(
                lambda f, model=records._name: (
                    f.model == model and f.name in records._fields
                )
            )
            rows = []
            for record in records:
                for field in model_fields.sorted("name"):
                    value = self._gdpr_value_text(record, field.name)
                    if value not in (False, None, ""):
                        rows.append(
                            {
                                "field": field.name,
                                "label": field.field_description,
                                "value": value,
                            }
                        )
            if rows:
                sections.append(
                    {"code": category.code, "name": category.name, "fields": rows}
                )
        return sections

    def _gdpr_applicable_purposes(self):
        """Purposes that cover this person now, with their legal basis and
        whether consent is part of it."""
        self.ensure_one()
        purposes = self.env["gdpr.purpose"].sudo().search([])
        is_customer = None
        result = self.env["gdpr.purpose"]
        for purpose in purposes:
            if purpose.retention_scope == "consent":
                if self._gdpr_consent_state(purpose) != "given":
                    continue
            elif purpose.retention_scope == "customers":
                if is_customer is None:
                    is_customer = self._gdpr_is_customer()
                if not is_customer:
                    continue
            result |= purpose
        return result

    def _gdpr_personal_data(self):
        """Everything held about this person, in one structure that the access
        report renders and the portability export serialises. Extended by
        other addons (mailing subscriptions)."""
        self.ensure_one()
        partner = self.sudo()
        selection = partner._fields["gdpr_legal_basis"]._description_selection(self.env)
        leads = self.env["gdpr.erasure"]._gdpr_leads(partner)
        purposes = partner._gdpr_applicable_purposes()
        purpose_basis = dict(
            self.env["gdpr.purpose"]
            ._fields["legal_basis"]
            ._description_selection(self.env)
        )
        anchors = dict(
            self.env["gdpr.purpose"]
            ._fields["retention_anchor"]
            ._description_selection(self.env)
        )
        actions = dict(CONSENT_ACTION_SELECTION)
        channels = dict(
            self.env["gdpr.consent.event"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        return {
            "contact": {
                "id": partner.id,
                "name": partner.name,
                "email": partner.email or False,
                "phone": partner.phone or False,
                "mobile": partner.mobile or False,
                "street": partner.street or False,
                "street2": partner.street2 or False,
                "zip": partner.zip or False,
                "city": partner.city or False,
                "state": partner.state_id.name or False,
                "country": partner.country_id.code or False,
                "function": partner.function or False,
                "lang": partner.lang or False,
            },
            "categories": self._gdpr_classified_values(partner),
            "source": {
                "legal_basis": dict(selection).get(partner.gdpr_legal_basis, False),
                "source": partner.gdpr_source_id.name or False,
                "detail": partner.gdpr_source_detail or False,
                "collection_date": fields.Date.to_string(partner.gdpr_collection_date)
                or False,
            },
            "purposes": [
                {
                    "code": purpose.code,
                    "name": purpose.name,
                    "legal_basis": purpose_basis.get(purpose.legal_basis, False),
                    "recipients": purpose.recipients or False,
                    "processors": purpose.processor_ids.mapped("display_name"),
                    "transfer_outside_eu": purpose.transfer_outside_eu,
                    "transfer_countries": purpose.transfer_country_ids.mapped("name"),
                    "retention_months": purpose.retention_months,
                    "retention_anchor": anchors.get(purpose.retention_anchor, False),
                }
                for purpose in purposes
            ],
            "consents": [
                {
                    "sequence": event.sequence,
                    "time": fields.Datetime.to_string(event.event_time),
                    "purpose": event.purpose_id.name,
                    "purpose_code": event.purpose_id.code,
                    "action": actions[event.action],
                    "channel": channels.get(event.channel, event.channel),
                    "notice": event.notice_id.display_name or False,
                    "ip_address": event.ip_address or False,
                }
                for event in partner.gdpr_consent_event_ids.sorted("sequence")
            ],
            "leads": [
                {
                    "id": lead.id,
                    "name": lead.name,
                    "created": fields.Datetime.to_string(lead.create_date),
                    "stage": lead.stage_id.name or False,
                    "contact_name": lead.contact_name or False,
                    "email": lead.email_from or False,
                    "phone": lead.phone or False,
                    "source": lead.gdpr_source_id.name or False,
                }
                for lead in leads
            ],
            "lead_categories": self._gdpr_classified_values(leads) if leads else [],
            "subscriptions": [],
            "restricted": partner.gdpr_restricted,
            "last_interaction": fields.Datetime.to_string(partner.gdpr_last_interaction)
            or False,
        }

    def _gdpr_access_report_pdf(self, lang=None):
        """The Art. 15 report, in ``lang`` (the contact's language by
        default). Returns ``(content, format)``: 'pdf', or 'html' where Odoo
        does not render PDFs (test mode)."""
        self.ensure_one()
        reports = self.env["ir.actions.report"].with_context(
            lang=lang or self.lang or "en_US"
        )
        return reports.sudo()._render_qweb_pdf(
            "gdpr_compliance.gdpr_access_report", self.ids
        )

    @api.model
    def _gdpr_portability_schema(self):
        with file_open("gdpr_compliance/data/gdpr_portability_schema.json") as handle:
            return json.load(handle)

    def _gdpr_portability_data(self, schema=None):
        """The data the person provided, shaped by the portability schema
        (read from its file unless given): what the schema does not list is
        not exported."""
        self.ensure_one()
        schema = schema or self._gdpr_portability_schema()
        held = self._gdpr_personal_data()
        properties = schema["properties"]

        def project(values, spec):
            # Odoo's False for "no value" is JSON null, except for booleans
            return {
                key: values.get(key)
                if prop.get("type") == "boolean"
                else values.get(key) or None
                for key, prop in spec["properties"].items()
            }

        data = {
            "schema_version": properties["schema_version"]["const"],
            "generated_at": fields.Datetime.to_string(fields.Datetime.now()),
            "controller": self.env.company.name,
        }
        for key in ("contact", "source"):
            data[key] = project(held[key], properties[key])
        for key in ("consents", "leads", "subscriptions"):
            data[key] = [project(row, properties[key]["items"]) for row in held[key]]
        return data

    def _gdpr_portability_archive(self):
        """Art. 20: a ZIP with data.json, one CSV per section and the schema
        both follow."""
        schema = self._gdpr_portability_schema()
        data = self._gdpr_portability_data(schema)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "data.json", json.dumps(data, indent=2, ensure_ascii=False)
            )
            archive.writestr(
                "schema.json", json.dumps(schema, indent=2, ensure_ascii=False)
            )
            sections = {
                "contact": ([data["contact"]], schema["properties"]["contact"]),
                "source": ([data["source"]], schema["properties"]["source"]),
                **{
                    key: (data[key], schema["properties"][key]["items"])
                    for key in ("consents", "leads", "subscriptions")
                },
            }
            for key, (rows, spec) in sections.items():
                text = io.StringIO()
                writer = csv.DictWriter(text, fieldnames=list(spec["properties"]))
                writer.writeheader()
                writer.writerows(rows)
                archive.writestr(f"{key}.csv", text.getvalue())
        return buffer.getvalue()
