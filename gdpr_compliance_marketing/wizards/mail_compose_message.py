# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _action_send_mail_mass_mail(self, res_ids, auto_commit=False):
        """A mass mail given a mailing name is direct marketing: Odoo files it
        as a mailing of the Email Marketing app. The same rules as for any
        mailing decide who gets it; when they leave nobody, the error says
        how many were excluded and why."""
        if self._gdpr_is_marketing():
            mailing = self.mass_mailing_id
            excluded = mailing._gdpr_excluded_recipients(res_ids)
            allowed = [res_id for res_id in res_ids if res_id not in excluded]
            if not allowed:
                raise mailing._gdpr_all_excluded_error(len(res_ids), excluded)
            res_ids = allowed
        return super()._action_send_mail_mass_mail(res_ids, auto_commit=auto_commit)

    def _gdpr_is_marketing(self):
        """Marketing mode: the composer created its own mailing from the name
        the user gave (mass_mailing's _action_send_mail). A mailing sending
        through the composer has already applied the rules to its ids."""
        self.ensure_one()
        return bool(
            self.composition_mode == "mass_mail"
            and self.mass_mailing_name
            and self.mass_mailing_id
        )
