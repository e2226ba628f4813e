# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import fields, http
from odoo.http import content_disposition, request

from ..models.gdpr_public_input import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PublicInputError,
)

# record numbers that fit PostgreSQL's integer, at most 1000 of them
IDS_PATTERN = re.compile(r"[1-9][0-9]{0,8}(?:,[1-9][0-9]{0,8}){0,999}")


class GdprRegisterController(http.Controller):
    @http.route("/gdpr/register.csv", type="http", auth="user", methods=["GET"])
    def gdpr_register_csv(self, ids=None, **kwargs):
        """Download the register of processing activities (Art. 30) as CSV:
        every purpose the user may read, or those of ``ids`` (comma-separated)."""
        purposes = request.env["gdpr.purpose"]
        purposes.check_access("read")
        domain = []
        if ids is not None:
            if not IDS_PATTERN.fullmatch(ids):
                return self._gdpr_refusal(
                    request.env._(
                        "ids must be record numbers separated by commas, such as "
                        "ids=1,2."
                    ),
                    400,
                )
            wanted = {int(i) for i in ids.split(",")}
            domain = [("id", "in", sorted(wanted))]
            if purposes.search_count(domain) != len(wanted):
                return self._gdpr_refusal(
                    request.env._("Some of these processing activities do not exist."),
                    404,
                )
        content = purposes.search(domain)._gdpr_register_csv()
        filename = f"register_of_processing_{fields.Date.today()}.csv"
        return request.make_response(
            content.encode("utf-8-sig"),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    def _gdpr_refusal(self, message, status):
        return request.make_response(
            message,
            headers=[("Content-Type", "text/plain; charset=utf-8")],
            status=status,
        )


class GdprRequestController(http.Controller):
    """The public page where a person asks for access, erasure or objection.
    Nothing is registered until they open the link mailed to the address.
    Whatever the page cannot use as typed is answered with the form again,
    what was typed in it, the reason and a 4xx status."""

    def _gdpr_use_lang(self, lang):
        """The page speaks the language its link names (``?lang=it_IT``) when
        it is installed, else the browser's (Odoo reads Accept-Language)."""
        if lang and lang in dict(request.env["res.lang"].get_installed()):
            request.update_context(lang=lang)

    def _gdpr_page(self, template, status=200, **values):
        values.setdefault("values", {})
        values.setdefault("company", request.env.company.sudo())
        values.setdefault(
            "limits", {"name": NAME_MAX_LENGTH, "email": EMAIL_MAX_LENGTH}
        )
        values["langs"] = request.env["res.lang"].get_installed()
        return request.render(template, values, status=status)

    @http.route("/privacy/request", type="http", auth="public", methods=["GET"])
    def gdpr_request_form(self, lang=None, **kwargs):
        self._gdpr_use_lang(lang)
        return self._gdpr_page("gdpr_compliance.gdpr_request_page")

    @http.route(
        "/privacy/request", type="http", auth="public", methods=["POST"], csrf=True
    )
    def gdpr_request_submit(
        self, request_type=None, email=None, name=None, lang=None, **kw
    ):
        # the confirmation email and the pages after it speak the form's language
        self._gdpr_use_lang(lang)
        Link = request.env["gdpr.request.link"].sudo()
        # echoed into the form, never longer than the form lets anyone type
        values = {
            "request_type": request_type,
            "email": (email or "")[: EMAIL_MAX_LENGTH + 1],
            "name": (name or "")[: NAME_MAX_LENGTH + 1],
        }
        try:
            Link._gdpr_issue(
                email,
                request_type,
                name=name,
                ip_address=request.env["gdpr.public.input"]._gdpr_client_address(),
                lang=request.env.lang,
            )
        except PublicInputError as error:
            return self._gdpr_page(
                "gdpr_compliance.gdpr_request_page",
                status=error.status,
                error=error.args[0],
                values=values,
            )
        return self._gdpr_page(
            "gdpr_compliance.gdpr_request_page_sent",
            hours=Link._gdpr_param("hours", 24),
        )

    @http.route("/privacy/request/confirm", type="http", auth="public", methods=["GET"])
    def gdpr_request_confirm_page(self, token=None, lang=None, **kwargs):
        """Opening the link only asks: mail scanners and link previews open
        every link they see, and an erasure must not be verified by a
        machine in the person's mailbox. The button posts the request."""
        self._gdpr_use_lang(lang)
        try:
            link = request.env["gdpr.request.link"].sudo()._gdpr_link_from_token(token)
        except PublicInputError as error:
            return self._gdpr_invalid_link(error)
        return self._gdpr_page(
            "gdpr_compliance.gdpr_request_page_confirm",
            token=token,
            lang=request.env.lang,
            request_type=dict(
                link._fields["request_type"]._description_selection(request.env)
            ).get(link.request_type),
        )

    @http.route(
        "/privacy/request/confirm",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_request_confirm(self, token=None, lang=None, **kwargs):
        self._gdpr_use_lang(lang)
        try:
            gdpr_request = request.env["gdpr.request.link"].sudo()._gdpr_confirm(token)
        except PublicInputError as error:
            return self._gdpr_invalid_link(error)
        return self._gdpr_page(
            "gdpr_compliance.gdpr_request_page_confirmed", gdpr_request=gdpr_request
        )

    def _gdpr_invalid_link(self, error):
        return self._gdpr_page(
            "gdpr_compliance.gdpr_request_page_invalid",
            status=error.status,
            error=error.args[0],
        )
