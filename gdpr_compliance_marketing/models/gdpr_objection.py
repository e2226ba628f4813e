# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import email_normalize

OBJECTION_CHANNEL_SELECTION = [
    ("unsubscribe_link", "Unsubscribe link"),
    ("one_click", "One-click unsubscribe (List-Unsubscribe)"),
    ("blocklist_button", "Blocklist button"),
    ("backend_optout", "Opt-out set by a user"),
    ("manual_blocklist", "Blocklisted by a user"),
    ("request", "Data-subject request"),
    ("privacy_centre", "Privacy centre"),
]

MAILING_PATH = re.compile(r"^/mailing/(\d+)/")


class GdprObjection(models.Model):
    _name = "gdpr.objection"
    _description = "Objection to Direct Marketing (Art. 21)"
    _order = "date desc, id desc"
    _rec_name = "email_normalized"

    email_normalized = fields.Char(
        string="Email", required=True, readonly=True, index=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", readonly=True, index=True, ondelete="set null"
    )
    list_id = fields.Many2one(
        comodel_name="mailing.list",
        string="Mailing List",
        readonly=True,
        ondelete="set null",
        help="Empty: the person objects to all direct marketing. Set: only to "
        "the topic of this list.",
    )
    scope = fields.Selection(
        selection=[("global", "All direct marketing"), ("list", "One mailing list")],
        compute="_compute_scope",
        store=True,
    )
    mailing_id = fields.Many2one(
        comodel_name="mailing.mailing", readonly=True, ondelete="set null"
    )
    channel = fields.Selection(
        selection=OBJECTION_CHANNEL_SELECTION, required=True, readonly=True
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    reason = fields.Text(readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    consent_event_ids = fields.Many2many(
        comodel_name="gdpr.consent.event",
        string="Consent Withdrawals",
        readonly=True,
    )
    lifted_by_id = fields.Many2one(
        comodel_name="gdpr.consent.event",
        string="Ended by Consent",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The consent to direct marketing the person gave again, "
        "themselves, which ended this objection.",
    )
    lifted_date = fields.Datetime(
        string="Ended On", related="lifted_by_id.event_time", store=True
    )

    @api.depends("list_id")
    def _compute_scope(self):
        for objection in self:
            objection.scope = "list" if objection.list_id else "global"

    def write(self, vals):
        if set(vals) - {"reason", "partner_id", "consent_event_ids", "lifted_by_id"}:
            raise UserError(
                self.env._("An objection is evidence: it cannot be changed.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_evidence(self):
        raise UserError(self.env._("An objection is evidence: it cannot be deleted."))

    # ------------------------------------------------------------------
    # Registration
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_request_context(self):
        """What the web request tells about an objection made online."""
        if not request:
            return {}
        try:
            path = request.httprequest.path
        except RuntimeError:
            return {}
        context = {
            "ip_address": self.env["gdpr.public.input"]._gdpr_client_address(),
            "user_agent": (request.httprequest.user_agent.string or "")[:512],
        }
        match = MAILING_PATH.match(path)
        mailing_id = int(match.group(1)) if match else None
        if mailing_id is None and isinstance(request.params, dict):
            try:
                mailing_id = int(request.params.get("mailing_id") or 0) or None
            except (TypeError, ValueError):
                mailing_id = None
        if mailing_id:
            context["mailing_id"] = mailing_id
        if path.endswith("/unsubscribe_oneclick"):
            context["channel"] = "one_click"
        elif path.startswith("/mailing/blocklist/"):
            context["channel"] = "blocklist_button"
        elif path.startswith("/mailing/"):
            context["channel"] = "unsubscribe_link"
        return context

    @api.model
    def _gdpr_register(self, email, channel, mailing_list=None, reason=None):
        """Record that a person objects to direct marketing (globally, or to
        one list's topic). Idempotent: an existing objection of the same scope
        is returned. A global objection withdraws the marketing consent, with
        the objection as evidence."""
        normalized = email_normalize(email)
        if not normalized:
            return self.browse()
        Objection = self.sudo()
        existing = Objection.search(
            [
                ("email_normalized", "=", normalized),
                ("list_id", "=", mailing_list.id if mailing_list else False),
                ("lifted_by_id", "=", False),
            ],
            limit=1,
        )
        if existing:
            return existing
        web = self._gdpr_request_context()
        mailing = self.env["mailing.mailing"].sudo().browse(web.get("mailing_id"))
        partner = (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", normalized)], limit=1)
        )
        objection = Objection.create(
            {
                "email_normalized": normalized,
                "partner_id": partner.id,
                "list_id": mailing_list.id if mailing_list else False,
                "mailing_id": mailing.exists().id,
                "channel": web.get("channel") or channel,
                "reason": reason,
                "ip_address": web.get("ip_address"),
                "user_agent": web.get("user_agent"),
            }
        )
        if not mailing_list:
            objection._gdpr_withdraw_marketing_consent()
            self.env["gdpr.suppression"]._gdpr_suppress(
                normalized,
                "objection",
                note=self.env._("Objection #%(id)s", id=objection.id),
            )
        return objection

    def _gdpr_withdraw_marketing_consent(self):
        """Art. 21(3): the objection stops marketing at once; the ledger keeps
        the proof of when and how."""
        for objection in self:
            # (no f-string inside the translated call: the term extractor
            # evaluates its arguments and would stop reading this file)
            mailing = objection.mailing_id
            suffix = f" - {mailing.subject}" if mailing else ""
            evidence = self.env._(
                "Objection to direct marketing #%(id)s (%(channel)s)%(mailing)s",
                id=objection.id,
                channel=dict(OBJECTION_CHANNEL_SELECTION)[objection.channel],
                mailing=suffix,
            )
            kwargs = {
                "evidence": evidence,
                "ip": objection.ip_address,
                "user_agent": objection.user_agent,
            }
            events = self.env["gdpr.consent.event"]
            partners = (
                self.env["res.partner"]
                .sudo()
                .search([("email_normalized", "=", objection.email_normalized)])
            )
            # the ledger says where the person objected: their privacy
            # centre, or a mailing's own unsubscribe pages
            channel = (
                "privacy_centre"
                if objection.channel == "privacy_centre"
                else "unsubscribe"
            )
            for partner in partners:
                events |= partner._gdpr_record_consent(
                    "marketing", "withdrawn", channel, **kwargs
                )
            if not partners:
                contacts = (
                    self.env["mailing.contact"]
                    .sudo()
                    .search([("email_normalized", "=", objection.email_normalized)])
                )
                for contact in contacts:
                    events |= contact._gdpr_record_consent(
                        "marketing", "withdrawn", channel, **kwargs
                    )
            objection.sudo().write({"consent_event_ids": [(4, e.id) for e in events]})

    @api.model
    def _gdpr_lift(self, email, event):
        """End the person's objections to all direct marketing and take
        their address off the suppression list (but an erased person's),
        the consent ``event`` as the reason, in the audit log."""
        objections = self.sudo().search(
            [
                ("email_normalized", "=", email),
                ("list_id", "=", False),
                ("lifted_by_id", "=", False),
            ]
        )
        objections.write({"lifted_by_id": event.id})
        entries = (
            self.env["gdpr.suppression"]
            .sudo()
            .search([("email_normalized", "=", email), ("reason", "!=", "erased")])
        )
        # Email Marketing's own blocklist would still keep them out
        blocked = self.env["mail.blacklist"].sudo().search([("email", "=", email)])
        if not (objections or entries or blocked):
            return
        self.env["gdpr.audit.log"]._gdpr_log(
            "objection",
            self.env._(
                "Objection ended by a new consent to direct marketing (%(channel)s, "
                "consent event %(event)s); address taken off the suppression list.",
                channel=dict(event._fields["channel"]._description_selection(self.env))[
                    event.channel
                ],
                event=event.id,
            ),
            subjects=event.partner_id or None,
            document=event,
        )
        entries.unlink()
        if blocked:
            blocked._remove(
                email,
                message=self.env._("Objection ended by a new consent of the person."),
            )

    def _gdpr_set_reason(self, reason):
        for objection in self.sudo():
            if reason and not objection.reason:
                objection.write({"reason": reason})
