# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    def set_opened(self, domain=None):
        traces = super().set_opened(domain=domain)
        traces._gdpr_touch_last_interaction()
        return traces

    def set_clicked(self, domain=None):
        traces = super().set_clicked(domain=domain)
        traces._gdpr_touch_last_interaction()
        return traces

    def set_replied(self, domain=None):
        traces = super().set_replied(domain=domain)
        traces._gdpr_touch_last_interaction()
        return traces

    def _gdpr_touch_last_interaction(self):
        """An open, click or reply is an interaction of the recipient: of the
        partner, of the lead's partner or of the mailing contact mailed."""
        traces = self.sudo()
        partners = self.env["res.partner"]
        contacts = self.env["mailing.contact"]
        for trace in traces.filtered("res_id"):
            if trace.model == "res.partner":
                partners |= partners.browse(trace.res_id)
            elif trace.model == "crm.lead":
                partners |= self.env["crm.lead"].sudo().browse(trace.res_id).partner_id
            elif trace.model == "mailing.contact":
                contacts |= contacts.browse(trace.res_id)
        partners.exists()._gdpr_touch_interaction()
        contacts.exists()._gdpr_touch_interaction()
