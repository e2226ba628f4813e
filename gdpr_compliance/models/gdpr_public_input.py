# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hmac as stdlib_hmac
import ipaddress
import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import config, email_normalize

# RFC 5321 4.5.3.1: a local part has at most 64 octets and a path at most
# 256 (254 once the angle brackets are taken away).
EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_MAX_LENGTH = 64
# What a person types as their name on a public form.
NAME_MAX_LENGTH = 128
# Longer than any token our links carry: a bigger one is refused unread.
TOKEN_MAX_LENGTH = 256

# RFC 5322 3.2.3 dot-atom for the local part (no quoted strings, no
# comments) and RFC 1035 labels for the domain: one address, as typed.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
# Markup and control characters have no place in a name.
FORBIDDEN_TEXT = re.compile(r"[<>\x00-\x1f\x7f]")


def ip_address_or_none(text):
    """``text`` written as an IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class PublicInputError(UserError):
    """A refusal of what a public route received, with the HTTP status the
    route answers it with (400 bad input, 403 forged, 409 already used,
    410 expired, 429 too many, 503 not configured)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


class GdprPublicInput(models.AbstractModel):
    """What the public routes accept: one email address as typed, bounded
    text, signed tokens in the expected form, and the client's address as
    Odoo trusts it. Every refusal is a ``PublicInputError``; nothing is
    "cleaned up" into something the person did not send."""

    _name = "gdpr.public.input"
    _description = "Public Input Checks"

    @api.model
    def _gdpr_check_email(self, value):
        """The address typed (surrounding blanks aside), when it is exactly
        one valid address within the RFC 5321 lengths."""
        email = value.strip() if isinstance(value, str) else ""
        if not email:
            raise PublicInputError(self.env._("Enter your email address."))
        if len(email) > EMAIL_MAX_LENGTH:
            raise PublicInputError(
                self.env._(
                    "An email address has at most %(max)s characters.",
                    max=EMAIL_MAX_LENGTH,
                )
            )
        if not EMAIL_PATTERN.fullmatch(email) or not email_normalize(email):
            raise PublicInputError(
                self.env._(
                    "Enter one valid email address, such as name@example.org "
                    "(letters without accents, digits and . _ + - only)."
                )
            )
        if len(email.split("@", 1)[0]) > EMAIL_LOCAL_MAX_LENGTH:
            raise PublicInputError(
                self.env._(
                    "The part of an email address before the @ has at most "
                    "%(max)s characters.",
                    max=EMAIL_LOCAL_MAX_LENGTH,
                )
            )
        return email

    @api.model
    def _gdpr_check_text(self, value, label, max_length):
        """A one-line text of at most ``max_length`` characters without
        markup, or False when empty."""
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > max_length:
            raise PublicInputError(
                self.env._(
                    "%(field)s has at most %(max)s characters.",
                    field=label,
                    max=max_length,
                )
            )
        if FORBIDDEN_TEXT.search(text):
            raise PublicInputError(
                self.env._(
                    "%(field)s may not contain < > or control characters.",
                    field=label,
                )
            )
        return text or False

    @api.model
    def _gdpr_check_token_format(self, value, pattern):
        """The parts of a token of the expected form (ASCII, bounded), before
        any lookup or signature check."""
        token = value if isinstance(value, str) else ""
        match = (
            len(token) <= TOKEN_MAX_LENGTH
            and token.isascii()
            and pattern.fullmatch(token)
        )
        if not match:
            raise PublicInputError(
                self.env._("This link is not valid: it is incomplete or altered."),
                status=400,
            )
        return match.groups()

    @api.model
    def _gdpr_sign(self, scope, message):
        """The signature of ``message`` for one purpose (``scope``), keyed
        with this database's secret: a token of one kind never passes as
        another."""
        icp = self.env["ir.config_parameter"].sudo()
        if not icp.get_param("database.secret"):
            raise PublicInputError(
                self.env._(
                    "This database has no secret (system parameter "
                    "database.secret): links cannot be signed or checked."
                ),
                status=503,
            )
        return self.env["gdpr.keyed.hash"]._gdpr_hmac(scope, message)

    @api.model
    def _gdpr_signature_matches(self, expected, given):
        """Constant-time comparison of two signatures, as bytes."""
        return stdlib_hmac.compare_digest(
            expected.encode("ascii"), (given or "").encode("ascii")
        )

    @api.model
    def _gdpr_client_address(self):
        """The IP address of the client of the current HTTP request, as Odoo
        trusts it. Behind a reverse proxy (``proxy_mode``) the proxy appends
        the client's address to X-Forwarded-For: its last entry is the one
        to trust (Odoo's own ProxyFix reads it only when the proxy also sends
        X-Forwarded-Host). Without ``proxy_mode`` the header is the client's
        own claim and is ignored."""
        if not request:
            return None
        try:
            httprequest = request.httprequest
        except RuntimeError:
            return None
        if config["proxy_mode"]:
            forwarded = httprequest.headers.get("X-Forwarded-For", "")
            last = ip_address_or_none(forwarded.rsplit(",", 1)[-1].strip())
            if last:
                return last
        return httprequest.remote_addr

    @api.model
    def _gdpr_check_rate(self, links, email_key, ip_address, per_email, per_ip):
        """At most ``per_email`` of ``links`` (a model with ``email_key`` and
        ``ip_address``) per address a day and ``per_ip`` per IP address an
        hour: a public page cannot be used to flood someone's mailbox."""
        now = fields.Datetime.now()
        links = links.sudo()
        emailed = links.search_count(
            [
                ("email_key", "=", email_key),
                ("create_date", ">", now - timedelta(days=1)),
            ]
        )
        from_ip = ip_address and links.search_count(
            [
                ("ip_address", "=", ip_address),
                ("create_date", ">", now - timedelta(hours=1)),
            ]
        )
        if emailed >= per_email or (from_ip and from_ip >= per_ip):
            raise PublicInputError(
                self.env._("Too many requests: please try again later."), status=429
            )
