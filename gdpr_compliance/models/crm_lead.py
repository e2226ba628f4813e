# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .gdpr_legal_basis_mixin import (
    GDPR_BASIS_FIELDS,
    USER_ENTRY_CONTEXT_KEY,
    origin_of,
    with_origin,
)

# Fields that make a lead personal data: they identify a natural person
# (GDPR Art. 4(1)). A lead holding none of them (a deal's title, a company,
# an amount) needs no legal basis, like a company contact (Recital 14).
SUBJECT_FIELDS = ("partner_id", "contact_name", "email_from", "phone", "mobile")


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = [
        "crm.lead",
        "gdpr.legal.basis.mixin",
        "gdpr.audited.mixin",
        "gdpr.field.access.mixin",
    ]

    _gdpr_strict_parameter = "gdpr_compliance.require_basis_lead"

    gdpr_partner_basis_missing = fields.Boolean(
        string="Contact Without Confirmed Basis",
        compute="_compute_gdpr_partner_basis_missing",
        compute_sudo=True,
        help="Technical: the lead's contact has no confirmed legal basis; the "
        "quick-create form then offers the lead's own basis and source.",
    )
    gdpr_consent_event_ids = fields.One2many(
        comodel_name="gdpr.consent.event",
        inverse_name="origin_id",
        string="Consent History",
        domain=[("origin_model", "=", "crm.lead")],
    )
    gdpr_consent_missing = fields.Boolean(
        string="Consent Missing",
        compute="_compute_gdpr_consent_missing",
        search="_search_gdpr_consent_missing",
        help="The lead rests on consent but no consent is given: none on its "
        "contact, or, without a contact, none recorded on the lead itself "
        "(Art. 7(1) GDPR: the controller must be able to prove it).",
    )

    @api.model
    def _gdpr_consent_missing_domain(self):
        """Leads whose basis is consent and that have none given: on their
        contact's current state or, for a lead without contact, on the last
        event of a purpose recorded on the lead itself. Each side is one
        sub-query the database hashes once, whatever the number of leads."""
        partners_consenting = SQL(
            "(SELECT c.partner_id FROM gdpr_consent c WHERE c.state = 'given')"
        )
        leads_consenting = SQL(
            """
            (SELECT last.origin_id
              FROM (SELECT DISTINCT ON (e.origin_id, e.purpose_id)
                           e.origin_id, e.action
                      FROM gdpr_consent_event e
                     WHERE e.origin_model = 'crm.lead'
                       AND e.origin_id IS NOT NULL
                       AND e.partner_id IS NULL
                  ORDER BY e.origin_id, e.purpose_id, e.sequence DESC) last
             WHERE last.action = 'given')
            """
        )
        return [
            ("gdpr_legal_basis", "=", "consent"),
            "|",
            "&",
            ("partner_id", "!=", False),
            ("partner_id", "not in", partners_consenting),
            "&",
            ("partner_id", "=", False),
            ("id", "not in", leads_consenting),
        ]

    def _compute_gdpr_consent_missing(self):
        saved = self.filtered("id")
        missing = saved.with_context(active_test=False).search(
            [("id", "in", saved.ids)] + self._gdpr_consent_missing_domain()
        )
        for lead in self:
            lead.gdpr_consent_missing = lead in missing

    def _search_gdpr_consent_missing(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on a missing consent."))
        domain = self._gdpr_consent_missing_domain()
        return domain if (operator == "=") == value else ["!", *domain]

    @api.model
    def _gdpr_shows_own_records_only(self):
        # a salesperson's rule shows the leads assigned to them and the
        # unassigned ones of their teams: nobody else's customers
        return self.env.user._gdpr_record_scope() == "own"

    @api.model
    def _gdpr_pool_domain(self):
        """The lead pool: leads nobody has taken yet, without a salesperson
        and without a team, waiting for a manager or the assignment."""
        return [("user_id", "=", False), ("team_id", "=", False)]

    @api.depends(
        "partner_id.gdpr_legal_basis",
        "partner_id.gdpr_source_id",
        "partner_id.gdpr_basis_to_review",
    )
    def _compute_gdpr_partner_basis_missing(self):
        for lead in self:
            partner = lead.partner_id
            lead.gdpr_partner_basis_missing = bool(partner) and not (
                partner.gdpr_legal_basis
                and partner.gdpr_source_id
                and not partner.gdpr_basis_to_review
            )

    @api.model
    def _gdpr_vals_concern_individual(self, vals):
        return any(vals.get(name) for name in SUBJECT_FIELDS)

    def _gdpr_is_individual(self):
        self.ensure_one()
        return any(self[name] for name in SUBJECT_FIELDS)

    @api.model
    def _gdpr_may_wait_for_review(self, vals):
        """A lead about a contact already in the address book (the pipeline's
        quick create, a lead added from the contact): its data are the
        contact's, held before this lead. Refusing the lead would not make
        them lawful and would push the salesperson to pick any basis to get
        past the error; the lead and its contact wait for a person to review
        them instead (accountability, GDPR Art. 5(2) and 24)."""
        return bool(vals.get("partner_id"))

    @api.model
    def _gdpr_inherited_basis_vals(self, vals):
        partner_id = vals.get("partner_id")
        if not partner_id:
            return {}
        partner = self.env["res.partner"].browse(partner_id).sudo()
        inherited = {
            key: partner[key].id if key == "gdpr_source_id" else partner[key]
            for key in GDPR_BASIS_FIELDS
            if partner[key]
        }
        if partner.gdpr_basis_to_review:
            # an unconfirmed basis is only a hint: the lead waits for review
            # too, unless the person gave the lead its own basis
            if any(vals.get(key) for key in GDPR_BASIS_FIELDS):
                return {}
            return dict(inherited, gdpr_basis_to_review=True)
        return inherited

    @api.model
    def _gdpr_record_label(self, vals):
        return (
            vals.get("contact_name")
            or vals.get("partner_name")
            or vals.get("email_from")
            or vals.get("name")
            or self._description
        )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = self._gdpr_prepare_basis_vals_list(vals_list)
        leads = super().create(vals_list)
        leads._gdpr_propagate_basis_to_partner()
        leads.partner_id._gdpr_touch_interaction()
        leads._gdpr_carry_consents_to_partner()
        return leads

    def write(self, vals):
        self._gdpr_check_basis_write(vals)
        vals = dict(vals, **self._gdpr_review_done_vals(vals))
        result = super().write(vals)
        if {"partner_id", *GDPR_BASIS_FIELDS} & set(vals):
            self._gdpr_propagate_basis_to_partner()
        if "partner_id" in vals:
            self._gdpr_carry_consents_to_partner()
        if {"partner_id", "stage_id"} & set(vals):
            self.partner_id._gdpr_touch_interaction()
        if set(SUBJECT_FIELDS) & set(vals):
            self._gdpr_flag_new_subjects()
        return result

    def _gdpr_flag_new_subjects(self):
        """A lead that held no personal data and gets some, without a basis:
        it takes its contact's like a new lead would, or waits for review."""
        for lead in self:
            if (
                lead.gdpr_basis_to_review
                or (lead.gdpr_legal_basis and lead.gdpr_source_id)
                or not lead._gdpr_is_individual()
            ):
                continue
            values = {
                key: value
                for key, value in self._gdpr_inherited_basis_vals(
                    {"partner_id": lead.partner_id.id}
                ).items()
                if not lead[key]
            }
            if not all(values.get(key) or lead[key] for key in GDPR_BASIS_FIELDS):
                values["gdpr_basis_to_review"] = True
            if not (values.get("gdpr_source_id") or lead.gdpr_source_id):
                origin = origin_of(self.env.context) or "other"
                source = self.env["gdpr.source"]._gdpr_automatic_source(origin)
                values["gdpr_source_id"] = source.id
            lead.write(values)

    def web_save(self, vals, specification, next_id=None):
        return super(
            CrmLead, self.with_context(**{USER_ENTRY_CONTEXT_KEY: True})
        ).web_save(vals, specification, next_id=next_id)

    def load(self, fields, data):
        return super(CrmLead, self.with_context(**{USER_ENTRY_CONTEXT_KEY: True})).load(
            fields, data
        )

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        return super(CrmLead, with_origin(self, "email")).message_new(
            msg_dict, custom_values=custom_values
        )

    def _create_customer(self):
        return super(CrmLead, with_origin(self, "lead"))._create_customer()

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        values = super()._prepare_customer_values(
            partner_name, is_company=is_company, parent_id=parent_id
        )
        values.update(self._gdpr_basis_values_for_partner())
        return values

    def _gdpr_basis_values_for_partner(self):
        """What a partner takes from the lead it comes from."""
        self.ensure_one()
        if not (self.gdpr_legal_basis and self.gdpr_source_id):
            return {}
        return {
            "gdpr_legal_basis": self.gdpr_legal_basis,
            "gdpr_source_id": self.gdpr_source_id.id,
            "gdpr_source_detail": self.gdpr_source_detail,
            "gdpr_collection_date": self.gdpr_collection_date,
            "gdpr_collected_by_id": self.gdpr_collected_by_id.id,
            "gdpr_basis_to_review": self.gdpr_basis_to_review,
        }

    def _gdpr_propagate_basis_to_partner(self):
        """Give the lead's basis and source to its partner when the partner has
        none of its own (or only an automatic one waiting for review)."""
        for lead in self:
            partner = lead.partner_id.sudo()
            if not partner:
                continue
            values = lead._gdpr_basis_values_for_partner()
            if not values or values["gdpr_basis_to_review"]:
                continue
            has_own = partner.gdpr_legal_basis and not partner.gdpr_basis_to_review
            if has_own:
                continue
            with_origin(partner, "lead").write(values)

    # ------------------------------------------------------------------
    # Consent
    # ------------------------------------------------------------------

    def _gdpr_record_consent(
        self, purpose, action, channel, notice=None, evidence=None, **values
    ):
        """Record a consent collected on this lead: on its contact when it has
        one, else on the lead until it gets one."""
        self.ensure_one()
        return self.env["gdpr.consent.event"]._gdpr_record_for(
            self,
            self.partner_id,
            purpose,
            action,
            channel,
            notice=notice,
            evidence=evidence,
            **values,
        )

    def _gdpr_carry_consents_to_partner(self):
        """A lead's consents follow it to its contact: each event recorded on
        the lead alone is repeated, in order, for the contact. The ledger
        stays append-only; the new events point to the ones they repeat."""
        Event = self.env["gdpr.consent.event"].sudo()
        for lead in self.filtered("partner_id"):
            lead_events = Event.search(
                [
                    ("origin_model", "=", "crm.lead"),
                    ("origin_id", "=", lead.id),
                    ("partner_id", "=", False),
                ],
                order="sequence",
            )
            carried = Event.search(
                [
                    ("carried_from_id", "in", lead_events.ids),
                    ("partner_id", "=", lead.partner_id.id),
                ]
            ).carried_from_id
            for event in lead_events - carried:
                lead.partner_id.sudo()._gdpr_record_consent(
                    event.purpose_id,
                    event.action,
                    event.channel,
                    notice=event.notice_id,
                    evidence=event.evidence,
                    ip=event.ip_address,
                    user_agent=event.user_agent,
                    attachment=event.evidence_attachment_id,
                    origin=lead,
                    carried_from=event,
                )

    def action_gdpr_record_consent(self):
        self.ensure_one()
        return self.env["gdpr.consent.record.wizard"]._gdpr_open_for(self)
