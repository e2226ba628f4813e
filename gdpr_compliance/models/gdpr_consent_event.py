# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.query import Query
from odoo.tools.sql import column_exists

CONSENT_ACTION_SELECTION = [
    ("given", "Given"),
    ("withdrawn", "Withdrawn"),
    ("refused", "Refused"),
    ("expired", "Expired"),
]

CONSENT_CHANNEL_SELECTION = [
    ("web_form", "Web form"),
    ("checkbox", "Checkbox"),
    ("verbal", "Verbal"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("paper", "Paper form"),
    ("import", "Import"),
    ("double_opt_in", "Double opt-in"),
    ("unsubscribe", "Unsubscribe link"),
    ("api", "API"),
    ("system", "Scheduled expiry"),
    ("request", "Data-subject request"),
    ("privacy_centre", "Privacy centre"),
    ("email_request", "Email consent request"),
]


# what a consent event says about the person, stored encrypted with their key
# (``<name>_encrypted``) and shown decrypted
CLEAR_FIELDS = ("evidence", "ip_address", "user_agent")


class GdprConsentEvent(models.Model):
    _name = "gdpr.consent.event"
    _inherit = ["gdpr.chained.log.mixin"]
    _description = "Consent Ledger Event"
    _gdpr_append_context = "gdpr_ledger_append"
    _gdpr_chain_fields = (
        "partner_id",
        "origin_model",
        "origin_id",
        "purpose_id",
        "action",
        "channel",
        "notice_id",
        "subject_key",
        "evidence_encrypted",
        "evidence_attachment_id",
        "ip_address_encrypted",
        "user_agent_encrypted",
        "recorded_by_id",
        "carried_from_id",
    )
    _order = "sequence desc"
    _rec_name = "sequence"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Data Subject",
        index=True,
        readonly=True,
        ondelete="restrict",
    )
    origin_model = fields.Char(readonly=True)
    origin_id = fields.Many2oneReference(
        string="Origin Document",
        model_field="origin_model",
        readonly=True,
        help="The lead (or other document) the consent was collected on.",
    )
    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        compute="_compute_lead_id",
        search="_search_lead_id",
        help="The lead the consent was collected on, when it was.",
    )
    purpose_id = fields.Many2one(
        comodel_name="gdpr.purpose",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    action = fields.Selection(
        selection=CONSENT_ACTION_SELECTION, required=True, readonly=True
    )
    channel = fields.Selection(
        selection=CONSENT_CHANNEL_SELECTION, required=True, readonly=True
    )
    notice_id = fields.Many2one(
        comodel_name="gdpr.privacy.notice",
        string="Notice Version Shown",
        readonly=True,
        ondelete="restrict",
    )
    subject_key = fields.Char(
        string="Person (key)",
        readonly=True,
        index=True,
        help="The pseudonymous key of the person (of the lead or mailing "
        "contact, before it has a contact): the evidence, IP address and "
        "browser are encrypted with this person's own key, destroyed when the "
        "person is erased.",
    )
    # what the ledger stores (and its hash chain covers): the person's
    # evidence encrypted with their key, so that erasing them (Art. 17 GDPR)
    # leaves the chained events intact but unreadable
    evidence_encrypted = fields.Text(string="Evidence (encrypted)", readonly=True)
    ip_address_encrypted = fields.Text(string="IP Address (encrypted)", readonly=True)
    user_agent_encrypted = fields.Text(string="Browser (encrypted)", readonly=True)
    evidence = fields.Text(compute="_compute_clear_values")
    evidence_attachment_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Evidence Document",
        readonly=True,
        ondelete="restrict",
    )
    ip_address = fields.Char(string="IP Address", compute="_compute_clear_values")
    user_agent = fields.Char(compute="_compute_clear_values")
    erased_on = fields.Datetime(
        compute="_compute_clear_values",
        help="When the person was erased: their evidence, IP address and "
        "browser cannot be read any more.",
    )
    erasure_note = fields.Char(
        string="Erased",
        compute="_compute_clear_values",
        help="Shown instead of the evidence once the person was erased.",
    )
    recorded_by_id = fields.Many2one(comodel_name="res.users", readonly=True)
    carried_from_id = fields.Many2one(
        comodel_name="gdpr.consent.event",
        string="Carried Over From",
        readonly=True,
        ondelete="restrict",
        help="The event on the lead this event repeats for its contact.",
    )

    _sql_constraints = [
        ("sequence_uniq", "unique(sequence)", "The ledger sequence is unique."),
        (
            "subject_required",
            "CHECK(partner_id IS NOT NULL OR origin_id IS NOT NULL)",
            "A consent event concerns a contact or a lead.",
        ),
    ]

    @api.depends("origin_model", "origin_id")
    def _compute_lead_id(self):
        for event in self:
            event.lead_id = (
                self.env["crm.lead"].browse(event.origin_id)
                if event.origin_model == "crm.lead"
                else False
            )

    def _search_lead_id(self, operator, value):
        """The events collected on leads matching ``value``: the role rules
        show a lead's consents with the lead (Art. 5(1)(f) GDPR)."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        if operator == "any" and isinstance(value, (list, tuple)):
            leads = Lead._search(list(value))
        elif operator == "in" and isinstance(value, Query):
            # Odoo turns ('lead_id', 'any', domain) into a subquery
            leads = value
        elif operator in ("=", "in") and value:
            leads = [value] if isinstance(value, int) else list(value)
        else:
            raise UserError(self.env._("Unsupported search on the lead of a consent."))
        return [("origin_model", "=", "crm.lead"), ("origin_id", "in", leads)]

    @api.depends("sequence", "action", "purpose_id")
    def _compute_display_name(self):
        actions = dict(CONSENT_ACTION_SELECTION)
        for event in self:
            event.display_name = (
                f"#{event.sequence} {event.purpose_id.name or ''} "
                f"{actions.get(event.action, '')}"
            ).strip()

    @api.depends(
        "subject_key",
        "evidence_encrypted",
        "ip_address_encrypted",
        "user_agent_encrypted",
    )
    def _compute_clear_values(self):
        """The evidence, IP address and browser, decrypted with the person's
        key while it exists (one lookup for all the events shown); once the
        person was erased, the day it happened instead."""
        Keys = self.env["gdpr.subject.key"]
        keys = self.mapped("subject_key")
        ciphers = Keys._gdpr_ciphers(keys)
        erased = Keys._gdpr_erasure_dates(keys)
        for event in self:
            cipher = ciphers.get(event.subject_key)
            erased_on = erased.get(event.subject_key)
            values, states = {}, set()
            for name in CLEAR_FIELDS:
                values[name], state = Keys._gdpr_readable(
                    cipher, event[f"{name}_encrypted"], erased_on, event.event_time
                )
                states.add(state)
            if "altered" in states:
                values["evidence"] = self.env._(
                    "Not readable: the encrypted values were altered."
                )
            is_erased = bool(erased_on) or "erased" in states
            if cipher and erased_on:
                # recorded again after the erasure, under a new key: what it
                # encrypted tells which key it had, else its time
                sealed = any(event[f"{name}_encrypted"] for name in CLEAR_FIELDS)
                is_erased = (
                    "erased" in states if sealed else event.event_time < erased_on
                )
            event.update(values)
            event.erased_on = is_erased and erased_on
            event.erasure_note = is_erased and event._gdpr_erasure_note(erased_on)

    def _gdpr_erasure_note(self, erased_on):
        if not erased_on:
            return self.env._("Erased")
        return self.env._(
            "Erased on %(date)s", date=format_date(self.env, erased_on.date())
        )

    # ------------------------------------------------------------------
    # Append-only
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_chain_label(self):
        return self.env._("Consent ledger")

    def _gdpr_direct_create_message(self):
        return self.env._(
            "Consent events are recorded through the contact "
            "(Record consent), never created directly."
        )

    def _gdpr_chain_defaults(self, vals):
        return {"recorded_by_id": vals.get("recorded_by_id") or self.env.uid}

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get(self._gdpr_append_context):
            vals_list = self._gdpr_encrypt_vals_list(vals_list)
        events = super().create(vals_list)
        self._gdpr_audit_events(events)
        return events

    @api.model
    def _gdpr_subject_keys(self, vals_list):
        """The pseudonymous key of the person each event is about: the
        contact, else the document it was collected on (a lead, a mailing
        contact). One keyed hash per person, however many events."""
        subjects = [
            ("res.partner", vals["partner_id"])
            if vals.get("partner_id")
            else (vals.get("origin_model"), vals.get("origin_id"))
            for vals in vals_list
        ]
        by_model = defaultdict(set)
        for model, res_id in subjects:
            by_model[model].add(res_id)
        Hash = self.env["gdpr.keyed.hash"]
        keys = {}
        for model, res_ids in by_model.items():
            res_ids = sorted(res_ids)
            keys.update(
                zip(
                    [(model, res_id) for res_id in res_ids],
                    Hash._gdpr_pseudonyms_of(model, res_ids),
                    strict=True,
                )
            )
        return [keys[subject] for subject in subjects]

    @api.model
    def _gdpr_encrypt_vals_list(self, vals_list):
        """The values to store: the evidence, IP address and browser of each
        event encrypted with its person's key (created on their first event;
        one lookup per batch), the clear values gone."""
        keys = self._gdpr_subject_keys(vals_list)
        Keys = self.env["gdpr.subject.key"]
        ciphers = Keys._gdpr_ciphers(
            [
                key
                for key, vals in zip(keys, vals_list, strict=True)
                if any(vals.get(name) for name in CLEAR_FIELDS)
            ],
            create=True,
        )
        sealed = []
        for key, vals in zip(keys, vals_list, strict=True):
            vals = dict(vals, subject_key=key)
            for name in CLEAR_FIELDS:
                value = vals.pop(name, False)
                vals[f"{name}_encrypted"] = value and Keys._gdpr_encrypt(
                    ciphers[key], value
                )
            sealed.append(vals)
        return sealed

    @api.model
    def _gdpr_audit_events(self, events):
        """One audit entry per kind of event and document: a single event gets
        its own, a batch (an import) one naming all its people."""
        groups = defaultdict(list)
        for event in events:
            key = (
                event.purpose_id,
                event.action,
                event.channel,
                event.origin_model or False,
                event.origin_id or False,
                bool(event.partner_id),
            )
            groups[key].append(event.id)
        AuditLog = self.env["gdpr.audit.log"]
        for key, event_ids in groups.items():
            purpose, action, channel, origin_model, origin_id, on_partner = key
            group = self.browse(event_ids)
            origin = self.env[origin_model].browse(origin_id) if origin_model else None
            if len(group) == 1:
                numbers, document = f"#{group.sequence}", group
            else:
                numbers = (
                    f"#{group[0].sequence}…#{group[-1].sequence}, {len(group)} events"
                )
                document = origin or group[0]
            AuditLog._gdpr_log(
                "consent",
                f"{purpose.code or purpose.id}: {action} ({channel}) {numbers}",
                subjects=group.partner_id if on_partner else origin,
                document=document,
            )

    @api.model
    def _gdpr_prepare_event(
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
        """Validate what a consent event says; raise on bad input."""
        purpose = self.env["gdpr.purpose"]._gdpr_get(purpose)
        if action not in dict(CONSENT_ACTION_SELECTION):
            raise ValidationError(
                self.env._("%(action)r is not a consent action.", action=action)
            )
        if not channel:
            raise ValidationError(
                self.env._("Say how the consent was collected (the channel).")
            )
        if channel not in dict(CONSENT_CHANNEL_SELECTION):
            raise ValidationError(
                self.env._("%(channel)r is not a consent channel.", channel=channel)
            )
        if (
            action == "given"
            and purpose.consent_evidence_required
            and not (evidence or attachment)
        ):
            raise ValidationError(
                self.env._(
                    "Purpose %(purpose)s requires evidence of the consent (a text "
                    "or a document).",
                    purpose=purpose.name,
                )
            )
        notices = self.env["gdpr.privacy.notice"].sudo()
        if notice is None and action in ("given", "refused"):
            notice = notices._gdpr_current_for(purpose)
        if notice and purpose not in notice.purpose_ids:
            raise ValidationError(
                self.env._(
                    "Privacy notice %(notice)s does not cover purpose %(purpose)s.",
                    notice=notice.name,
                    purpose=purpose.name,
                )
            )
        if action == "given" and not notice:
            raise ValidationError(
                self.env._(
                    "Consent for %(purpose)s can only be given after a privacy "
                    "notice: publish a notice version for this purpose first.",
                    purpose=purpose.name,
                )
            )
        return {
            "purpose_id": purpose.id,
            "action": action,
            "channel": channel,
            "notice_id": notice.id if notice else False,
            "evidence": evidence or False,
            "evidence_attachment_id": attachment.id if attachment else False,
            "ip_address": ip or False,
            "user_agent": user_agent or False,
            "origin_model": origin._name if origin else False,
            "origin_id": origin.id if origin else False,
            "carried_from_id": carried_from.id if carried_from else False,
        }

    @api.model
    def _gdpr_record_batch(self, entries):
        """Record consent events for contacts, all validated before any is
        written. Each entry is a dict with ``partner`` and the arguments of
        ``_gdpr_prepare_event``, and optionally ``answered_on``: the day the
        person answered, when it was before the recording (a consent given on
        paper and imported later). Returns the events, in the entries' order."""
        partners = self.env["res.partner"].browse(
            [entry["partner"].id for entry in entries]
        )
        partners.check_access("read")
        vals_list, answered_on = [], []
        for entry in entries:
            entry = dict(entry)
            partner = entry.pop("partner")
            answered_on.append(entry.pop("answered_on", None))
            vals_list.append(
                dict(self._gdpr_prepare_event(**entry), partner_id=partner.id)
            )
        events = self.sudo().with_context(gdpr_ledger_append=True).create(vals_list)
        self.env["gdpr.consent"]._gdpr_apply_events(
            events,
            {
                event.id: day
                for event, day in zip(events, answered_on, strict=True)
                if day
            },
        )
        # giving consent is an exchange with the person: periods anchored on
        # the last interaction run again from the day they gave it
        given = [
            (event.partner_id.id, fields.Datetime.to_datetime(day) or event.event_time)
            for event, day in zip(events, answered_on, strict=True)
            if event.action == "given"
        ]
        partners._gdpr_touch_rows(
            partners.browse([partner_id for partner_id, _when in given]),
            [when for _partner_id, when in given],
        )
        return events.sudo(False)

    @api.model
    def _gdpr_record(self, partner, purpose, action, channel, **values):
        """Record one consent event for ``partner``: ``purpose`` a
        gdpr.purpose or its code, ``values`` the other arguments of
        ``_gdpr_prepare_event`` (notice, evidence, ip, user_agent,
        attachment, origin, carried_from). Bad input raises before anything
        is written. Returns the event."""
        partner.ensure_one()
        return self._gdpr_record_batch(
            [
                dict(
                    values,
                    partner=partner,
                    purpose=purpose,
                    action=action,
                    channel=channel,
                )
            ]
        )

    @api.model
    def _gdpr_record_for(self, origin, partner, purpose, action, channel, **kwargs):
        """Record a consent collected on a document (a lead, a mailing
        contact): on the partner it stands for when there is one, else on the
        document itself until it gets one."""
        origin.check_access("read")
        if partner:
            return partner._gdpr_record_consent(
                purpose, action, channel, origin=origin, **kwargs
            )
        event_vals = self._gdpr_prepare_event(
            purpose, action, channel, origin=origin, **kwargs
        )
        return (
            self.sudo()
            .with_context(gdpr_ledger_append=True)
            .create([event_vals])
            .sudo(False)
        )

    # ------------------------------------------------------------------
    # Upgrade from clear values
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_encrypt_legacy_values(self):
        """Up to 18.0.1.1.0 the evidence, IP address and browser were stored
        in clear (columns named after the fields), and stayed after the
        person's erasure. Encrypt them in place with each person's key, drop
        the clear columns, re-seal the chain over what is stored now and
        record the re-sealing in the audit log, so that the change is itself
        in a chain. Returns the number of events, 0 when there was nothing
        to do."""
        cr = self.env.cr
        legacy = [name for name in CLEAR_FIELDS if column_exists(cr, self._table, name)]
        if not legacy:
            return 0
        before = self._gdpr_verify_chain(self._gdpr_legacy_hashed_columns())
        cr.execute(
            SQL(
                "SELECT id, partner_id, origin_model, origin_id, %s FROM %s "
                "ORDER BY sequence",
                SQL(", ").join(map(SQL.identifier, legacy)),
                SQL.identifier(self._table),
            )
        )
        columns = [desc[0] for desc in cr.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cr.fetchall()]
        sealed = self._gdpr_encrypt_vals_list(rows)
        with self._gdpr_unguarded():
            cr.execute(
                SQL(
                    """
                    UPDATE %(table)s t
                       SET subject_key = n.subject_key,
                           evidence_encrypted = n.evidence,
                           ip_address_encrypted = n.ip_address,
                           user_agent_encrypted = n.user_agent
                      FROM unnest(%(ids)s::int[], %(keys)s::varchar[],
                                  %(evidence)s::text[], %(ip)s::text[],
                                  %(browser)s::text[])
                           AS n(id, subject_key, evidence, ip_address, user_agent)
                     WHERE t.id = n.id;
                    ALTER TABLE %(table)s %(drop)s;
                    """,
                    table=SQL.identifier(self._table),
                    ids=[row["id"] for row in rows],
                    keys=[vals["subject_key"] for vals in sealed],
                    evidence=[vals["evidence_encrypted"] or None for vals in sealed],
                    ip=[vals["ip_address_encrypted"] or None for vals in sealed],
                    browser=[vals["user_agent_encrypted"] or None for vals in sealed],
                    drop=SQL(", ").join(
                        SQL("DROP COLUMN %s", SQL.identifier(name)) for name in legacy
                    ),
                )
            )
        # what the people erased before this version left here goes too
        self.env["gdpr.subject.key"]._gdpr_forget_erased_earlier(
            {vals["subject_key"] for vals in sealed}
        )
        count, head_sequence, head_hash, new_hash = self._gdpr_reseal_chain()
        self.env["gdpr.audit.log"]._gdpr_log(
            "reseal",
            f"Consent ledger re-sealed on {fields.Datetime.now()}: evidence, IP "
            f"addresses and browsers encrypted with each person's key, {count} "
            f"events hashed again; previous head #{head_sequence} {head_hash}, "
            f"new head {new_hash}; chain before: "
            + ("intact" if before["ok"] else f"BROKEN ({before['problem']})"),
        )
        return count

    @api.model
    def _gdpr_legacy_hashed_columns(self):
        """The columns the hash covered when the values were stored in
        clear."""
        legacy = {f"{name}_encrypted": name for name in CLEAR_FIELDS}
        return [
            legacy.get(column, column)
            for column in self._gdpr_hashed_columns()
            if column != "subject_key"
        ]

    def _gdpr_append_only_message(self):
        return self.env._(
            "The consent ledger is append-only: record a new event instead "
            "of changing or deleting one."
        )

    @api.model
    def action_verify_ledger(self):
        return self._gdpr_verify_notification(self.env._("Consent ledger verification"))
