# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class GdprPrivacyNotice(models.Model):
    _name = "gdpr.privacy.notice"
    _description = "Privacy Notice Version"
    _inherit = ["mail.thread"]
    _order = "valid_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Version",
        required=True,
        tracking=True,
        help="Version label shown in consent proofs, e.g. 'v2 - March 2026'.",
    )
    valid_from = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="From this day on this version is the one shown to people.",
    )
    purpose_ids = fields.Many2many(
        comodel_name="gdpr.purpose",
        relation="gdpr_privacy_notice_purpose_rel",
        column1="notice_id",
        column2="purpose_id",
        string="Purposes Covered",
        required=True,
    )
    body = fields.Html(
        string="Text",
        sanitize_attributes=False,
        help="The notice (informativa) exactly as it was shown.",
    )
    attachment_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Document",
        help="The notice as published (PDF), when it is not typed in.",
    )
    company_id = fields.Many2one(comodel_name="res.company")
    is_current = fields.Boolean(
        string="Current",
        compute="_compute_is_current",
        search="_search_is_current",
    )
    event_count = fields.Integer(compute="_compute_event_count")

    @api.constrains("valid_from", "purpose_ids")
    def _check_one_version_per_day(self):
        for notice in self:
            clash = self.search(
                [
                    ("id", "!=", notice.id),
                    ("valid_from", "=", notice.valid_from),
                    ("purpose_ids", "in", notice.purpose_ids.ids),
                    ("company_id", "=", notice.company_id.id),
                ],
                limit=1,
            )
            if clash:
                raise ValidationError(
                    self.env._(
                        "Notices %(a)s and %(b)s cover the same purpose from the "
                        "same day: only one version can be current.",
                        a=notice.name,
                        b=clash.name,
                    )
                )

    def _compute_event_count(self):
        groups = (
            self.env["gdpr.consent.event"]
            .sudo()
            ._read_group([("notice_id", "in", self.ids)], ["notice_id"], ["__count"])
        )
        counts = {notice.id: count for notice, count in groups}
        for notice in self:
            notice.event_count = counts.get(notice.id, 0)

    def _compute_is_current(self):
        for notice in self:
            notice.is_current = any(
                self._gdpr_current_for(purpose) == notice
                for purpose in notice.purpose_ids
            )

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on current notices."))
        current = self.browse()
        for purpose in self.env["gdpr.purpose"].search([]):
            current |= self._gdpr_current_for(purpose)
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", current.ids)]

    @api.model
    def _gdpr_current_for(self, purpose, date=None):
        """The version in force for a purpose on a date (today by default)."""
        date = date or fields.Date.context_today(self)
        return self.search(
            [("purpose_ids", "in", purpose.ids), ("valid_from", "<=", date)],
            order="valid_from desc, id desc",
            limit=1,
        )

    def write(self, vals):
        # A version people consented to is evidence: its text stays as shown.
        frozen = {"body", "attachment_id", "valid_from", "purpose_ids"} & set(vals)
        if frozen and self.filtered("event_count"):
            raise UserError(
                self.env._(
                    "This privacy notice version was shown to people who gave or "
                    "refused consent: create a new version instead of changing it."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.filtered("event_count"):
            raise UserError(
                self.env._(
                    "A privacy notice version referred to by the consent ledger "
                    "must stay readable: archive nothing, create a new version."
                )
            )

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "gdpr_compliance.gdpr_consent_event_action"
        )
        action["domain"] = [("notice_id", "=", self.id)]
        return action
