# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the privacy centre's suites share: a person with a signed link, and
forms posted as the page posts them."""

import html
import re

from odoo.tests import HttpCase

from .common_request import RequestCommon
from .common_security import PublicSurfaceMixin

SURFACE = (
    "gdpr_consent_event",
    "gdpr_consent",
    "gdpr_request",
    "gdpr_audit_log",
    "gdpr_privacy_link",
    "mail_mail",
)


class PrivacyCentreCommon(PublicSurfaceMixin, HttpCase, RequestCommon):
    surface_tables = SURFACE
    user_agent = "PrivacyCentreTest/1.0"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Centre = cls.env["gdpr.privacy.centre"]
        cls.other = cls.Partner.create(
            {
                "name": "Other Person",
                "email": "other.person@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.source_fair.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.opener.headers["User-Agent"] = self.user_agent

    def _token(self, partner=None):
        return self.Centre._gdpr_token(partner or self.prospect)

    def _page(self, partner=None, **params):
        params.setdefault("token", self._token(partner))
        return self.get("/privacy/me", params=params)

    def _post(self, path, token=None, **values):
        token = self._token() if token is None else token
        page = self.get("/privacy/me", params={"token": self._token()})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        data = {"csrf_token": csrf.group(1) if csrf else "", "token": token}
        data.update(values)
        return self.url_open(path, data=data)

    def _message(self, response):
        found = re.search(
            r'o_gdpr_privacy_centre_message"[^>]*>(.*?)</div>', response.text, re.S
        )
        return html.unescape(found.group(1)).strip() if found else ""
