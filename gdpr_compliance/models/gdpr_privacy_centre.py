# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
import time
from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from .gdpr_public_input import PublicInputError

# one scope for this kind of link: a request, opt-in or mailing token never
# opens a privacy centre, and the other way round
TOKEN_SCOPE = "gdpr-privacy-centre"
# <partner id>.<expiry, Unix time>.<HMAC-SHA256 in hex>
TOKEN_PATTERN = re.compile(r"([1-9][0-9]{0,9})\.([0-9]{1,12})\.([0-9a-f]{64})")
# What a person may ask the DPO for from the page (the others they do there).
CENTRE_REQUEST_TYPES = ("erasure", "rectification")
DESCRIPTION_MAX_LENGTH = 2000


class GdprPrivacyCentre(models.AbstractModel):
    """The person's own privacy centre (``/privacy/me``): a signed, expiring
    link names one contact; what the person changes there goes through the
    same ledger, objection and request code as everything else (Art. 7(3):
    withdrawing is as easy as giving; Art. 15, 20, 21)."""

    _name = "gdpr.privacy.centre"
    _description = "Privacy Centre"

    @api.model
    def _gdpr_param(self, key, default):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"gdpr_compliance.privacy_centre_{key}", default)
        )
        try:
            return max(int(value), 1)
        except (TypeError, ValueError):
            return default

    # ------------------------------------------------------------------
    # Links
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_signature(self, partner_id, email, expires):
        # the address is signed too: a link stops working when the contact's
        # address changes (another person may now read that mailbox)
        return self.env["gdpr.public.input"]._gdpr_sign(
            TOKEN_SCOPE, f"{partner_id}.{email_normalize(email or '')}.{expires}"
        )

    @api.model
    def _gdpr_token(self, partner, days=None):
        """A token for one contact, valid ``days`` days (the configured
        lifetime by default)."""
        partner.ensure_one()
        days = days or self._gdpr_param("days", 30)
        expires = int(time.time()) + days * 86400
        signature = self._gdpr_signature(partner.id, partner.sudo().email, expires)
        return f"{partner.id}.{expires}.{signature}"

    @api.model
    def _gdpr_url(self, partner, **params):
        """The link to the contact's privacy centre, in their language."""
        partner = partner.sudo()
        query = {"token": self._gdpr_token(partner)}
        if partner.lang:
            query["lang"] = partner.lang
        query.update(params)
        return f"{partner.get_base_url()}/privacy/me?{url_encode(query)}"

    @api.model
    def _gdpr_url_for_request(self, gdpr_request):
        """The link for the emails about ``gdpr_request``: only when the
        email goes to the contact's own address (the link opens their data),
        and never after an erasure."""
        partner = gdpr_request.partner_id.sudo()
        if (
            gdpr_request.request_type == "erasure"
            or not partner.email_normalized
            or partner.is_company
            or email_normalize(gdpr_request._gdpr_notice_address() or "")
            != partner.email_normalized
        ):
            return False
        return self._gdpr_url(partner)

    @api.model
    def _gdpr_partner_from_token(self, token):
        """The contact a token names, when it is well formed (400), authentic
        for that contact and their current address (403) and not expired
        (410); otherwise a PublicInputError with that status. Nothing about
        the contact is read before the signature matched."""
        Input = self.env["gdpr.public.input"]
        partner_id, expires, signature = Input._gdpr_check_token_format(
            token, TOKEN_PATTERN
        )
        partner = self.env["res.partner"].sudo().browse(int(partner_id))
        valid = (
            int(partner_id) <= 2**31 - 1
            and partner.exists()
            and partner.active
            and not partner.is_company
            and partner.email_normalized
            and Input._gdpr_signature_matches(
                self._gdpr_signature(partner.id, partner.email, expires), signature
            )
        )
        if not valid:
            raise PublicInputError(
                self.env._("This link is not valid: ask for a new one below."),
                status=403,
            )
        if int(expires) < time.time():
            raise PublicInputError(
                self.env._("This link has expired: ask for a new one below."),
                status=410,
            )
        return partner

    @api.model
    def _gdpr_send_link(self, email, ip_address=None, lang=None):
        """Mail a link to the privacy centre of the contact with this address
        (the newest one), never show it: knowing an address grants nothing.
        The answer is the same whether the address is known or not."""
        email = self.env["gdpr.public.input"]._gdpr_check_email(email)
        Log = self.env["gdpr.privacy.link"].sudo()
        email_key = Log._gdpr_email_key(email)
        Log._gdpr_check_rate(email_key, ip_address)
        partner = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("email_normalized", "=", email_normalize(email)),
                    ("is_company", "=", False),
                ],
                order="id desc",
                limit=1,
            )
        )
        Log._gdpr_purge()
        Log.create(
            [
                {
                    "email_key": email_key,
                    "ip_address": ip_address or False,
                    "partner_id": partner.id,
                }
            ]
        )
        if not partner:
            return partner
        template = self.env.ref(
            "gdpr_compliance.gdpr_privacy_centre_link_mail_template"
        )
        # queued: the page answers at once, whatever the mail server does
        template.sudo().with_context(
            centre_url=self._gdpr_url(partner),
            days=self._gdpr_param("days", 30),
        ).send_mail(
            partner.id,
            email_values={"email_to": partner.email, "auto_delete": True},
        )
        return partner

    # ------------------------------------------------------------------
    # What the page shows
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_purposes(self, partner):
        return (
            self.env["gdpr.purpose"]
            .sudo()
            .search(
                [("company_id", "in", [False, partner.company_id.id or False])],
            )
        )

    @api.model
    def _gdpr_page_values(self, partner):
        """Everything the page shows about ``partner`` (already checked)."""
        partner = partner.sudo()
        purposes = self._gdpr_purposes(partner)
        consents = {
            consent.purpose_id: consent
            for consent in self.env["gdpr.consent"]
            .sudo()
            .search([("partner_id", "=", partner.id)])
        }
        Purpose = self.env["gdpr.purpose"]
        bases = dict(Purpose._fields["legal_basis"]._description_selection(self.env))
        anchors = dict(
            Purpose._fields["retention_anchor"]._description_selection(self.env)
        )
        states = dict(
            self.env["gdpr.consent"]._fields["state"]._description_selection(self.env)
        )
        Notice = self.env["gdpr.privacy.notice"].sudo()
        rows = []
        for purpose in purposes:
            consent = consents.get(purpose)
            state = consent.state if consent else "none"
            rows.append(
                {
                    "purpose": purpose,
                    "basis": bases.get(purpose.legal_basis, ""),
                    "retention_months": purpose.retention_months,
                    "retention_anchor": anchors.get(purpose.retention_anchor, ""),
                    "state": state,
                    "state_label": states[state],
                    "state_date": consent.state_date if consent else False,
                    "accepted_notice": consent.notice_id if consent else False,
                    "current_notice": Notice._gdpr_current_for(purpose),
                    # consent-based purposes are given and withdrawn here;
                    # the others rest on another basis (Art. 6(1)(b)-(f))
                    "changeable": purpose.requires_consent
                    or purpose.customer_legitimate_interest,
                }
            )
        basis = dict(
            partner._fields["gdpr_legal_basis"]._description_selection(self.env)
        )
        return {
            "partner": partner,
            "company": partner.company_id or self.env.company,
            "dpo": self.env["gdpr.request"]._gdpr_default_responsible().sudo(),
            "source": partner.gdpr_source_id.name or False,
            "source_detail": partner.gdpr_source_detail or False,
            "collection_date": partner.gdpr_collection_date,
            "legal_basis": basis.get(partner.gdpr_legal_basis, False),
            "purposes": rows,
            "lists": self._gdpr_lists(partner),
            "restricted": partner.gdpr_restricted,
            "request_types": CENTRE_REQUEST_TYPES,
        }

    @api.model
    def _gdpr_lists(self, partner):
        """The mailing lists the person is on or may join: the marketing
        addon fills it."""
        return []

    # ------------------------------------------------------------------
    # What the person changes
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_evidence(self, text):
        return self.env._("Privacy centre: %(what)s", what=text)

    @api.model
    def _gdpr_set_consent(self, partner, purpose_id, answer, ip=None, user_agent=None):
        """Give or withdraw consent for one purpose, as shown on the page
        (the notice version the page shows is the one recorded)."""
        if answer not in ("give", "withdraw"):
            raise PublicInputError(self.env._("Choose to give or withdraw consent."))
        purpose = self._gdpr_purpose_of(partner, purpose_id)
        if not (purpose.requires_consent or purpose.customer_legitimate_interest):
            raise PublicInputError(
                self.env._(
                    "%(purpose)s does not rest on your consent: ask us by a request "
                    "if you object to it.",
                    purpose=purpose.name,
                )
            )
        action = "given" if answer == "give" else "withdrawn"
        if partner._gdpr_consent_state(purpose) == action:
            return self.env["gdpr.consent.event"]
        notice = None
        if action == "given":
            notice = self.env["gdpr.privacy.notice"].sudo()._gdpr_current_for(purpose)
        return partner.sudo()._gdpr_record_consent(
            purpose,
            action,
            "privacy_centre",
            notice=notice,
            evidence=self._gdpr_evidence(
                self.env._("consent given")
                if action == "given"
                else self.env._("consent withdrawn")
            ),
            ip=ip,
            user_agent=user_agent,
        )

    @api.model
    def _gdpr_purpose_of(self, partner, purpose_id):
        try:
            purpose_id = int(purpose_id)
        except (TypeError, ValueError):
            purpose_id = 0
        purpose = self._gdpr_purposes(partner).filtered(lambda p: p.id == purpose_id)
        if not purpose:
            raise PublicInputError(self.env._("This processing activity is unknown."))
        return purpose

    @api.model
    def _gdpr_stop_marketing(self, partner, ip=None, user_agent=None):
        """Art. 21(2)-(3): the person objects to all direct marketing (and the
        profiling related to it); processing stops at once."""
        partner = partner.sudo()
        events = self.env["gdpr.consent.event"]
        for purpose in partner._gdpr_objection_purposes():
            if partner._gdpr_consent_state(purpose) != "withdrawn":
                events |= partner._gdpr_record_consent(
                    purpose,
                    "withdrawn",
                    "privacy_centre",
                    evidence=self._gdpr_evidence(
                        self.env._("objection to all direct marketing (Art. 21)")
                    ),
                    ip=ip,
                    user_agent=user_agent,
                )
        self.env["gdpr.audit.log"]._gdpr_log(
            "objection",
            "objection to marketing and profiling (privacy centre)",
            subjects=partner,
        )
        return events

    @api.model
    def _gdpr_check_request_rate(self, partner):
        """At most N requests a day from one person's page: producing an
        export is costly and each request lands on the DPO's desk."""
        count = (
            self.env["gdpr.request"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", partner.id),
                    ("channel", "=", "privacy_centre"),
                    ("create_date", ">", fields.Datetime.now() - timedelta(days=1)),
                ]
            )
        )
        if count >= self._gdpr_param("requests_per_day", 3):
            raise PublicInputError(
                self.env._("Too many requests today: please try again tomorrow."),
                status=429,
            )

    @api.model
    def _gdpr_new_request(self, partner, request_type, description=None):
        """A request made by the person who opened the link, verified by it
        (only the contact's mailbox receives the link, Art. 12(6))."""
        self._gdpr_check_request_rate(partner)
        Request = self.env["gdpr.request"].sudo()
        request = Request.create(
            [
                {
                    "request_type": request_type,
                    "channel": "privacy_centre",
                    "partner_id": partner.id,
                    "description": description or False,
                    "user_id": Request._gdpr_default_responsible().id,
                }
            ]
        )
        request._gdpr_verify_identity(
            "email_link", confirmed_email=partner.sudo().email_normalized
        )
        return request

    @api.model
    def _gdpr_open_request(self, partner, request_type, description=None):
        """Erasure and rectification need the DPO: the page opens the
        request, prefilled, and the DPO carries it out."""
        if request_type not in CENTRE_REQUEST_TYPES:
            raise PublicInputError(self.env._("Choose what you are asking for."))
        description = self.env["gdpr.public.input"]._gdpr_check_text(
            (description or "").replace("\r", " ").replace("\n", " "),
            self.env._("Your message"),
            DESCRIPTION_MAX_LENGTH,
        )
        if request_type == "rectification" and not description:
            raise PublicInputError(
                self.env._("Say which of your data are wrong and how to correct them.")
            )
        return self._gdpr_new_request(partner, request_type, description)

    @api.model
    def _gdpr_download(self, partner):
        """Art. 20: the portability ZIP of the request flow, for the person
        the link names, without waiting for the DPO: the request is recorded,
        carried out and answered at once, and the DPO sees it. Returns the
        request and the archive."""
        request = self._gdpr_new_request(partner, "portability")
        if not request._gdpr_process():
            raise UserError(request.blocked_reason)
        request._gdpr_send_answer()
        return request, request.sudo().attachment_id.raw
