# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _notify_by_email_prepare_rendering_context(self, message, *args, **kwargs):
        """Tracked changes in notification emails: only those every role may
        see (see ``mail.tracking.value``)."""
        return super(
            MailThread, self.with_context(gdpr_notification_email=True)
        )._notify_by_email_prepare_rendering_context(message, *args, **kwargs)
