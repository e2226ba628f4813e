# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hmac as stdlib_hmac
from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import api, fields, models
from odoo.exceptions import AccessDenied, UserError, ValidationError
from odoo.tools import SQL, email_normalize
from odoo.tools.misc import hmac

from odoo.addons.base.models.res_partner import _lang_get

from .gdpr_request import REQUEST_TYPE_SELECTION

# What a person may ask from the public page; the others need a dialogue.
PUBLIC_REQUEST_TYPES = ("access", "erasure", "objection")
TOKEN_SCOPE = "gdpr_compliance.request_link"


class GdprRequestLink(models.Model):
    """A request asked on the public page, waiting for the person to confirm
    it from the mailbox it names: no request exists for an address nobody
    confirmed. Kept a few days, then purged."""

    _name = "gdpr.request.link"
    _description = "Data-Subject Request Confirmation Link"
    _order = "id desc"

    email = fields.Char(required=True, readonly=True)
    email_key = fields.Char(readonly=True, index=True)
    requester_name = fields.Char(readonly=True)
    request_type = fields.Selection(
        selection=REQUEST_TYPE_SELECTION, required=True, readonly=True
    )
    lang = fields.Char(readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True, index=True)
    expires_at = fields.Datetime(required=True, readonly=True)
    confirmed_date = fields.Datetime(readonly=True)
    request_id = fields.Many2one(
        comodel_name="gdpr.request", readonly=True, ondelete="set null"
    )

    @api.model
    def _gdpr_param(self, key, default):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"gdpr_compliance.request_link_{key}", default)
        )
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    @api.model
    def _gdpr_email_key(self, email):
        return hmac(self.env(su=True), f"{TOKEN_SCOPE}.email", email)

    @api.model
    def _gdpr_check_rate(self, email_key, ip_address):
        """At most N links per address a day and M per IP address an hour:
        the page cannot be used to flood someone's mailbox."""
        now = fields.Datetime.now()
        links = self.sudo()
        per_email = links.search_count(
            [
                ("email_key", "=", email_key),
                ("create_date", ">", now - timedelta(days=1)),
            ]
        )
        per_ip = ip_address and links.search_count(
            [
                ("ip_address", "=", ip_address),
                ("create_date", ">", now - timedelta(hours=1)),
            ]
        )
        if per_email >= self._gdpr_param("max_per_email", 3) or (
            per_ip and per_ip >= self._gdpr_param("max_per_ip", 10)
        ):
            raise AccessDenied(self.env._("Too many requests: please try again later."))

    @api.model
    def _gdpr_issue(self, email, request_type, name=None, ip_address=None, lang=None):
        """Validate what the page received and mail a confirmation link to the
        address. Raises on bad input or too many attempts."""
        normalized = email_normalize(email or "")
        if not normalized:
            raise ValidationError(self.env._("Enter a valid email address."))
        if request_type not in PUBLIC_REQUEST_TYPES:
            raise ValidationError(self.env._("Choose what you are asking for."))
        email_key = self._gdpr_email_key(normalized)
        self._gdpr_check_rate(email_key, ip_address)
        self._gdpr_purge()
        hours = self._gdpr_param("hours", 24)
        link = self.sudo().create(
            [
                {
                    "email": normalized,
                    "email_key": email_key,
                    "requester_name": (name or "").strip()[:128] or False,
                    "request_type": request_type,
                    "lang": lang or False,
                    "ip_address": ip_address or False,
                    "expires_at": fields.Datetime.now() + timedelta(hours=hours),
                }
            ]
        )
        template = self.env.ref(
            "gdpr_compliance.gdpr_request_link_mail_template"
        ).sudo()
        template.with_context(confirm_url=link._gdpr_confirm_url()).send_mail(
            link.id, force_send=True, email_values={"auto_delete": True}
        )
        return link

    def _gdpr_token(self):
        self.ensure_one()
        expires = int(self.expires_at.timestamp())
        payload = f"{self.id}.{expires}"
        return f"{payload}.{hmac(self.env(su=True), TOKEN_SCOPE, payload)}"

    def _gdpr_confirm_url(self):
        """The link mailed to the address; the page it opens speaks the
        language the request was made in."""
        params = {"token": self._gdpr_token()}
        if self.lang:
            params["lang"] = self.lang
        return f"{self.get_base_url()}/privacy/request/confirm?{url_encode(params)}"

    @api.model
    def _gdpr_link_from_token(self, token):
        """The link a token names, when it is authentic and not expired.
        Raises AccessDenied for a forged token, UserError for an expired or
        already used one."""
        try:
            link_id, expires, signature = (token or "").split(".")
            payload = f"{int(link_id)}.{int(expires)}"
        except ValueError as error:
            raise AccessDenied(self.env._("This link is not valid.")) from error
        expected = hmac(self.env(su=True), TOKEN_SCOPE, payload)
        if not stdlib_hmac.compare_digest(expected, signature):
            raise AccessDenied(self.env._("This link is not valid."))
        link = self.sudo().browse(int(link_id)).exists()
        if not link or int(link.expires_at.timestamp()) != int(expires):
            raise AccessDenied(self.env._("This link is not valid."))
        if link.confirmed_date:
            return link
        if fields.Datetime.now() > link.expires_at:
            raise UserError(
                self.env._("This link has expired: please make your request again.")
            )
        return link

    @api.model
    def _gdpr_confirm(self, token):
        """Create the request a valid link stands for; confirming twice gives
        the same request."""
        link = self._gdpr_link_from_token(token)
        if link.confirmed_date:
            return link.request_id
        # the only writer of this row from here on: two clicks at once give one request
        self.env.cr.execute(
            SQL("SELECT id FROM gdpr_request_link WHERE id = %s FOR UPDATE", link.id)
        )
        link.invalidate_recordset()
        if link.confirmed_date:
            return link.request_id
        partner = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("email_normalized", "=", link.email),
                    ("is_company", "=", False),
                ]
            )
        )
        Request = self.env["gdpr.request"].sudo()
        request = Request.create(
            [
                {
                    "request_type": link.request_type,
                    "channel": "web",
                    "partner_id": partner.id if len(partner) == 1 else False,
                    "requester_name": link.requester_name
                    or (partner.name if len(partner) == 1 else False),
                    "requester_email": link.email,
                    "lang": link.lang
                    if link.lang in dict(_lang_get(Request))
                    else False,
                    "user_id": Request._gdpr_default_responsible().id,
                }
            ]
        )
        request._gdpr_verify_identity("email_link")
        link.write({"confirmed_date": fields.Datetime.now(), "request_id": request.id})
        return request

    @api.model
    def _cron_gdpr_purge(self):
        self._gdpr_purge()

    @api.model
    def _gdpr_purge(self):
        """Links older than a week go: they hold an address nobody may have
        confirmed."""
        self.sudo().search(
            [("create_date", "<", fields.Datetime.now() - timedelta(days=7))]
        ).unlink()
