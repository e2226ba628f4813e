# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.http import request

from odoo.addons.gdpr_compliance.models.gdpr_public_input import (
    TOKEN_MAX_LENGTH,
    PublicInputError,
)
from odoo.addons.mass_mailing.controllers.main import MassMailController

DOCUMENT_ID = re.compile(r"[1-9][0-9]{0,9}")


class GdprSubscriptionController(http.Controller):
    @http.route(
        "/gdpr/subscription/confirm", type="http", auth="public", methods=["GET"]
    )
    def gdpr_subscription_confirm_page(self, sid=None, exp=None, token=None, **kw):
        """Double opt-in: the signed, expiring link mailed to the address.
        Opening it only asks: mail scanners open every link they see, and a
        consent must be given by the person (Art. 7(1) GDPR: the controller
        must be able to show it), so the button posts the confirmation.
        A link refused (malformed, forged, used, expired) changes nothing and
        says why, with a 4xx status."""
        try:
            subscription = request.env[
                "mailing.subscription"
            ]._gdpr_subscription_from_link(sid, exp, token)
        except PublicInputError as error:
            return self._gdpr_page(
                {"confirmed": False, "error": error.args[0]}, status=error.status
            )
        return self._gdpr_page(
            {
                "ask": True,
                "list_name": subscription.list_id.name,
                "link": {"sid": sid, "exp": exp, "token": token},
            }
        )

    @http.route(
        "/gdpr/subscription/confirm",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_subscription_confirm(self, sid=None, exp=None, token=None, **kwargs):
        httprequest = request.httprequest
        try:
            subscription = request.env["mailing.subscription"]._gdpr_confirm_from_link(
                sid,
                exp,
                token,
                ip=request.env["gdpr.public.input"]._gdpr_client_address(),
                user_agent=(httprequest.user_agent.string or "")[:512],
            )
        except PublicInputError as error:
            return self._gdpr_page(
                {"confirmed": False, "error": error.args[0]}, status=error.status
            )
        return self._gdpr_page(
            {"confirmed": True, "list_name": subscription.list_id.name}
        )

    def _gdpr_page(self, values, status=200):
        # a self-contained page: the person is not logged in and the website
        # app may not be installed
        html = (
            request.env["ir.qweb"]
            .sudo()
            ._render(
                "gdpr_compliance_marketing.subscription_confirmation_page",
                dict(
                    values,
                    company=request.env.company.sudo(),
                    csrf_token=request.csrf_token(),
                ),
            )
        )
        return request.make_response(
            html, headers=[("Content-Type", "text/html; charset=utf-8")], status=status
        )


class GdprMassMailController(MassMailController):
    def _check_mailing_email_token(
        self, mailing_id, document_id, email, hash_token, required_mailing_id=False
    ):
        """Email Marketing's unsubscribe pages, which this addon turns into
        objections, check their token with ``consteq`` and ``int()``: a
        token that is not ASCII or a document that is not a number would
        raise there (a 500). Such a link is malformed: 400, nothing done."""
        if hash_token and not (
            isinstance(hash_token, str)
            and hash_token.isascii()
            and len(hash_token) <= TOKEN_MAX_LENGTH
        ):
            raise BadRequest()
        # no document (0 from the pages' own JSON calls, None from a link
        # without one) is Email Marketing's own case to decide
        if document_id and not DOCUMENT_ID.fullmatch(str(document_id)):
            raise BadRequest()
        return super()._check_mailing_email_token(
            mailing_id,
            document_id,
            email,
            hash_token,
            required_mailing_id=required_mailing_id,
        )
