# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from .gdpr_erasure import HOLD_KEPT_PARTNER_FIELDS
from .gdpr_legal_basis_mixin import (
    GDPR_BASIS_FIELDS,
    USER_ENTRY_CONTEXT_KEY,
    with_origin,
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "gdpr.legal.basis.mixin",
        "gdpr.audited.mixin",
        "gdpr.field.access.mixin",
        "gdpr.last.interaction.mixin",
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
        keys = self.env["gdpr.keyed.hash"]._gdpr_pseudonyms_of(self._name, saved.ids)
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
        self, purpose, action, channel, notice=None, evidence=None, **values
    ):
        """Record a consent event for this contact, on the ledger (its one
        entry point, ``gdpr.consent.event._gdpr_record``)."""
        self.ensure_one()
        return self.env["gdpr.consent.event"]._gdpr_record(
            self, purpose, action, channel, notice=notice, evidence=evidence, **values
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

    def _gdpr_can_process(self, purpose_code):
        """May this person's data be processed for the purpose now?

        Returns ``(allowed, reason)``: the processing rule's answer for this
        one contact (the same query mailings run for thousands)."""
        self.ensure_one()
        return self.env["gdpr.processing.rule"]._gdpr_explain(self, purpose_code)

    # ------------------------------------------------------------------
    # Retention and erasure
    # ------------------------------------------------------------------

    def _gdpr_pseudonym(self):
        """Stable pseudonymous key of this contact."""
        self.ensure_one()
        return self.env["gdpr.keyed.hash"]._gdpr_pseudonym_of(self._name, self.id)

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
    def _gdpr_retention_due(
        self, as_of=None, limit=None, exclude_ids=(), partner_ids=None
    ):
        """Individuals no purpose allows to keep any more (see
        gdpr.retention.policy)."""
        return self.env["gdpr.retention.policy"]._gdpr_retention_due(
            as_of=as_of, limit=limit, exclude_ids=exclude_ids, partner_ids=partner_ids
        )

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
        self.ensure_one()
        return self.env["gdpr.retention.policy"]._gdpr_hold_reasons(self, as_of)

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
        return self.env["gdpr.subject.export"]._gdpr_rectifiable_fields()

    def _gdpr_rectify(self, vals, request=None):
        self.ensure_one()
        return self.env["gdpr.subject.export"]._gdpr_rectify(self, vals, request)

    def _gdpr_applicable_purposes(self):
        """Purposes that cover this person now, as the retention engine
        weighs them."""
        self.ensure_one()
        return self.env["gdpr.processing.rule"]._gdpr_keeping_purposes(self)

    def _gdpr_personal_data(self):
        self.ensure_one()
        return self.env["gdpr.subject.export"]._gdpr_personal_data(self)

    def _gdpr_access_report_pdf(self, lang=None):
        self.ensure_one()
        return self.env["gdpr.subject.export"]._gdpr_access_report_pdf(self, lang)

    def _gdpr_portability_data(self, schema=None):
        self.ensure_one()
        return self.env["gdpr.subject.export"]._gdpr_portability_data(self, schema)

    def _gdpr_portability_archive(self):
        self.ensure_one()
        return self.env["gdpr.subject.export"]._gdpr_portability_archive(self)
