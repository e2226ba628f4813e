# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class GdprMailingExclusion(models.Model):
    """How many recipients a mailing left out when it was sent, and why.
    They get no trace (they were never mailed), so without this the count
    shown on the mailing before sending would be lost once it is done."""

    _name = "gdpr.mailing.exclusion"
    _description = "Recipients a Mailing Left Out"
    _order = "date desc, id desc"
    _rec_name = "mailing_id"

    mailing_id = fields.Many2one(
        comodel_name="mailing.mailing",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    date = fields.Datetime(
        string="Sent On",
        required=True,
        readonly=True,
        index=True,
        default=fields.Datetime.now,
    )
    reason = fields.Selection(
        selection="_selection_reason", required=True, readonly=True
    )
    recipient_count = fields.Integer(string="Recipients Left Out", readonly=True)

    @api.model
    def _selection_reason(self):
        return self.env["gdpr.processing.rule"]._gdpr_decision_selection()

    @api.model
    def _gdpr_record(self, mailing, excluded):
        """Keep the figures of ``excluded`` (``{res_id: reason}``) for the
        mailing, in place of those of an earlier sending attempt."""
        counts = {}
        for reason in excluded.values():
            counts[reason] = counts.get(reason, 0) + 1
        exclusions = self.sudo()
        exclusions.search([("mailing_id", "=", mailing.id)]).unlink()
        return exclusions.create(
            [
                {"mailing_id": mailing.id, "reason": reason, "recipient_count": count}
                for reason, count in sorted(counts.items())
            ]
        )
