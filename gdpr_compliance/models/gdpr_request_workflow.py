# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize

from .gdpr_request import MAX_EXTENSION_MONTHS


class GdprRequestWorkflow(models.AbstractModel):
    """Carrying out and answering a data-subject request, step by step.

    Every step is for whoever handles requests (the request checks it), is
    written as superuser once checked, and tells the person only what was
    done: an email is rendered, then queued in the same transaction after
    the work it reports, and sent by the mail queue once that transaction
    is committed. Addons add a right by defining ``_gdpr_process_<type>``."""

    _name = "gdpr.request.workflow"
    _description = "Data-Subject Request Workflow"

    # ------------------------------------------------------------------
    # Deadline and refusal
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_extend(self, request, months, reason):
        """Art. 12(3): extend by at most two further months, with reasons the
        requester is told within the first month."""
        request.ensure_one()
        request._gdpr_check_handler()
        request._gdpr_check_open()
        if not (reason or "").strip():
            raise ValidationError(
                self.env._("Give the reason for extending the deadline.")
            )
        if months < 1 or request.extension_months + months > MAX_EXTENSION_MONTHS:
            raise ValidationError(
                self.env._(
                    "The deadline can be extended by at most %(max)s months in "
                    "all (already extended by %(done)s).",
                    max=MAX_EXTENSION_MONTHS,
                    done=request.extension_months,
                )
            )
        if fields.Date.context_today(request) > request.deadline:
            raise ValidationError(
                self.env._(
                    "The deadline of %(name)s has passed: an extension must be "
                    "told to the person before it.",
                    name=request.name,
                )
            )
        address = request._gdpr_notice_address()
        request.sudo().write(
            {
                "extension_months": request.extension_months + months,
                "extension_reason": "\n".join(
                    filter(None, [request.extension_reason, reason.strip()])
                ),
                "extension_date": fields.Date.context_today(request),
            }
        )
        self._gdpr_queue_mail(
            request, "gdpr_compliance.gdpr_request_extension_mail_template", address
        )
        request._gdpr_audit(
            self.env._(
                "deadline extended by %(months)s months to %(deadline)s",
                months=months,
                deadline=request.deadline,
            )
        )

    @api.model
    def _gdpr_reject(self, request, reason):
        """Refuse a request (Art. 12(5)): the person is told why and that they
        may complain to the supervisory authority."""
        request.ensure_one()
        request._gdpr_check_handler()
        request._gdpr_check_open()
        if not (reason or "").strip():
            raise ValidationError(self.env._("Give the reason for the rejection."))
        address = request._gdpr_notice_address()
        request.sudo().write(
            {
                "rejection_reason": reason.strip(),
                "state": "rejected",
                "answered_date": fields.Datetime.now(),
            }
        )
        self._gdpr_queue_mail(
            request, "gdpr_compliance.gdpr_request_rejection_mail_template", address
        )
        request.activity_unlink(["mail.mail_activity_data_todo"])
        request._gdpr_audit(self.env._("rejected"))

    # ------------------------------------------------------------------
    # Carrying out
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_check_processable(self, request):
        request.ensure_one()
        request._gdpr_check_handler()
        request._gdpr_check_open()
        if request.state == "new":
            raise UserError(
                self.env._(
                    "Verify the identity of the requester of %(name)s first "
                    "(Art. 12(6) GDPR).",
                    name=request.name,
                )
            )
        if not request.partner_id and request.request_type != "access":
            raise UserError(
                self.env._(
                    "Link request %(name)s to the contact it concerns first.",
                    name=request.name,
                )
            )

    @api.model
    def _gdpr_process(self, request):
        """Carry out what the request asks; rectification goes through its
        wizard. The answer is sent separately, except for an erasure, whose
        answer is queued once the erasure is done. Returns whether the work
        was done: the system may refuse an erasure (see blocked_reason)."""
        self._gdpr_check_processable(request)
        if not getattr(self, f"_gdpr_process_{request.request_type}")(request):
            return False
        values = {"processed_date": fields.Datetime.now(), "blocked_reason": False}
        if request.state != "done":
            values["state"] = "in_progress"
        request.sudo().write(values)
        return True

    @api.model
    def _gdpr_attach(self, request, filename, content, mimetype):
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": request._name,
                    "res_id": request.id,
                    # Odoo lets read a field's attachment only to who may
                    # read the field (ir.attachment.check)
                    "res_field": "attachment_id",
                }
            )
        )
        old = request.sudo().attachment_id
        request.sudo().attachment_id = attachment
        old.unlink()
        return attachment

    @api.model
    def _gdpr_add_answer_note(self, request, note):
        request.sudo().answer_note = "\n".join(
            filter(None, [request.answer_note, note])
        )

    @api.model
    def _gdpr_process_access(self, request):
        if not request.partner_id:
            request.sudo().answer_note = request.with_context(lang=request.lang).env._(
                "We hold no personal data about you."
            )
            request._gdpr_audit(self.env._("no data held"))
            return True
        content, fmt = request.partner_id._gdpr_access_report_pdf(request.lang)
        self._gdpr_attach(
            request,
            f"{request.name.replace('/', '-')}-access.{fmt}",
            content,
            "application/pdf" if fmt == "pdf" else "text/html",
        )
        request._gdpr_audit(self.env._("access report produced"))
        return True

    @api.model
    def _gdpr_process_portability(self, request):
        content = request.partner_id._gdpr_portability_archive()
        self._gdpr_attach(
            request,
            f"{request.name.replace('/', '-')}-data.zip",
            content,
            "application/zip",
        )
        request._gdpr_audit(self.env._("portability export produced"))
        return True

    @api.model
    def _gdpr_process_rectification(self, request):
        # the wizard calls res.partner._gdpr_rectify and logs old -> new
        if not self.env.context.get("gdpr_rectified"):
            raise UserError(
                self.env._("Use the Rectify button: it records what changed.")
            )
        return True

    @api.model
    def _gdpr_process_restriction(self, request):
        request.partner_id._gdpr_restrict()
        request._gdpr_audit(self.env._("processing restricted"))
        return True

    @api.model
    def _gdpr_process_objection(self, request):
        withdrawn = request.partner_id._gdpr_object(request)
        self._gdpr_add_answer_note(
            request,
            request.with_context(lang=request.lang).env._(
                "Processing for %(purposes)s has stopped.",
                purposes=", ".join(withdrawn.mapped("name")) or "-",
            ),
        )
        request._gdpr_audit(self.env._("objection recorded"))
        return True

    @api.model
    def _gdpr_process_erasure(self, request):
        """Erase (or, under a legal hold, minimise) the person, then queue the
        answer, rendered beforehand: the erasure removes the name and the
        address it uses. When the system refuses (a user account, the
        company's own contact...), nothing is kept of the attempt and the
        person is told nothing; the reason is written on the request."""
        partner = request.partner_id
        address = request._gdpr_answer_address()
        try:
            with self.env.cr.savepoint():
                holds = partner._gdpr_hold_reasons()
                request.sudo().answer_note = self._gdpr_erasure_note(request, holds)
                answer = self._gdpr_prepare_mail(
                    request,
                    "gdpr_compliance.gdpr_request_answer_mail_template",
                    address,
                )
                if holds:
                    partner.sudo()._gdpr_minimise_under_hold()
                else:
                    partner.sudo()._gdpr_erase()
        except UserError as error:
            self._gdpr_record_refusal(request, error.args[0])
            return False
        request._gdpr_audit(self.env._("erasure carried out"))
        request.sudo().write(
            {
                "requester_name": False,
                "requester_email": False,
                "verified_email": False,
                "description": False,
                "state": "done",
                "answered_date": fields.Datetime.now(),
            }
        )
        self._gdpr_queue_prepared(request, answer)
        request.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    @api.model
    def _gdpr_erasure_note(self, request, holds):
        lang_env = request.with_context(lang=request.lang).env
        if holds:
            note = lang_env._(
                "We erased every personal data we are not bound to keep. The "
                "law requires us to keep the following, and only for that "
                "purpose: %(holds)s. Once that obligation ends they are "
                "deleted too.",
                holds="; ".join(holds),
            )
        else:
            note = lang_env._("We erased all your personal data.")
        if self._gdpr_audit_trail_kept(request.partner_id):
            note += " " + lang_env._(
                "Our accounting's audit trail keeps the record of the changes "
                "made to your contact details and documents, as accounting "
                "law requires, without your personal data."
            )
        return note

    @api.model
    def _gdpr_audit_trail_kept(self, partner):
        """Whether erasing ``partner`` keeps log entries another law forbids
        deleting (emptied of the person's data instead)."""
        erasure = self.env["gdpr.erasure"].sudo()
        scope = erasure._gdpr_scope(erasure._gdpr_people(partner))
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(erasure._gdpr_scope_domain(scope, "model", "res_id"))
        )
        return bool(messages._gdpr_kept_by_law())

    @api.model
    def _gdpr_record_refusal(self, request, reason):
        """Tell the DPO, on the request, why the system did not carry it out."""
        request.sudo().write({"blocked_reason": reason})
        request.message_post(
            body=self.env._(
                "Not carried out, nothing was told to the person: %(reason)s",
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )
        request._gdpr_audit(self.env._("refused by the system, nothing sent"))

    # ------------------------------------------------------------------
    # Answer
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_send_answer(self, request):
        request.ensure_one()
        request._gdpr_check_handler()
        request._gdpr_check_open()
        if not request.processed_date:
            raise UserError(
                self.env._(
                    "Carry out request %(name)s before answering it.",
                    name=request.name,
                )
            )
        address = request._gdpr_answer_address()
        request.sudo().write({"state": "done", "answered_date": fields.Datetime.now()})
        self._gdpr_queue_mail(
            request,
            "gdpr_compliance.gdpr_request_answer_mail_template",
            address,
            attachments=request.sudo().attachment_id,
        )
        request.activity_unlink(["mail.mail_activity_data_todo"])
        request._gdpr_audit(self.env._("answer sent"))

    @api.model
    def _gdpr_prepare_mail(self, request, template_xmlid, address, attachments=None):
        """An email to the requester, rendered now in the answer language and
        addressed to ``address`` only; nothing is written yet."""
        request.ensure_one()
        if not email_normalize(address or ""):
            raise UserError(
                self.env._(
                    "Request %(name)s has no valid email address to answer to.",
                    name=request.name,
                )
            )
        template = self.env.ref(template_xmlid).sudo()
        values = template._generate_template(
            [request.id],
            (
                "auto_delete",
                "body_html",
                "email_from",
                "mail_server_id",
                "model",
                "reply_to",
                "res_id",
                "subject",
            ),
        )[request.id]
        values.update(
            body=values["body_html"],
            email_to=address,
            recipient_ids=[],
            attachment_ids=[(4, attachment.id) for attachment in attachments or []],
            auto_delete=True,
        )
        return {"values": values, "template": template.name}

    @api.model
    def _gdpr_queue_prepared(self, request, prepared):
        """Queue a prepared email (the mail queue sends it once this
        transaction is committed) and say so in the chatter, not what it
        says."""
        self.env["mail.mail"].sudo().create([prepared["values"]])
        request.message_post(
            body=self.env._(
                "Email to the requester queued: %(template)s",
                template=prepared["template"],
            ),
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _gdpr_queue_mail(self, request, template_xmlid, address, attachments=None):
        self._gdpr_queue_prepared(
            request,
            self._gdpr_prepare_mail(request, template_xmlid, address, attachments),
        )
