# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
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
    ("privacy_centre", "Privacy centre (signed link)"),
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

HANDLER_GROUP = "gdpr_compliance.group_gdpr_request_handler"
# Set by the workflow's methods only (as superuser), never by a client:
# the state moves through the buttons, which check who presses them.
WORKFLOW_FIELDS = frozenset(
    {
        "state",
        "verification_method",
        "verified_by_id",
        "verified_date",
        "verified_email",
        "extension_months",
        "extension_reason",
        "extension_date",
        "processed_date",
        "answered_date",
        "attachment_id",
        "subject_key",
        "blocked_reason",
    }
)
# What the person is told: written by whoever handles requests.
ANSWER_FIELDS = frozenset({"answer_note", "rejection_reason"})


class GdprRequest(models.Model):
    _name = "gdpr.request"
    _description = "Data-Subject Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deadline, id"
    _check_company_auto = True
    # whoever sees a request may comment on it; acting on it is checked by
    # the workflow's methods
    _mail_post_access = "read"

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
    verified_email = fields.Char(
        string="Verified Address",
        readonly=True,
        copy=False,
        help="The answer goes to this address only: the contact's own address "
        "when the identity was verified, or the address confirmed through the "
        "link mailed to it.",
    )
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
        default=lambda self: self._gdpr_default_user(),
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
        # the report holds every personal data of the person, fields the
        # salesperson who logged the request may not see included
        groups=HANDLER_GROUP,
    )
    blocked_reason = fields.Text(
        string="Not Carried Out Because",
        readonly=True,
        copy=False,
        help="Why the system refused to carry out the request. The person was "
        "told nothing: decide what to do and what to answer.",
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

    @api.model
    def _gdpr_default_user(self):
        """Whoever handles requests answers those they log; a request logged
        by someone else (a salesperson the person phoned) goes to the DPO."""
        if self.env.user.has_group(HANDLER_GROUP):
            return self.env.user
        return self._gdpr_default_responsible()

    @api.model
    def _gdpr_is_handler(self):
        return self.env.su or self.env.user.has_group(HANDLER_GROUP)

    @api.model
    def _gdpr_check_handler(self):
        """Verifying, carrying out, extending, rejecting and answering are
        for the DPO and the request handlers they appoint (Art. 38-39: the
        DPO oversees how data-subject rights are met)."""
        if not self._gdpr_is_handler():
            raise AccessError(
                self.env._(
                    "Only the Data Protection Officer and request handlers "
                    "verify, carry out, extend, reject or answer data-subject "
                    "requests."
                )
            )

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

    @api.model
    def _gdpr_guarded_fields(self):
        """Fields a client may not set: the workflow's own ones, and what is
        told to the person unless the user handles requests."""
        if self.env.su:
            return frozenset()
        if self._gdpr_is_handler():
            return WORKFLOW_FIELDS
        return WORKFLOW_FIELDS | ANSWER_FIELDS

    @api.model
    def _gdpr_refuse_guarded(self, vals, guarded, creating=False):
        # a new record may come with these fields empty, as the web client
        # sends them
        refused = sorted(
            name for name in guarded & set(vals) if vals[name] or not creating
        )
        if refused:
            raise AccessError(
                self.env._(
                    "%(fields)s of a data-subject request change only through "
                    "its buttons, by whoever handles requests.",
                    fields=", ".join(self._fields[name].string for name in refused),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        guarded = self._gdpr_guarded_fields()
        if guarded:
            # context keys are client input: default_state and the like are
            # ignored, the fields' own defaults apply
            self = self.with_env(
                self.env(
                    context={
                        key: value
                        for key, value in self.env.context.items()
                        if not (key.startswith("default_") and key[8:] in guarded)
                    }
                )
            )
        for vals in vals_list:
            if vals.get("state") == "new":
                del vals["state"]
            self._gdpr_refuse_guarded(vals, guarded, creating=True)
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
        self._gdpr_refuse_guarded(vals, self._gdpr_guarded_fields())
        moved = self.browse() if self.env.su else self._gdpr_identity_changed(vals)
        result = super().write(vals)
        if "partner_id" in vals:
            self._gdpr_keep_subject_key()
        if {"received_date", "extension_months", "user_id"} & set(vals):
            self._gdpr_schedule_deadline_activity()
        moved._gdpr_back_to_new()
        return result

    def _gdpr_identity_changed(self, vals):
        """The requests past "new" whose person or address ``vals`` changes:
        the identity was verified for that person at that address."""
        changed = self.browse()
        for request in self.filtered(lambda r: r.state != "new"):
            if "partner_id" in vals and (vals["partner_id"] or False) != (
                request.partner_id.id
            ):
                changed |= request
            elif "requester_email" in vals and email_normalize(
                vals["requester_email"] or ""
            ) != email_normalize(request.requester_email or ""):
                changed |= request
        if any(request.state in CLOSED_STATES for request in changed):
            raise UserError(
                self.env._(
                    "The data subject and the address of a closed request cannot "
                    "change."
                )
            )
        return changed

    def _gdpr_back_to_new(self):
        """Another person or address must be verified again (Art. 12(6)):
        the verification, and what was prepared for the previous person, go."""
        if not self:
            return
        attachments = self.sudo().attachment_id
        self.sudo().write(
            {
                "state": "new",
                "verification_method": False,
                "verified_by_id": False,
                "verified_date": False,
                "verified_email": False,
                "processed_date": False,
                "attachment_id": False,
            }
        )
        attachments.unlink()
        for request in self:
            request._gdpr_audit(
                self.env._("contact or address changed after verification: back to new")
            )

    def _gdpr_keep_subject_key(self):
        for request in self.filtered("partner_id"):
            request.sudo().subject_key = request.partner_id._gdpr_pseudonym()

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

    def _gdpr_verify_identity(self, method, confirmed_email=None):
        """Record how the requester's identity was checked (Art. 12(6)) and
        the one address the answer may go to: the address that opened the
        link mailed to it (``confirmed_email``, method ``email_link``), or
        else the contact's own address."""
        self._gdpr_check_handler()
        if method not in dict(VERIFICATION_METHOD_SELECTION):
            raise ValidationError(
                self.env._("%(method)r is not a verification method.", method=method)
            )
        if (method == "email_link") != bool(confirmed_email):
            raise UserError(
                self.env._(
                    "An address is verified by the link mailed to it, when the "
                    "person opens it, and only so."
                )
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
            if not (request.partner_id or confirmed_email):
                raise UserError(
                    self.env._(
                        "Link request %(name)s to the contact it concerns: the "
                        "answer goes to the contact's own address. A person we "
                        "do not know confirms their address on the public page "
                        "/privacy/request.",
                        name=request.name,
                    )
                )
        for request in self:
            request.sudo().write(
                {
                    "state": "verified",
                    "verification_method": method,
                    "verified_by_id": self.env.uid,
                    "verified_date": fields.Datetime.now(),
                    "verified_email": confirmed_email
                    or request.partner_id.email_normalized
                    or False,
                }
            )
            request._gdpr_audit(
                self.env._("identity verified (%(method)s)", method=method)
            )

    def _gdpr_extend(self, months, reason):
        self.env["gdpr.request.workflow"]._gdpr_extend(self, months, reason)

    def _gdpr_reject(self, reason):
        self.env["gdpr.request.workflow"]._gdpr_reject(self, reason)

    def _gdpr_process(self):
        return self.env["gdpr.request.workflow"]._gdpr_process(self)

    def _gdpr_send_answer(self):
        self.env["gdpr.request.workflow"]._gdpr_send_answer(self)

    # ------------------------------------------------------------------
    # Answer
    # ------------------------------------------------------------------

    def _gdpr_answer_address(self):
        """The answer carries the person's data (Art. 15, 20): it goes only
        to the address verified with their identity."""
        self.ensure_one()
        if not self.verified_email:
            raise UserError(
                self.env._(
                    "Request %(name)s has no verified address to answer to: its "
                    "contact had no email address when the identity was "
                    "verified. Give the contact its address and verify the "
                    "identity again (changing the requester's email sends the "
                    "request back to New).",
                    name=self.name,
                )
            )
        return self.verified_email

    def _gdpr_notice_address(self):
        """Notices (more time needed, a refusal) tell nothing of the person's
        data: the verified address, else the contact's own, else the one the
        requester gave."""
        self.ensure_one()
        return (
            self.verified_email
            or self.partner_id.email_normalized
            or self.requester_email
        )

    def _gdpr_privacy_centre_url(self):
        """The link to the person's privacy centre for the emails about this
        request, or False (the templates ask)."""
        self.ensure_one()
        return self.env["gdpr.privacy.centre"]._gdpr_url_for_request(self)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_verify_identity(self):
        method = self.env.context.get("gdpr_verification_method", "known_contact")
        # the link's method is the link's own: a client may not claim it
        if method == "email_link":
            raise UserError(
                self.env._("An address is verified by opening the link mailed to it.")
            )
        self._gdpr_verify_identity(method)
        return True

    def action_process(self):
        self.ensure_one()
        if self.request_type == "rectification":
            self.env["gdpr.request.workflow"]._gdpr_check_processable(self)
            return self.env["gdpr.rectification.wizard"]._gdpr_open_for(self)
        self._gdpr_process()
        return True

    def action_send_answer(self):
        for request in self:
            request._gdpr_send_answer()
        return True

    def action_extend(self):
        self.ensure_one()
        self._gdpr_check_handler()
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
        self._gdpr_check_handler()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.sudo().attachment_id.id}?download=true",
            "target": "self",
        }
