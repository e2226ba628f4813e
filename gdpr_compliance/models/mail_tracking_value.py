# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailTrackingValue(models.Model):
    """The chatter shows a tracked change only to users who may see the
    field: a lead's revenue changing is financial data like the revenue
    itself (data categories, Art. 5(1)(c) GDPR). A notification email, one
    rendering for all its recipients, shows only the changes every role may
    see."""

    _inherit = "mail.tracking.value"

    def _filter_has_field_access(self, env):
        trackings = super()._filter_has_field_access(env)
        if env.context.get("gdpr_notification_email"):
            # a client sending this key only hides more
            return trackings._gdpr_without(
                env["gdpr.data.category"]._gdpr_restricted_fields
            )
        guard = env["gdpr.field.guard"]
        return trackings._gdpr_without(
            lambda model_name: guard._hidden_fields_for_display(env[model_name])
        )

    def _filter_free_field_access(self):
        return (
            super()
            ._filter_free_field_access()
            ._gdpr_without(self.env["gdpr.data.category"]._gdpr_restricted_fields)
        )

    def _gdpr_without(self, hidden_of):
        """These tracking values but those of the fields ``hidden_of(model
        name)`` names."""
        hidden = {
            model_name: hidden_of(model_name)
            for model_name in set(self.field_id.mapped("model"))
            if model_name in self.env
        }
        return self.filtered(
            lambda tracking: (
                not tracking.field_id
                or tracking.field_id.name not in hidden.get(tracking.field_id.model, ())
            )
        )
