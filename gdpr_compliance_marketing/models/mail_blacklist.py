# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# Set by Odoo flows that blocklist an address without the person objecting
# (portal account deletion): those entries are not Art. 21 objections.
NOT_OBJECTION_KEY = "gdpr_blocklist_not_objection"


class MailBlacklist(models.Model):
    _inherit = "mail.blacklist"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.filtered("active")._gdpr_register_objections()
        return records

    def write(self, vals):
        newly_active = (
            self.filtered(lambda r: not r.active)
            if vals.get("active")
            else self.browse()
        )
        result = super().write(vals)
        newly_active._gdpr_register_objections()
        if vals.get("opt_out_reason_id"):
            self._gdpr_objections()._gdpr_set_reason(self.opt_out_reason_id[:1].name)
        return result

    def _gdpr_objections(self):
        return (
            self.env["gdpr.objection"]
            .sudo()
            .search(
                [
                    ("email_normalized", "in", self.mapped("email")),
                    ("list_id", "=", False),
                ]
            )
        )

    def _gdpr_register_objections(self):
        if self.env.context.get(NOT_OBJECTION_KEY):
            return
        for entry in self:
            self.env["gdpr.objection"]._gdpr_register(
                entry.email,
                "manual_blocklist",
                reason=entry.opt_out_reason_id.name or None,
            )
