# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.gdpr_compliance.controllers.privacy_centre import (
    GdprPrivacyCentreController,
)
from odoo.addons.gdpr_compliance.models.gdpr_public_input import PublicInputError


class GdprPrivacyCentreListController(GdprPrivacyCentreController):
    @http.route(
        "/privacy/me/list",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
    )
    def gdpr_privacy_centre_list(
        self, token=None, list_id=None, action=None, lang=None, **kw
    ):
        """Leave a mailing list (an objection to its topic) or join one
        (double opt-in: confirmed from the mailbox)."""
        Centre = request.env["gdpr.privacy.centre"]

        def change(partner):
            if action == "leave":
                return Centre._gdpr_leave_list(partner, list_id)
            if action == "join":
                return Centre._gdpr_join_list(partner, list_id)
            raise PublicInputError(request.env._("Choose to join or leave the list."))

        messages = {
            "leave": request.env._("You left the list."),
            "join": request.env._(
                "Almost done: open the link we emailed you to confirm the subscription."
            ),
        }
        return self._gdpr_act(token, lang, change, messages.get(action))
