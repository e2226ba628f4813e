# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.base.models.ir_mail_server import IrMailServer

from .common import ConsentCommon


class RequestCommon(ConsentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["gdpr.request"]
        cls.AuditLog = cls.env["gdpr.audit.log"].sudo()
        cls.env.company.email = "privacy@arredoitalia.example"

    @contextmanager
    def capture_emails(self):
        """The emails really handed to the mail server, as
        ``email.message.EmailMessage`` objects: the emails are queued, and
        the mail queue sends those of the block when it ends, as it would
        once the transaction is committed."""
        sent = []

        def send_email(server, message, *args, **kwargs):
            sent.append(message)
            return message["Message-Id"]

        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        with patch.object(IrMailServer, "send_email", send_email):
            yield sent
            Mail.search([("id", ">", last), ("state", "=", "outgoing")]).send()

    @staticmethod
    def email_text(message):
        parts = [message["Subject"] or ""]
        for part in message.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                parts.append(part.get_content())
        return "\n".join(parts)

    def confirm_link(self, token, lang=None):
        """What the person does with the mailed link (the test must be an
        HttpCase): open it, then press its button. Returns the last page."""
        query = f"token={token}" + (f"&lang={lang}" if lang else "")
        page = self.url_open(f"/privacy/request/confirm?{query}")
        if page.status_code != 200:
            return page
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            "/privacy/request/confirm",
            data={"csrf_token": csrf, "token": token, "lang": lang or ""},
        )

    def _new_request(self, request_type, partner=None, **values):
        partner = partner or self.prospect
        return self.Request.create(
            [
                dict(
                    {"request_type": request_type, "partner_id": partner.id},
                    **values,
                )
            ]
        )

    def _verified(self, request_type, partner=None, **values):
        request = self._new_request(request_type, partner, **values)
        request._gdpr_verify_identity("id_document")
        return request

    def _audit(self, action, document=None):
        domain = [("action", "=", action)]
        if document:
            domain += [("res_model", "=", document._name), ("res_id", "=", document.id)]
        return self.AuditLog.search(domain)
