# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, http
from odoo.exceptions import AccessDenied, UserError, ValidationError
from odoo.http import content_disposition, request


class GdprRegisterController(http.Controller):
    @http.route("/gdpr/register.csv", type="http", auth="user", methods=["GET"])
    def gdpr_register_csv(self, ids=None, **kwargs):
        """Download the register of processing activities (Art. 30) as CSV."""
        purposes = request.env["gdpr.purpose"]
        purposes.check_access("read")
        domain = []
        if ids:
            try:
                domain = [("id", "in", [int(i) for i in ids.split(",") if i])]
            except ValueError:
                return request.not_found()
        content = purposes.search(domain)._gdpr_register_csv()
        filename = f"register_of_processing_{fields.Date.today()}.csv"
        return request.make_response(
            content.encode("utf-8-sig"),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )


class GdprRequestController(http.Controller):
    """The public page where a person asks for access, erasure or objection.
    Nothing is registered until they open the link mailed to the address."""

    def _gdpr_use_lang(self, lang):
        """The page speaks the language its link names (``?lang=it_IT``) when
        it is installed, else the browser's (Odoo reads Accept-Language)."""
        if lang and lang in dict(request.env["res.lang"].get_installed()):
            request.update_context(lang=lang)

    def _gdpr_page(self, template, status=200, **values):
        values.setdefault("values", {})
        values.setdefault("company", request.env.company.sudo())
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
        values = {"request_type": request_type, "email": email, "name": name}
        try:
            Link._gdpr_issue(
                email,
                request_type,
                name=name,
                ip_address=request.httprequest.remote_addr,
                lang=request.env.lang,
            )
        except AccessDenied as error:
            return self._gdpr_page(
                "gdpr_compliance.gdpr_request_page",
                status=429,
                error=str(error),
                values=values,
            )
        except (UserError, ValidationError) as error:
            return self._gdpr_page(
                "gdpr_compliance.gdpr_request_page",
                status=400,
                error=error.args[0],
                values=values,
            )
        return self._gdpr_page(
            "gdpr_compliance.gdpr_request_page_sent",
            hours=Link._gdpr_param("hours", 24),
        )

    @http.route("/privacy/request/confirm", type="http", auth="public", methods=["GET"])
    def gdpr_request_confirm(self, token=None, lang=None, **kwargs):
        self._gdpr_use_lang(lang)
        try:
            gdpr_request = request.env["gdpr.request.link"].sudo()._gdpr_confirm(token)
        except AccessDenied as error:
            return self._gdpr_page(
                "gdpr_compliance.gdpr_request_page", status=403, error=str(error)
            )
        except UserError as error:
            return self._gdpr_page(
                "gdpr_compliance.gdpr_request_page", status=410, error=error.args[0]
            )
        return self._gdpr_page(
            "gdpr_compliance.gdpr_request_page_confirmed", gdpr_request=gdpr_request
        )
