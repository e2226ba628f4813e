# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class MailComposeMessage(models.TransientModel):
    """A mass mail can be direct marketing (an offer) or a service message
    (an office closure): the sender says which. Direct marketing goes only to
    whoever the processing rule allows (GDPR Art. 6 and 21, Italian Privacy
    Code art. 130), and the composer says how many it skips and why before
    anything is sent."""

    _inherit = "mail.compose.message"

    gdpr_direct_marketing = fields.Boolean(
        string="Direct Marketing",
        help="Tick it when the message promotes products or services: it then "
        "skips whoever may not receive direct marketing (no consent for a "
        "prospect, withdrawn consent, restriction, objection). Service "
        "messages, such as an office closure, are not direct marketing.",
    )
    gdpr_refused_count = fields.Integer(
        string="Skipped (GDPR)",
        compute="_compute_gdpr_refused",
        help="Recipients this direct-marketing message will skip.",
    )
    gdpr_refused_summary = fields.Text(
        string="Skipped Because",
        compute="_compute_gdpr_refused",
    )

    @api.depends(
        "gdpr_direct_marketing", "composition_mode", "model", "res_ids", "res_domain"
    )
    def _compute_gdpr_refused(self):
        rule = self.env["gdpr.processing.rule"]
        for composer in self:
            refused = (
                composer._gdpr_refused_recipients(composer._gdpr_recipient_ids())
                if composer._gdpr_is_marketing()
                else {}
            )
            composer.gdpr_refused_count = len(refused)
            composer.gdpr_refused_summary = (
                "\n".join(rule._gdpr_refusal_counts(refused)) or False
            )

    def _gdpr_recipient_ids(self):
        """The records the composer will mail, as ``_action_send_mail``
        finds them."""
        self.ensure_one()
        if not self.model:
            return []
        if self.res_domain:
            return self.env[self.model].search(self._evaluate_res_domain()).ids
        return self._evaluate_res_ids()

    def _gdpr_is_marketing(self):
        self.ensure_one()
        return self.composition_mode == "mass_mail" and self.gdpr_direct_marketing

    def _gdpr_refused_recipients(self, res_ids):
        """``{res_id: reason}``: the recipients the processing rule refuses
        direct marketing to."""
        self.ensure_one()
        return self.env["gdpr.processing.rule"]._gdpr_record_refusals(
            self.model, res_ids, "marketing"
        )

    def _action_send_mail_mass_mail(self, res_ids, auto_commit=False):
        if self._gdpr_is_marketing():
            refused = self._gdpr_refused_recipients(res_ids)
            allowed = [res_id for res_id in res_ids if res_id not in refused]
            if not allowed and refused:
                raise self._gdpr_all_refused_error(len(res_ids), refused)
            res_ids = allowed
        return super()._action_send_mail_mass_mail(res_ids, auto_commit=auto_commit)

    def _gdpr_all_refused_error(self, total, refused):
        return UserError(
            self.env._(
                "Nobody may receive this direct marketing: the privacy rules "
                "exclude all its %(total)s recipients.\n%(reasons)s",
                total=total,
                reasons="\n".join(
                    self.env["gdpr.processing.rule"]._gdpr_refusal_counts(refused)
                ),
            )
        )
