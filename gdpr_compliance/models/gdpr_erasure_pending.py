# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class GdprErasurePending(models.Model):
    """Identifiers of people erased by a retention call, waiting for the one
    database sweep that ends the call. Emptied by that sweep; nobody reads
    it but the erasure service."""

    _name = "gdpr.erasure.pending"
    _description = "Identifiers Waiting for the Erasure Sweep"
    _log_access = False

    value = fields.Char(required=True)
    kind = fields.Selection(
        [("name", "Name"), ("email", "Email"), ("phone", "Phone")],
        required=True,
        default="name",
    )
    prefix = fields.Char(help="A phone number's country prefix (digits).")
