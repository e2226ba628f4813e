# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .gdpr_public_input import PublicInputError

ANSWER_SELECTION = [
    ("none", "No answer yet"),
    ("accepted", "Accepted"),
    ("refused", "Refused"),
]


class GdprConsentRequestLine(models.Model):
    """One person asked for consent: when, with which email and which notice
    versions, the reminder and the answer. The consent ledger holds the
    answer itself."""

    _name = "gdpr.consent.request.line"
    _description = "Consent Requested"
    _order = "sent_date desc, id desc"
    _rec_name = "partner_id"

    request_id = fields.Many2one(
        comodel_name="gdpr.consent.request",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    purpose_ids = fields.Many2many(related="request_id.purpose_ids")
    notice_ids = fields.Many2many(
        comodel_name="gdpr.privacy.notice",
        relation="gdpr_consent_request_line_notice_rel",
        column1="line_id",
        column2="notice_id",
        string="Notice Versions Sent",
        readonly=True,
    )
    template_id = fields.Many2one(
        comodel_name="mail.template", string="Email", readonly=True
    )
    lang = fields.Char(string="Language", readonly=True)
    sent_date = fields.Datetime(
        string="Consent Requested On",
        readonly=True,
        default=fields.Datetime.now,
        required=True,
    )
    reminder_date = fields.Datetime(string="Reminded On", readonly=True)
    answer = fields.Selection(
        selection=ANSWER_SELECTION, default="none", required=True, readonly=True
    )
    answer_date = fields.Datetime(readonly=True)
    event_ids = fields.Many2many(
        comodel_name="gdpr.consent.event",
        relation="gdpr_consent_request_line_event_rel",
        column1="line_id",
        column2="event_id",
        string="Consent Events",
        readonly=True,
    )

    _sql_constraints = [
        (
            "request_partner_uniq",
            "unique(request_id, partner_id)",
            "A person is asked once per consent request.",
        ),
    ]

    def _gdpr_answer_url(self):
        """The person's privacy centre, opened on this request."""
        self.ensure_one()
        return self.env["gdpr.privacy.centre"]._gdpr_url(
            self.partner_id, consent_request=self.id
        )

    def _gdpr_mail(self, template):
        """Queue ``template`` to each person, in their language (the template
        renders in the contact's language)."""
        for line in self.sudo():
            line.lang = line.partner_id.lang or False
            template.sudo().with_context(answer_url=line._gdpr_answer_url()).send_mail(
                line.id,
                email_values={"email_to": line.partner_id.email, "auto_delete": True},
            )

    @api.model
    def _gdpr_for_partner(self, partner, line_id):
        """The open request line ``line_id`` of ``partner``: a link of one
        person never answers for another (403)."""
        try:
            line_id = int(line_id)
        except (TypeError, ValueError):
            line_id = 0
        line = self.sudo().browse(line_id) if 0 < line_id <= 2**31 - 1 else self
        if not line.exists() or line.partner_id != partner:
            raise PublicInputError(
                self.env._("This consent request is not yours."), status=403
            )
        if line.request_id.state == "done":
            raise PublicInputError(
                self.env._("This consent request is closed."), status=410
            )
        return line

    def _gdpr_answer(self, answer, ip=None, user_agent=None):
        """Record the person's answer to each purpose asked, with the notice
        version the email carried, through the consent ledger (channel
        "email request")."""
        self.ensure_one()
        if answer not in ("accept", "refuse"):
            raise PublicInputError(self.env._("Choose to accept or refuse."))
        line = self.sudo()
        action = "given" if answer == "accept" else "refused"
        evidence = self.env._(
            "Answer to the consent request %(name)s emailed on %(date)s",
            name=line.request_id.name,
            date=fields.Datetime.to_string(line.sent_date),
        )
        events = self.env["gdpr.consent.event"]
        for purpose in line.request_id.purpose_ids:
            notice = line.notice_ids.filtered(lambda n, p=purpose: p in n.purpose_ids)
            events |= line.partner_id._gdpr_record_consent(
                purpose,
                action,
                "email_request",
                notice=notice[:1] or None,
                evidence=evidence,
                ip=ip,
                user_agent=user_agent,
            )
        line.write(
            {
                "answer": "accepted" if action == "given" else "refused",
                "answer_date": fields.Datetime.now(),
                "event_ids": [(4, event.id) for event in events],
            }
        )
        return events
