# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize

from odoo.addons.base.models.res_partner import _lang_get

REQUEST_TYPE_SELECTION = [
    ("access", "Access (Art. 15)"),
    ("rectification", "Rectification (Art. 16)"),
    ("erasure", "Erasure (Art. 17)"),
    ("restriction", "Restriction (Art. 18)"),
    ("portability", "Portability (Art. 20)"),
    ("objection", "Objection (Art. 21)"),
]

REQUEST_CHANNEL_SELECTION = [
    ("email", "Email"),
    ("web", "Web page (confirmed by email)"),
    ("phone", "Phone"),
    ("letter", "Letter"),
    ("in_person", "In person"),
    ("other", "Other"),
]

VERIFICATION_METHOD_SELECTION = [
    ("email_link", "Confirmation link sent to the address"),
    ("known_contact", "Request from the address or phone we hold"),
    ("id_document", "Identity document checked"),
    ("in_person", "In person"),
]

# Art. 12(3): one month, extendable by two further months.
ANSWER_MONTHS = 1
MAX_EXTENSION_MONTHS = 2
CLOSED_STATES = ("done", "rejected")


class GdprRequest(models.Model):
    _name = "gdpr.request"
    _description = "Data-Subject Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deadline, id"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", readonly=True, copy=False, default="/", index=True
    )
    request_type = fields.Selection(
        selection=REQUEST_TYPE_SELECTION,
        string="Right Exercised",
        required=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Data Subject",
        index=True,
        ondelete="set null",
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', False)]",
        help="The contact the request concerns. Empty when the person is not "
        "(or not yet) known.",
    )
    requester_name = fields.Char(
        compute="_compute_requester", store=True, readonly=False
    )
    requester_email = fields.Char(
        compute="_compute_requester", store=True, readonly=False
    )
    lang = fields.Selection(
        selection=_lang_get,
        string="Answer Language",
        compute="_compute_requester",
        store=True,
        readonly=False,
    )
    subject_key = fields.Char(
        string="Data Subject Key",
        readonly=True,
        copy=False,
        help="Pseudonymous key of the contact: what is left of who asked "
        "once the person's data are erased.",
    )
    channel = fields.Selection(
        selection=REQUEST_CHANNEL_SELECTION, required=True, default="email"
    )
    description = fields.Text(
        string="What Was Asked",
        help="The request in the person's words, or what must be rectified.",
    )
    received_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    state = fields.Selection(
        selection=[
            ("new", "New"),
            ("verified", "Identity Verified"),
            ("in_progress", "In Progress"),
            ("done", "Answered"),
            ("rejected", "Rejected"),
        ],
        default="new",
        required=True,
        tracking=True,
        copy=False,
        group_expand=True,
    )
    verification_method = fields.Selection(
        selection=VERIFICATION_METHOD_SELECTION, readonly=True, copy=False
    )
    verified_by_id = fields.Many2one(
        comodel_name="res.users", readonly=True, copy=False
    )
    verified_date = fields.Datetime(readonly=True, copy=False)
    deadline = fields.Date(
        compute="_compute_deadline",
        store=True,
        index=True,
        tracking=True,
        help="One month from receipt (Art. 12(3) GDPR), plus any extension.",
    )
    extension_months = fields.Integer(readonly=True, copy=False)
    extension_reason = fields.Text(readonly=True, copy=False)
    extension_date = fields.Date(string="Extended On", readonly=True, copy=False)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        check_company=True,
    )
    rejection_reason = fields.Text(copy=False)
    answer_note = fields.Text(
        copy=False,
        help="Told to the person in the answer: what was done, and what is "
        "kept and why.",
    )
    attachment_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Report or Export",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    processed_date = fields.Datetime(readonly=True, copy=False)
    answered_date = fields.Datetime(readonly=True, copy=False)
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
    )

    @api.model
    def _gdpr_default_responsible(self):
        """Requests from the public page go to the Data Protection Officer."""
        officers = self.env.ref("gdpr_compliance.group_gdpr_officer").sudo().users
        officers = officers.filtered(
            lambda user: user.active and not user.share and not user._is_superuser()
        )
        return officers.sorted("id")[:1] or self.env.ref("base.user_admin")

    @api.depends("partner_id")
    def _compute_requester(self):
        for request in self:
            partner = request.partner_id
            if partner:
                request.requester_name = partner.name
                request.requester_email = partner.email
                request.lang = partner.lang or request.lang
            elif not request.lang:
                request.lang = self.env.lang or "en_US"

    @api.depends("received_date", "extension_months")
    def _compute_deadline(self):
        for request in self:
            request.deadline = request.received_date and (
                request.received_date
                + relativedelta(months=ANSWER_MONTHS + request.extension_months)
            )

    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for request in self:
            request.is_overdue = bool(
                request.state not in CLOSED_STATES
                and request.deadline
                and request.deadline < today
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue requests."))
        domain = [
            ("state", "not in", CLOSED_STATES),
            ("deadline", "<", fields.Date.context_today(self)),
        ]
        if (operator == "=") == value:
            return domain
        return ["!", "&", *domain]

    @api.constrains("requester_email")
    def _check_requester_email(self):
        for request in self:
            if request.requester_email and not email_normalize(request.requester_email):
                raise ValidationError(
                    self.env._(
                        "%(email)s is not a valid email address.",
                        email=request.requester_email,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("gdpr.request")
        requests = super().create(vals_list)
        for request in requests:
            request._gdpr_keep_subject_key()
            request._gdpr_schedule_deadline_activity()
            request._gdpr_audit(
                self.env._("received (%(channel)s)", channel=request.channel)
            )
        return requests

    def write(self, vals):
        if "partner_id" in vals and any(r.state in CLOSED_STATES for r in self):
            raise UserError(
                self.env._("The data subject of a closed request cannot change.")
            )
        result = super().write(vals)
        if "partner_id" in vals:
            for request in self:
                request._gdpr_keep_subject_key()
        if {"received_date", "extension_months", "user_id"} & set(vals):
            self._gdpr_schedule_deadline_activity()
        return result

    def _gdpr_keep_subject_key(self):
        for request in self.filtered("partner_id"):
            request.subject_key = request.partner_id._gdpr_pseudonym()

    def _gdpr_audit(self, description):
        self.ensure_one()
        type_label = dict(REQUEST_TYPE_SELECTION)[self.request_type]
        return self.env["gdpr.audit.log"]._gdpr_log(
            "request",
            f"{self.name} {type_label}: {description}",
            subjects=self.partner_id,
            document=self,
        )

    def _gdpr_schedule_deadline_activity(self):
        """One to-do for the responsible, due on the deadline."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for request in self:
            request.activity_unlink(["mail.mail_activity_data_todo"])
            if request.state in CLOSED_STATES or not request.user_id:
                continue
            request.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=request.deadline,
                summary=request.with_context(lang=request.user_id.lang).env._(
                    "Answer data-subject request %(name)s", name=request.name
                ),
                user_id=request.user_id.id,
            )

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def _gdpr_check_open(self):
        for request in self:
            if request.state in CLOSED_STATES:
                raise UserError(
                    self.env._("Request %(name)s is closed.", name=request.name)
                )

    def _gdpr_verify_identity(self, method):
        """Record how the requester's identity was checked (Art. 12(6))."""
        if method not in dict(VERIFICATION_METHOD_SELECTION):
            raise ValidationError(
                self.env._("%(method)r is not a verification method.", method=method)
            )
        self._gdpr_check_open()
        for request in self:
            if request.state != "new":
                raise UserError(
                    self.env._(
                        "The identity of request %(name)s is already verified.",
                        name=request.name,
                    )
                )
            if not (request.partner_id or request.requester_email):
                raise UserError(
                    self.env._(
                        "Link request %(name)s to a contact or give the requester's "
                        "email before verifying it.",
                        name=request.name,
                    )
                )
        self.write(
            {
                "state": "verified",
                "verification_method": method,
                "verified_by_id": self.env.uid,
                "verified_date": fields.Datetime.now(),
            }
        )
        for request in self:
            request._gdpr_audit(
                self.env._("identity verified (%(method)s)", method=method)
            )

    def _gdpr_extend(self, months, reason):
        """Art. 12(3): extend by at most two further months, with reasons the
        requester is told within the first month."""
        self.ensure_one()
        self._gdpr_check_open()
        if not (reason or "").strip():
            raise ValidationError(
                self.env._("Give the reason for extending the deadline.")
            )
        if months < 1 or self.extension_months + months > MAX_EXTENSION_MONTHS:
            raise ValidationError(
                self.env._(
                    "The deadline can be extended by at most %(max)s months in "
                    "all (already extended by %(done)s).",
                    max=MAX_EXTENSION_MONTHS,
                    done=self.extension_months,
                )
            )
        if fields.Date.context_today(self) > self.deadline:
            raise ValidationError(
                self.env._(
                    "The deadline of %(name)s has passed: an extension must be "
                    "told to the person before it.",
                    name=self.name,
                )
            )
        self.write(
            {
                "extension_months": self.extension_months + months,
                "extension_reason": "\n".join(
                    filter(None, [self.extension_reason, reason.strip()])
                ),
                "extension_date": fields.Date.context_today(self),
            }
        )
        self._gdpr_send("gdpr_compliance.gdpr_request_extension_mail_template")
        self._gdpr_audit(
            self.env._(
                "deadline extended by %(months)s months to %(deadline)s",
                months=months,
                deadline=self.deadline,
            )
        )

    def _gdpr_reject(self, reason):
        """Refuse a request (Art. 12(5)): the person is told why and that they
        may complain to the supervisory authority."""
        self.ensure_one()
        self._gdpr_check_open()
        if not (reason or "").strip():
            raise ValidationError(self.env._("Give the reason for the rejection."))
        self.write({"rejection_reason": reason.strip(), "state": "rejected"})
        self._gdpr_send("gdpr_compliance.gdpr_request_rejection_mail_template")
        self.write({"answered_date": fields.Datetime.now()})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self._gdpr_audit(self.env._("rejected"))

    def _gdpr_check_processable(self):
        self.ensure_one()
        self._gdpr_check_open()
        if self.state == "new":
            raise UserError(
                self.env._(
                    "Verify the identity of the requester of %(name)s first "
                    "(Art. 12(6) GDPR).",
                    name=self.name,
                )
            )
        if not self.partner_id and self.request_type != "access":
            raise UserError(
                self.env._(
                    "Link request %(name)s to the contact it concerns first.",
                    name=self.name,
                )
            )

    def _gdpr_process(self):
        """Carry out what the request asks; rectification goes through its
        wizard. The answer is sent separately (erasure sends it itself,
        before the address it goes to is erased)."""
        self._gdpr_check_processable()
        getattr(self, f"_gdpr_process_{self.request_type}")()
        values = {"processed_date": fields.Datetime.now()}
        if self.state != "done":
            values["state"] = "in_progress"
        self.write(values)

    def _gdpr_attach(self, filename, content, mimetype):
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        old = self.attachment_id
        self.attachment_id = attachment
        old.sudo().unlink()
        return attachment

    def _gdpr_process_access(self):
        if not self.partner_id:
            self.answer_note = self.with_context(lang=self.lang).env._(
                "We hold no personal data about you."
            )
            self._gdpr_audit(self.env._("no data held"))
            return
        content, fmt = self.partner_id._gdpr_access_report_pdf(self.lang)
        self._gdpr_attach(
            f"{self.name.replace('/', '-')}-access.{fmt}",
            content,
            "application/pdf" if fmt == "pdf" else "text/html",
        )
        self._gdpr_audit(self.env._("access report produced"))

    def _gdpr_process_portability(self):
        content = self.partner_id._gdpr_portability_archive()
        self._gdpr_attach(
            f"{self.name.replace('/', '-')}-data.zip", content, "application/zip"
        )
        self._gdpr_audit(self.env._("portability export produced"))

    def _gdpr_process_rectification(self):
        # the wizard calls res.partner._gdpr_rectify and logs old -> new
        if not self.env.context.get("gdpr_rectified"):
            raise UserError(
                self.env._("Use the Rectify button: it records what changed.")
            )

    def _gdpr_process_restriction(self):
        self.partner_id._gdpr_restrict()
        self._gdpr_audit(self.env._("processing restricted"))

    def _gdpr_process_objection(self):
        withdrawn = self.partner_id._gdpr_object(self)
        self.answer_note = "\n".join(
            filter(
                None,
                [
                    self.answer_note,
                    self.with_context(lang=self.lang).env._(
                        "Processing for %(purposes)s has stopped.",
                        purposes=", ".join(withdrawn.mapped("name")) or "-",
                    ),
                ],
            )
        )
        self._gdpr_audit(self.env._("objection recorded"))

    def _gdpr_process_erasure(self):
        partner = self.partner_id
        # only the DPO erases: checked before anything is told to the person
        partner._gdpr_check_erasure_allowed()
        holds = partner._gdpr_hold_reasons()
        lang_env = self.with_context(lang=self.lang).env
        if holds:
            self.answer_note = lang_env._(
                "We erased every personal data we are not bound to keep. The "
                "law requires us to keep the following, and only for that "
                "purpose: %(holds)s. Once that obligation ends they are "
                "deleted too.",
                holds="; ".join(holds),
            )
        else:
            self.answer_note = lang_env._("We erased all your personal data.")
        # the answer goes before the erasure: afterwards the address is gone
        self._gdpr_send_answer()
        self._gdpr_audit(self.env._("erasure carried out"))
        if holds:
            partner.sudo()._gdpr_minimise_under_hold()
        else:
            partner.sudo()._gdpr_erase()
        self.sudo().write(
            {
                "requester_name": False,
                "requester_email": False,
                "description": False,
                "state": "done",
            }
        )

    # ------------------------------------------------------------------
    # Answer
    # ------------------------------------------------------------------

    def _gdpr_send(self, template_xmlid, attachments=None):
        """Email the requester from a template, in the answer language."""
        self.ensure_one()
        if not email_normalize(self.requester_email or ""):
            raise UserError(
                self.env._(
                    "Request %(name)s has no valid email address to answer to.",
                    name=self.name,
                )
            )
        template = self.env.ref(template_xmlid).sudo()
        mail_id = template.send_mail(
            self.id,
            force_send=True,
            email_values={
                "attachment_ids": [(4, a.id) for a in attachments or []],
                "auto_delete": True,
            },
        )
        mail = self.env["mail.mail"].sudo().browse(mail_id).exists()
        if mail.state == "exception":
            # nothing happens unless the person is told: an erasure in
            # particular would leave nobody to tell afterwards
            raise UserError(
                self.env._(
                    "The email to the requester of %(name)s could not be sent "
                    "(%(reason)s); nothing was done. Check the outgoing mail "
                    "server and try again.",
                    name=self.name,
                    reason=mail.failure_reason or mail.failure_type or "?",
                )
            )
        # the chatter says that it went, not what it said
        self.message_post(
            body=self.env._(
                "Email sent to the requester: %(template)s", template=template.name
            ),
            attachment_ids=[a.id for a in attachments or []],
        )

    def _gdpr_send_answer(self):
        self.ensure_one()
        self._gdpr_check_open()
        if not self.processed_date and self.request_type != "erasure":
            raise UserError(
                self.env._(
                    "Carry out request %(name)s before answering it.", name=self.name
                )
            )
        self._gdpr_send(
            "gdpr_compliance.gdpr_request_answer_mail_template",
            attachments=self.attachment_id,
        )
        self.write({"state": "done", "answered_date": fields.Datetime.now()})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self._gdpr_audit(self.env._("answer sent"))

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_verify_identity(self):
        method = self.env.context.get("gdpr_verification_method", "known_contact")
        self._gdpr_verify_identity(method)
        return True

    def action_process(self):
        self.ensure_one()
        if self.request_type == "rectification":
            self._gdpr_check_processable()
            return self.env["gdpr.rectification.wizard"]._gdpr_open_for(self)
        self._gdpr_process()
        return True

    def action_send_answer(self):
        for request in self:
            request._gdpr_send_answer()
        return True

    def action_extend(self):
        self.ensure_one()
        self._gdpr_check_open()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Extend the deadline"),
            "res_model": "gdpr.request.extend.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_id": self.id},
        }

    def action_reject(self):
        self.ensure_one()
        self._gdpr_reject(self.rejection_reason)
        return True

    def action_view_attachment(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }
