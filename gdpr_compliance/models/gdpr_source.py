# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class GdprSource(models.Model):
    _name = "gdpr.source"
    _description = "Personal Data Source"
    _order = "is_automatic, sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(
        translate=True,
        help="How data are collected through this source: what the data subject "
        "is told when asking where their data come from (Art. 14-15 GDPR).",
    )
    requires_explicit_consent = fields.Boolean(
        help="Contacts from this source (e.g. a purchased list or a badge scan "
        "at a fair) may be used for marketing only with an explicit consent.",
    )
    is_automatic = fields.Boolean(
        string="Automatic Origin",
        help="Set by Odoo on records created by its own flows (users, companies, "
        "incoming email, lead conversion). Such records are flagged for a "
        "review of their legal basis.",
    )
    partner_count = fields.Integer(compute="_compute_partner_count")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a data source must be unique."),
    ]

    def _compute_partner_count(self):
        groups = self.env["res.partner"]._read_group(
            [("gdpr_source_id", "in", self.ids)], ["gdpr_source_id"], ["__count"]
        )
        counts = {source.id: count for source, count in groups}
        for source in self:
            source.partner_count = counts.get(source.id, 0)

    @api.model
    def _gdpr_automatic_source(self, origin):
        """The automatic source naming an internal creation flow."""
        sources = self.sudo().with_context(active_test=False)
        return sources.search(
            [("code", "=", f"auto_{origin}"), ("is_automatic", "=", True)], limit=1
        ) or sources.search([("code", "=", "auto_other")], limit=1)

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "contacts.action_contacts"
        )
        action["domain"] = [("gdpr_source_id", "=", self.id)]
        action["context"] = {"default_gdpr_source_id": self.id}
        return action
