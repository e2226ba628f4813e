# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class GdprLegalHold(models.Model):
    """A reason to keep a person's data whatever the retention says (a
    dispute, an audit, a court order): retention then keeps only what the
    hold covers and restricts the rest."""

    _name = "gdpr.legal.hold"
    _description = "Legal Hold on Personal Data"
    _order = "date_from desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="partner_id.company_id", store=True)
    reason = fields.Char(
        required=True,
        help="Why the data must be kept (e.g. pending dispute, tax audit).",
    )
    date_from = fields.Date(
        string="Since", required=True, default=fields.Date.context_today
    )
    date_until = fields.Date(
        string="Until",
        help="Leave empty while the end is not known; review it regularly.",
    )
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Placed By",
        default=lambda self: self.env.user,
        readonly=True,
    )
    note = fields.Text()
    is_current = fields.Boolean(
        compute="_compute_is_current", search="_search_is_current"
    )

    @api.constrains("date_from", "date_until")
    def _check_dates(self):
        for hold in self:
            if hold.date_until and hold.date_until < hold.date_from:
                raise ValidationError(
                    self.env._("A legal hold cannot end before it starts.")
                )

    @api.depends("date_from", "date_until", "active")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for hold in self:
            hold.is_current = hold.active and (
                not hold.date_until or hold.date_until >= today
            )

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on current holds."))
        today = fields.Date.context_today(self)
        domain = ["|", ("date_until", "=", False), ("date_until", ">=", today)]
        if (operator == "=") == value:
            return domain
        return [("date_until", "<", today)]

    @api.depends("partner_id", "reason")
    def _compute_display_name(self):
        for hold in self:
            hold.display_name = f"{hold.partner_id.display_name}: {hold.reason}"
