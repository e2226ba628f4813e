# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    gdpr_require_basis_partner = fields.Boolean(
        string="Require Basis on Contacts",
        config_parameter="gdpr_compliance.require_basis_partner",
        help="Individuals created through the form, an import or the external "
        "API must have a legal basis and a data source.",
    )
    gdpr_require_basis_lead = fields.Boolean(
        string="Require Basis on Leads",
        config_parameter="gdpr_compliance.require_basis_lead",
        help="Leads created through the form, an import or the external API "
        "must have a legal basis and a data source.",
    )
