# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import AccessDenied
from odoo.http import request


class GdprSubscriptionController(http.Controller):
    @http.route(
        "/gdpr/subscription/confirm", type="http", auth="public", methods=["GET"]
    )
    def gdpr_subscription_confirm(self, sid=None, exp=None, token=None, **kwargs):
        """Double opt-in: the signed, expiring link mailed to the address."""
        httprequest = request.httprequest
        try:
            subscription = request.env["mailing.subscription"]._gdpr_confirm_from_link(
                sid,
                exp,
                token,
                ip=httprequest.remote_addr,
                user_agent=(httprequest.user_agent.string or "")[:512],
            )
        except AccessDenied:
            return self._gdpr_page({"confirmed": False}, status=403)
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
