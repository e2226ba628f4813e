# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class MailingSubscription(models.Model):
    _inherit = "mailing.subscription"

    @api.model_create_multi
    def create(self, vals_list):
        subscriptions = super().create(vals_list)
        subscriptions.filtered("opt_out")._gdpr_register_objections()
        return subscriptions

    def write(self, vals):
        opting_out = (
            self.filtered(lambda sub: not sub.opt_out)
            if vals.get("opt_out") or vals.get("opt_out_datetime")
            else self.browse()
        )
        result = super().write(vals)
        opting_out.filtered("opt_out")._gdpr_register_objections()
        if vals.get("opt_out_reason_id"):
            for subscription in self:
                subscription._gdpr_objection()._gdpr_set_reason(
                    subscription.opt_out_reason_id.name
                )
        return result

    def _gdpr_objection(self):
        self.ensure_one()
        return (
            self.env["gdpr.objection"]
            .sudo()
            .search(
                [
                    ("email_normalized", "=", self.contact_id.email_normalized),
                    ("list_id", "=", self.list_id.id),
                ],
                limit=1,
            )
        )

    def _gdpr_register_objections(self):
        """Opting out of a list objects to that list's topic only (SPEC)."""
        for subscription in self:
            self.env["gdpr.objection"]._gdpr_register(
                subscription.contact_id.email,
                "backend_optout",
                mailing_list=subscription.list_id,
                reason=subscription.opt_out_reason_id.name or None,
            )
