# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _gdpr_is_marketing(self):
        """A mass mail given a mailing name is direct marketing too: Odoo
        files it as a mailing of the Email Marketing app. A mailing sending
        through the composer (no name) has already applied the rules."""
        self.ensure_one()
        return super()._gdpr_is_marketing() or bool(
            self.composition_mode == "mass_mail" and self.mass_mailing_name
        )

    def _gdpr_refused_recipients(self, res_ids):
        """The suppression list is part of what a mailing skips."""
        refused = super()._gdpr_refused_recipients(res_ids)
        if self.model:
            for res_id in self.env["gdpr.suppression"]._gdpr_suppressed_records(
                self.model, res_ids
            ):
                refused.setdefault(res_id, "suppressed")
        return refused

    def _gdpr_all_refused_error(self, total, refused):
        """The composer's mailing says it the way every mailing does."""
        if self.mass_mailing_id:
            return self.mass_mailing_id._gdpr_all_excluded_error(total, refused)
        return super()._gdpr_all_refused_error(total, refused)
