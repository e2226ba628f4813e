# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailTrackingValue(models.Model):
    """The chatter shows a tracked change only to users who may see the
    field: a lead's revenue changing is financial data like the revenue
    itself (data categories, Art. 5(1)(c) GDPR)."""

    _inherit = "mail.tracking.value"

    def _filter_has_field_access(self, env):
        trackings = super()._filter_has_field_access(env)
        guard = env["gdpr.field.guard"]
        hidden = {}
        for model_name in set(trackings.field_id.mapped("model")):
            if model_name in env:
                hidden[model_name] = guard._hidden_fields_for_display(env[model_name])
        return trackings.filtered(
            lambda tracking: (
                not tracking.field_id
                or tracking.field_id.name not in hidden.get(tracking.field_id.model, ())
            )
        )
