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
        if not event.partner_id:
            return self.browse()
        consents = self.sudo().with_context(gdpr_ledger_append=True)
        consent = consents.search(
            [
                ("partner_id", "=", event.partner_id.id),
                ("purpose_id", "=", event.purpose_id.id),
            ]
        )
        validity = event.purpose_id.consent_validity_months
        values = {
            "state": event.action,
            "last_event_id": event.id,
            "state_date": event.event_time,
            "expiry_date": (
                fields.Date.to_date(event.event_time) + relativedelta(months=validity)
                if event.action == "given" and validity
                else False
            ),
        }
        if consent:
            consent.write(values)
        else:
            consent = consents.create(
                dict(
                    values,
                    partner_id=event.partner_id.id,
                    purpose_id=event.purpose_id.id,
                )
            )
        return consent

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
