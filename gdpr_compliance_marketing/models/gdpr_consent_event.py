# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# Where a consent can only come from the person: a link that only their
# mailbox received (double opt-in, privacy centre, consent request email).
SELF_SERVICE_CHANNELS = ("double_opt_in", "privacy_centre", "email_request")


class GdprConsentEvent(models.Model):
    _inherit = "gdpr.consent.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._gdpr_lift_objections()
        return events

    def _gdpr_lift_objections(self):
        """A person who objected to direct marketing (Art. 21(3) GDPR) and
        later consents to it again, themselves, through a link only their
        mailbox received, has changed their mind: their objection ends and
        their address leaves the suppression list, so that the consent they
        just gave is honoured. A consent recorded by a user (phone, paper,
        import) does not lift an objection: after an objection only the
        person can prove they want marketing again. An erased person's entry
        (a keyed hash) stays: erasure is not undone by a later consent."""
        purposes = self.env["res.partner"]._gdpr_objection_purposes()
        lifting = self.filtered(
            lambda event: (
                event.action == "given"
                and event.channel in SELF_SERVICE_CHANNELS
                and event.purpose_id in purposes
            )
        )
        for event in lifting:
            email = event._gdpr_subject_email()
            if email:
                self.env["gdpr.objection"]._gdpr_lift(email, event)

    def _gdpr_subject_email(self):
        """The normalised address of the person the event is about: their
        contact's, or the mailing contact's it was recorded on."""
        self.ensure_one()
        if self.partner_id:
            return self.partner_id.sudo().email_normalized
        if self.origin_model == "mailing.contact" and self.origin_id:
            return (
                self.env["mailing.contact"]
                .sudo()
                .browse(self.origin_id)
                .exists()
                .email_normalized
            )
        return False
