# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

CONSENT_STATE_SELECTION = [
    ("none", "No answer"),
    ("given", "Given"),
    ("withdrawn", "Withdrawn"),
    ("refused", "Refused"),
    ("expired", "Expired"),
]


class GdprConsent(models.Model):
    _name = "gdpr.consent"
    _description = "Current Consent State"
    _order = "partner_id, purpose_id"
    _rec_name = "purpose_id"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    purpose_id = fields.Many2one(
        comodel_name="gdpr.purpose",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    state = fields.Selection(
        selection=CONSENT_STATE_SELECTION,
        required=True,
        default="none",
        readonly=True,
        index=True,
    )
    last_event_id = fields.Many2one(
        comodel_name="gdpr.consent.event", readonly=True, ondelete="set null"
    )
    state_date = fields.Datetime(string="Since", readonly=True)
    channel = fields.Selection(related="last_event_id.channel")
    notice_id = fields.Many2one(related="last_event_id.notice_id")
    expiry_date = fields.Date(
        readonly=True,
        index=True,
        help="A given consent lapses on this date (validity set on the purpose).",
    )

    _sql_constraints = [
        (
            "partner_purpose_uniq",
            "unique(partner_id, purpose_id)",
            "One consent state per contact and purpose.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self._gdpr_check_derived_write()
        return super().create(vals_list)

    def write(self, vals):
        self._gdpr_check_derived_write()
        return super().write(vals)

    def _gdpr_check_derived_write(self):
        if not self.env.context.get("gdpr_ledger_append"):
            raise AccessError(
                self.env._(
                    "The consent state is derived from the consent ledger: record "
                    "a consent event instead of editing it."
                )
            )

    @api.model
    def _gdpr_apply_event(self, event):
        """Bring the state of the event's contact and purpose up to date."""
        return self._gdpr_apply_events(event)

    @api.model
    def _gdpr_apply_events(self, events, answered_on=None):
        """Bring the states of the events' contacts and purposes up to date,
        the last event of each pair winning. ``answered_on``: ``{event id:
        date}`` when the person answered before the event was recorded (a
        consent collected on paper and imported later): the state and its
        validity run from that day, not from the recording."""
        events = events.filtered("partner_id")
        if not events:
            return self.browse()
        answered_on = answered_on or {}
        consents = self.sudo().with_context(gdpr_ledger_append=True)
        existing = {
            (consent.partner_id.id, consent.purpose_id.id): consent
            for consent in consents.search(
                [
                    ("partner_id", "in", events.partner_id.ids),
                    ("purpose_id", "in", events.purpose_id.ids),
                ]
            )
        }
        last_events = {
            (event.partner_id.id, event.purpose_id.id): event for event in events
        }
        updated = consents.browse()
        new_vals = []
        for pair, event in last_events.items():
            values = self._gdpr_state_values(event, answered_on.get(event.id))
            if pair in existing:
                existing[pair].write(values)
                updated |= existing[pair]
            else:
                new_vals.append(dict(values, partner_id=pair[0], purpose_id=pair[1]))
        return updated | self.env["gdpr.bulk.create"]._gdpr_insert_rows(
            consents, new_vals
        )

    @api.model
    def _gdpr_state_values(self, event, answered_on=None):
        since = (
            fields.Datetime.to_datetime(answered_on)
            if answered_on
            else event.event_time
        )
        validity = event.purpose_id.consent_validity_months
        return {
            "state": event.action,
            "last_event_id": event.id,
            "state_date": since,
            "expiry_date": (
                fields.Date.to_date(since) + relativedelta(months=validity)
                if event.action == "given" and validity
                else False
            ),
        }

    @api.model
    def _cron_gdpr_expire_consents(self, batch_size=500):
        """Record an 'expired' event for every given consent past its validity."""
        today = fields.Date.context_today(self)
        lapsed = self.sudo().search(
            [("state", "=", "given"), ("expiry_date", "<", today)],
            limit=batch_size,
        )
        for consent in lapsed:
            consent.partner_id._gdpr_record_consent(
                consent.purpose_id,
                "expired",
                "system",
                evidence=self.env._(
                    "Validity of %(months)s months ended on %(date)s.",
                    months=consent.purpose_id.consent_validity_months,
                    date=consent.expiry_date,
                ),
            )
        remaining = self.sudo().search_count(
            [("state", "=", "given"), ("expiry_date", "<", today)]
        )
        self.env["ir.cron"]._notify_progress(done=len(lapsed), remaining=remaining)
        return len(lapsed)
