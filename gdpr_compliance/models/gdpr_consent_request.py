# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval

ASKING_GROUPS = (
    "gdpr_compliance.group_gdpr_officer",
    "gdpr_compliance.group_gdpr_marketing",
)


class GdprConsentRequest(models.Model):
    """Asking a set of people for their consent to one or more purposes by
    email: each gets the notice version in force and links to answer on
    their privacy centre (Art. 7(1): the controller proves the consent, so
    the request, its email and the answer are all recorded)."""

    _name = "gdpr.consent.request"
    _description = "Consent Request"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True)
    purpose_ids = fields.Many2many(
        comodel_name="gdpr.purpose",
        relation="gdpr_consent_request_purpose_rel",
        column1="request_id",
        column2="purpose_id",
        string="Purposes",
        required=True,
        domain="[('requires_consent', '=', True)]",
    )
    partner_domain = fields.Char(
        string="People",
        default="[]",
        required=True,
        help="Which contacts to ask (individuals with an email address only).",
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("sent", "Sent"), ("done", "Closed")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    reminder_days = fields.Integer(
        string="Reminder After (days)",
        default=7,
        help="One reminder to whoever has not answered after this many days; "
        "0: no reminder.",
    )
    daily = fields.Boolean(
        string="Ask New People Daily",
        help="Every day, also ask the people who entered the filter since.",
    )
    template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Email Template",
        required=True,
        domain="[('model', '=', 'gdpr.consent.request.line')]",
        default=lambda self: self.env.ref(
            "gdpr_compliance.gdpr_consent_request_mail_template",
            raise_if_not_found=False,
        ),
    )
    line_ids = fields.One2many(
        comodel_name="gdpr.consent.request.line",
        inverse_name="request_id",
        string="People Asked",
        readonly=True,
    )
    target_count = fields.Integer(
        string="To Ask", compute="_compute_preview", compute_sudo=False
    )
    skipped_count = fields.Integer(
        string="Skipped", compute="_compute_preview", compute_sudo=False
    )
    skipped_summary = fields.Text(string="Why Skipped", compute="_compute_preview")
    sent_count = fields.Integer(string="Asked", compute="_compute_line_counts")
    answered_count = fields.Integer(string="Answered", compute="_compute_line_counts")

    _sql_constraints = [
        (
            "reminder_days_positive",
            "CHECK(reminder_days >= 0)",
            "The reminder delay cannot be negative.",
        ),
    ]

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for request in self:
            request._gdpr_domain()

    @api.depends("partner_domain", "purpose_ids")
    def _compute_preview(self):
        reasons = self._gdpr_skip_labels()
        for request in self:
            try:
                targets, skipped = request._gdpr_targets()
            except (UserError, ValidationError):
                targets, skipped = self.env["res.partner"], {}
            request.target_count = len(targets)
            request.skipped_count = sum(len(p) for p in skipped.values())
            request.skipped_summary = (
                "\n".join(
                    f"{reasons.get(key, key)}: {len(partners)}"
                    for key, partners in skipped.items()
                    if partners
                )
                or False
            )

    @api.depends("line_ids.answer")
    def _compute_line_counts(self):
        for request in self:
            request.sent_count = len(request.line_ids)
            request.answered_count = len(
                request.line_ids.filtered(lambda line: line.answer != "none")
            )

    # ------------------------------------------------------------------
    # Who is asked
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_check_asker(self):
        """Asking people for consent is direct contact for a purpose: the DPO
        and marketing decide it (Art. 24: the controller's measures)."""
        if not (self.env.su or any(self.env.user.has_group(g) for g in ASKING_GROUPS)):
            raise AccessError(
                self.env._(
                    "Only the Data Protection Officer and marketing ask people "
                    "for their consent."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._gdpr_check_asker()
        return super().create(vals_list)

    def write(self, vals):
        self._gdpr_check_asker()
        if {"purpose_ids", "template_id"} & set(vals) and any(
            request.state != "draft" for request in self
        ):
            raise UserError(
                self.env._(
                    "The purposes and the email of a request already sent cannot "
                    "change: the people asked read these."
                )
            )
        return super().write(vals)

    def _gdpr_domain(self):
        """The filter as a domain on contacts, refused when it is not one."""
        self.ensure_one()
        try:
            domain = safe_eval(self.partner_domain or "[]")
            domain = expression.normalize_domain(domain)
            self.env["res.partner"]._where_calc(domain)
        except Exception as error:
            raise ValidationError(
                self.env._(
                    "The filter of %(name)s is not a valid filter on contacts: "
                    "%(error)s",
                    name=self.name,
                    error=error,
                )
            ) from error
        return domain

    @api.model
    def _gdpr_skip_labels(self):
        return {
            "restricted": self.env._("Processing restricted (Art. 18)"),
            "blacklisted": self.env._("Blocklisted address"),
            "given": self.env._("Consent already given"),
            "asked": self.env._("Already asked"),
        }

    def _gdpr_skipped(self, partners):
        """``{reason: partners}`` of those who may not be asked (restricted,
        blocklisted) or need not be (already consenting, already asked).
        Extended by the marketing addon (suppression list, objections)."""
        self.ensure_one()
        partners = partners.sudo()
        restricted = partners.filtered("gdpr_restricted")
        blacklisted = partners.filtered("is_blacklisted") - restricted
        consents = self.env["gdpr.consent"].sudo()
        given = partners.browse()
        if self.purpose_ids:
            counts = consents._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("purpose_id", "in", self.purpose_ids.ids),
                    ("state", "=", "given"),
                ],
                ["partner_id"],
                ["__count"],
            )
            given = partners.browse(
                [
                    partner.id
                    for partner, count in counts
                    if count >= len(self.purpose_ids)
                ]
            )
        asked = self.line_ids.partner_id & partners
        return {
            "restricted": restricted,
            "blacklisted": blacklisted,
            "given": given - restricted - blacklisted,
            "asked": asked,
        }

    def _gdpr_targets(self):
        """The people to ask now and, by reason, those skipped."""
        self.ensure_one()
        domain = expression.AND(
            [
                self._gdpr_domain(),
                [("is_company", "=", False), ("email_normalized", "!=", False)],
            ]
        )
        # the asker's own record rules apply: a marketer asks the people
        # their role covers
        partners = self.env["res.partner"].search(domain)
        skipped = self._gdpr_skipped(partners)
        excluded = partners.browse()
        for group in skipped.values():
            excluded |= group
        return partners.sudo() - excluded, skipped

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _gdpr_notices(self):
        """The notice version in force for each purpose asked; a consent is
        informed only after a notice (Art. 7, 13)."""
        self.ensure_one()
        Notice = self.env["gdpr.privacy.notice"].sudo()
        notices = Notice
        for purpose in self.purpose_ids:
            notice = Notice._gdpr_current_for(purpose)
            if not notice:
                raise UserError(
                    self.env._(
                        "Publish a privacy notice for %(purpose)s before asking "
                        "for consent to it.",
                        purpose=purpose.name,
                    )
                )
            notices |= notice
        return notices

    def _gdpr_send(self):
        """Ask every person of the filter not asked yet: one email each, in
        their language. All or nothing: a bad filter or a missing notice
        raises before anything is written. Returns the new lines."""
        self._gdpr_check_asker()
        lines = self.env["gdpr.consent.request.line"]
        for request in self:
            if request.state == "done":
                raise UserError(
                    self.env._("Consent request %(name)s is closed.", name=request.name)
                )
            if not request.purpose_ids:
                raise UserError(self.env._("Choose the purposes to ask consent for."))
            notices = request._gdpr_notices()
            targets, _skipped = request._gdpr_targets()
            new_lines = (
                self.env["gdpr.consent.request.line"]
                .sudo()
                .create(
                    [
                        {
                            "request_id": request.id,
                            "partner_id": partner.id,
                            "notice_ids": [(6, 0, notices.ids)],
                            "template_id": request.template_id.id,
                        }
                        for partner in targets
                    ]
                )
            )
            new_lines._gdpr_mail(request.template_id)
            if request.state == "draft":
                request.sudo().state = "sent"
            if new_lines:
                self.env["gdpr.audit.log"]._gdpr_log(
                    "consent",
                    f"consent requested ({request.name}): "
                    f"{', '.join(request.purpose_ids.mapped('code'))}",
                    subjects=new_lines.partner_id,
                    document=request,
                )
            lines |= new_lines
        return lines

    def _gdpr_remind(self):
        """One reminder, never more, to whoever has not answered after the
        request's delay and may still be asked."""
        lines = self.env["gdpr.consent.request.line"]
        template = self.env.ref(
            "gdpr_compliance.gdpr_consent_request_reminder_mail_template"
        )
        for request in self.filtered(lambda r: r.state == "sent" and r.reminder_days):
            due = fields.Datetime.now() - timedelta(days=request.reminder_days)
            pending = request.line_ids.filtered(
                lambda line, due=due: (
                    line.answer == "none"
                    and not line.reminder_date
                    and line.sent_date <= due
                )
            )
            if not pending:
                continue
            skipped = request._gdpr_skipped(pending.partner_id)
            # already asked is why they have a line: not a reason to skip
            skipped.pop("asked", None)
            excluded = pending.partner_id.browse()
            for group in skipped.values():
                excluded |= group
            reminded = pending.filtered(
                lambda line, ex=excluded: line.partner_id not in ex
            )
            reminded._gdpr_mail(template)
            reminded.sudo().write({"reminder_date": fields.Datetime.now()})
            lines |= reminded
        return lines

    @api.model
    def _cron_gdpr_consent_requests(self):
        """Daily: the reminders due, and the people who entered the filter of
        a request in daily mode."""
        requests = self.sudo().search([("state", "=", "sent")])
        requests._gdpr_remind()
        requests.filtered("daily")._gdpr_send()

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_send(self):
        self._gdpr_send()
        return True

    def action_close(self):
        self._gdpr_check_asker()
        self.sudo().write({"state": "done"})
        return True

    def action_view_targets(self):
        self.ensure_one()
        targets, _skipped = self._gdpr_targets()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("People to ask"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", targets.ids)],
        }

    @api.model
    def _gdpr_from_partners(self, partners):
        """A draft request for the contacts chosen in a list."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Ask for consent"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_partner_domain": repr([("id", "in", partners.ids)]),
                "default_name": self.env._("Consent request"),
            },
        }
