# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

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
]

GENESIS_HASH = "0" * 64


class GdprConsentEvent(models.Model):
    _name = "gdpr.consent.event"
    _description = "Consent Ledger Event"
    _order = "sequence desc"
    _rec_name = "sequence"

    sequence = fields.Integer(readonly=True, index=True, copy=False)
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
    evidence = fields.Text(readonly=True)
    evidence_attachment_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Evidence Document",
        readonly=True,
        ondelete="restrict",
    )
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    recorded_by_id = fields.Many2one(comodel_name="res.users", readonly=True)
    event_time = fields.Datetime(readonly=True, index=True)
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True, index=True)
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

    def init(self):
        # The head of the chain: one row every writer locks before appending.
        # Under Odoo's REPEATABLE READ isolation a writer whose snapshot is
        # older than the last append gets a serialization failure, which Odoo
        # retries, instead of chaining on a stale hash.
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS gdpr_consent_event_head (
                    id integer PRIMARY KEY CHECK (id = 1),
                    sequence integer NOT NULL,
                    hash varchar NOT NULL
                );
                INSERT INTO gdpr_consent_event_head (id, sequence, hash)
                SELECT 1, COALESCE(MAX(sequence), 0),
                       COALESCE((SELECT hash FROM gdpr_consent_event
                                  ORDER BY sequence DESC LIMIT 1), %s)
                  FROM gdpr_consent_event
                ON CONFLICT (id) DO NOTHING;
                """,
                GENESIS_HASH,
            )
        )
        # Append-only also for SQL and for whoever bypasses the ORM.
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION gdpr_consent_event_append_only()
            RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'gdpr_consent_event is append-only: % refused',
                    TG_OP;
            END;
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS gdpr_consent_event_append_only
                ON gdpr_consent_event;
            CREATE TRIGGER gdpr_consent_event_append_only
                BEFORE UPDATE OR DELETE ON gdpr_consent_event
                FOR EACH ROW EXECUTE FUNCTION gdpr_consent_event_append_only();
            """
        )

    @api.depends("sequence", "action", "purpose_id")
    def _compute_display_name(self):
        actions = dict(CONSENT_ACTION_SELECTION)
        for event in self:
            event.display_name = (
                f"#{event.sequence} {event.purpose_id.name or ''} "
                f"{actions.get(event.action, '')}"
            ).strip()

    # ------------------------------------------------------------------
    # Append-only
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("gdpr_ledger_append"):
            raise AccessError(
                self.env._(
                    "Consent events are recorded through the contact "
                    "(Record consent), never created directly."
                )
            )
        events = self.browse()
        for vals in vals_list:
            # one at a time: each event is chained on the one before
            vals = self._gdpr_chain_vals(vals)
            events |= super().create([vals])
            self.env.cr.execute(
                "UPDATE gdpr_consent_event_head SET sequence = %s, hash = %s "
                "WHERE id = 1",
                [vals["sequence"], vals["hash"]],
            )
        return events

    def _gdpr_chain_vals(self, vals):
        """Values of the next event of the chain, with its position and hash."""
        self.env.cr.execute(
            "SELECT sequence, hash FROM gdpr_consent_event_head WHERE id = 1 FOR UPDATE"
        )
        last_sequence, last_hash = self.env.cr.fetchone()
        vals = dict(
            vals,
            sequence=last_sequence + 1,
            previous_hash=last_hash,
            event_time=fields.Datetime.now(),
            recorded_by_id=vals.get("recorded_by_id") or self.env.uid,
        )
        vals["hash"] = self._gdpr_hash(vals)
        return vals

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

    @api.model
    def _gdpr_canonical(self, vals):
        """The content the hash covers, in a stable textual form."""

        def ref(value):
            return value.id if isinstance(value, models.BaseModel) else value or None

        content = {
            "sequence": vals.get("sequence"),
            "partner_id": ref(vals.get("partner_id")),
            "origin_model": vals.get("origin_model") or None,
            "origin_id": vals.get("origin_id") or None,
            "purpose_id": ref(vals.get("purpose_id")),
            "action": vals.get("action"),
            "channel": vals.get("channel"),
            "notice_id": ref(vals.get("notice_id")),
            "evidence": vals.get("evidence") or None,
            "evidence_attachment_id": ref(vals.get("evidence_attachment_id")),
            "ip_address": vals.get("ip_address") or None,
            "user_agent": vals.get("user_agent") or None,
            "recorded_by_id": ref(vals.get("recorded_by_id")),
            "event_time": fields.Datetime.to_string(vals.get("event_time")),
            "carried_from_id": ref(vals.get("carried_from_id")),
            "previous_hash": vals.get("previous_hash"),
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"))

    @api.model
    def _gdpr_hash(self, vals):
        return hashlib.sha256(self._gdpr_canonical(vals).encode()).hexdigest()

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "The consent ledger is append-only: record a new event instead "
                "of changing one."
            )
        )

    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(
            self.env._("The consent ledger is append-only: events cannot be deleted.")
        )

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_verify_chain(self):
        """Walk the whole chain. Returns a dict: ``ok``, ``checked`` and, when
        broken, ``sequence`` (first bad position) and ``problem``."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT sequence, partner_id, origin_model, origin_id, purpose_id,
                   action, channel, notice_id, evidence, evidence_attachment_id,
                   ip_address, user_agent, recorded_by_id, event_time,
                   carried_from_id, previous_hash, hash
              FROM gdpr_consent_event
          ORDER BY sequence
            """
        )
        columns = [desc[0] for desc in self.env.cr.description]
        expected_previous = GENESIS_HASH
        checked = 0
        for values in self.env.cr.fetchall():
            row = dict(zip(columns, values, strict=True))
            checked += 1
            if row["sequence"] != checked:
                return self._gdpr_chain_problem(
                    checked,
                    checked - 1,
                    self.env._("event #%(n)s is missing or out of order", n=checked),
                )
            if row["previous_hash"] != expected_previous:
                return self._gdpr_chain_problem(
                    checked,
                    checked - 1,
                    self.env._(
                        "event #%(n)s does not follow the previous one: an event "
                        "before it was altered, removed or inserted",
                        n=checked,
                    ),
                )
            if self._gdpr_hash(row) != row["hash"]:
                return self._gdpr_chain_problem(
                    checked,
                    checked - 1,
                    self.env._("event #%(n)s was altered", n=checked),
                )
            expected_previous = row["hash"]
        self.env.cr.execute("SELECT sequence, hash FROM gdpr_consent_event_head")
        head = self.env.cr.fetchone()
        if head and (head[0] != checked or head[1] != expected_previous):
            return self._gdpr_chain_problem(
                checked + 1,
                checked,
                self.env._(
                    "the ledger ends at event #%(n)s but its last recorded event "
                    "is #%(head)s: events at the end were removed",
                    n=checked,
                    head=head[0],
                ),
            )
        return {"ok": True, "checked": checked}

    @api.model
    def _gdpr_chain_problem(self, sequence, checked, problem):
        return {
            "ok": False,
            "checked": checked,
            "sequence": sequence,
            "problem": problem,
        }

    @api.model
    def action_verify_ledger(self):
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._("Only the Data Protection Officer verifies the ledger.")
            )
        result = self.sudo()._gdpr_verify_chain()
        if result["ok"]:
            message = self.env._(
                "Consent ledger intact: %(count)s events verified.",
                count=result["checked"],
            )
        else:
            message = self.env._(
                "Consent ledger TAMPERED: %(problem)s (%(count)s events verified "
                "before it).",
                problem=result["problem"],
                count=result["checked"],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if result["ok"] else "danger",
                "sticky": not result["ok"],
                "title": self.env._("Consent ledger verification"),
                "message": message,
            },
        }
