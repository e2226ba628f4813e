# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from ..models.gdpr_public_input import EMAIL_MAX_LENGTH, PublicInputError


class GdprPrivacyCentreController(http.Controller):
    """``/privacy/me``: the person's own privacy centre, opened by a signed,
    expiring link that names one contact. Every form posts the link's token
    back (and Odoo's CSRF token); every refusal is a 4xx page that shows
    nothing about anyone and offers a new link."""

    def _gdpr_use_lang(self, lang):
        if lang and lang in dict(request.env["res.lang"].get_installed()):
            request.update_context(lang=lang)

    def _gdpr_render(self, template, status=200, **values):
        values.setdefault("company", request.env.company.sudo())
        values.setdefault("email_max", EMAIL_MAX_LENGTH)
        values.setdefault("lang", request.env.lang)
        return request.render(template, values, status=status)

    def _gdpr_refused(self, error):
        return self._gdpr_render(
            "gdpr_compliance.gdpr_privacy_centre_invalid",
            status=error.status,
            error=error.args[0],
        )

    def _gdpr_partner(self, token):
        """The contact the token names; a logged-in user without a token
        opens their own page (portal users, from their account)."""
        Centre = request.env["gdpr.privacy.centre"]
        user = request.env.user
        if not token and not user._is_public() and user.partner_id.email_normalized:
            return user.partner_id.sudo(), Centre._gdpr_token(user.partner_id)
        return Centre._gdpr_partner_from_token(token), token

    def _gdpr_client(self):
        httprequest = request.httprequest
        return {
            "ip": request.env["gdpr.public.input"]._gdpr_client_address(),
            "user_agent": (httprequest.user_agent.string or "")[:512],
        }

    def _gdpr_page(self, partner, token, status=200, **values):
        """The page of a checked contact, in their language unless the link
        names another one."""
        Centre = request.env["gdpr.privacy.centre"]
        page = Centre._gdpr_page_values(partner)
        page.update(values, token=token)
        consent_request = values.get("consent_request")
        if consent_request:
            page["consent_request"] = consent_request
        return self._gdpr_render(
            "gdpr_compliance.gdpr_privacy_centre_page", status=status, **page
        )

    def _gdpr_act(self, token, lang, action, success):
        """Check the token, run ``action(partner)`` in a savepoint (a refusal
        changes nothing) and show the page again with the outcome."""
        self._gdpr_use_lang(lang)
        try:
            partner, token = self._gdpr_partner(token)
        except PublicInputError as error:
            return self._gdpr_refused(error)
        try:
            with request.env.cr.savepoint():
                result = action(partner)
        except PublicInputError as error:
            return self._gdpr_page(
                partner, token, status=error.status, error=error.args[0]
            )
        except UserError as error:
            return self._gdpr_page(partner, token, status=400, error=error.args[0])
        if isinstance(result, dict) and "response" in result:
            return result["response"]
        message = success(result) if callable(success) else success
        return self._gdpr_page(partner, token, message=message)

    @http.route("/privacy/me", type="http", auth="public", methods=["GET"])
    def gdpr_privacy_centre(self, token=None, lang=None, consent_request=None, **kw):
        self._gdpr_use_lang(lang)
        try:
            partner, token = self._gdpr_partner(token)
            line = False
            if consent_request:
                line = request.env["gdpr.consent.request.line"]._gdpr_for_partner(
                    partner, consent_request
                )
        except PublicInputError as error:
            return self._gdpr_refused(error)
        return self._gdpr_page(partner, token, consent_request=line)

    @http.route(
        "/privacy/me/consent",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_privacy_centre_consent(
        self, token=None, purpose_id=None, answer=None, lang=None, **kw
    ):
        Centre = request.env["gdpr.privacy.centre"]
        client = self._gdpr_client()
        return self._gdpr_act(
            token,
            lang,
            lambda partner: Centre._gdpr_set_consent(
                partner, purpose_id, answer, **client
            ),
            request.env._("Your choice is recorded."),
        )

    @http.route(
        "/privacy/me/answer",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_privacy_centre_answer(
        self, token=None, consent_request=None, answer=None, lang=None, **kw
    ):
        Line = request.env["gdpr.consent.request.line"]
        client = self._gdpr_client()
        return self._gdpr_act(
            token,
            lang,
            lambda partner: Line._gdpr_for_partner(
                partner, consent_request
            )._gdpr_answer(answer, **client),
            request.env._("Thank you: your answer is recorded."),
        )

    @http.route(
        "/privacy/me/object",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_privacy_centre_object(self, token=None, lang=None, **kw):
        Centre = request.env["gdpr.privacy.centre"]
        client = self._gdpr_client()
        return self._gdpr_act(
            token,
            lang,
            lambda partner: Centre._gdpr_stop_marketing(partner, **client),
            request.env._(
                "Done: we no longer use your data for direct marketing or profiling."
            ),
        )

    @http.route(
        "/privacy/me/request",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_privacy_centre_request(
        self, token=None, request_type=None, description=None, lang=None, **kw
    ):
        Centre = request.env["gdpr.privacy.centre"]
        return self._gdpr_act(
            token,
            lang,
            lambda partner: Centre._gdpr_open_request(
                partner, request_type, description
            ),
            lambda gdpr_request: request.env._(
                "Your request %(name)s is registered: we will answer by "
                "%(deadline)s, by email.",
                name=gdpr_request.name,
                deadline=gdpr_request.deadline,
            ),
        )

    @http.route(
        "/privacy/me/download",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_privacy_centre_download(self, token=None, lang=None, **kw):
        Centre = request.env["gdpr.privacy.centre"]

        def download(partner):
            gdpr_request, content = Centre._gdpr_download(partner)
            filename = f"{gdpr_request.name.replace('/', '-')}-data.zip"
            return {
                "response": request.make_response(
                    content,
                    headers=[
                        ("Content-Type", "application/zip"),
                        ("Content-Disposition", content_disposition(filename)),
                        ("Cache-Control", "no-store"),
                    ],
                )
            }

        return self._gdpr_act(token, lang, download, None)

    @http.route("/privacy/me/link", type="http", auth="public", methods=["GET"])
    def gdpr_privacy_centre_link_form(self, lang=None, **kw):
        self._gdpr_use_lang(lang)
        return self._gdpr_render("gdpr_compliance.gdpr_privacy_centre_invalid")

    @http.route(
        "/privacy/me/link",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_privacy_centre_link(self, email=None, lang=None, **kw):
        self._gdpr_use_lang(lang)
        Centre = request.env["gdpr.privacy.centre"]
        try:
            with request.env.cr.savepoint():
                Centre._gdpr_send_link(
                    email,
                    ip_address=request.env["gdpr.public.input"]._gdpr_client_address(),
                    lang=request.env.lang,
                )
        except PublicInputError as error:
            return self._gdpr_render(
                "gdpr_compliance.gdpr_privacy_centre_invalid",
                status=error.status,
                error=error.args[0],
                email=(email or "")[: EMAIL_MAX_LENGTH + 1]
                if isinstance(email, str)
                else "",
            )
        return self._gdpr_render(
            "gdpr_compliance.gdpr_privacy_centre_link_sent",
            days=Centre._gdpr_param("days", 30),
        )
