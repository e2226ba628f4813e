# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    gdpr_double_opt_in_days = fields.Integer(
        string="Days to Confirm a Subscription",
        config_parameter="gdpr_compliance_marketing.double_opt_in_days",
        default=7,
        help="A list subscription not confirmed through the emailed link within "
        "this many days goes to the suppression list.",
    )
