# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.gdpr_compliance.models.gdpr_public_input import PublicInputError


class GdprSubscriptionController(http.Controller):
    @http.route(
        "/gdpr/subscription/confirm", type="http", auth="public", methods=["GET"]
    )
    def gdpr_subscription_confirm(self, sid=None, exp=None, token=None, **kwargs):
        """Double opt-in: the signed, expiring link mailed to the address.
        A link refused (malformed, forged, used, expired) changes nothing and
        says why, with a 4xx status."""
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
                dict(values, company=request.env.company.sudo()),
            )
        )
        return request.make_response(
            html, headers=[("Content-Type", "text/html; charset=utf-8")], status=status
        )
