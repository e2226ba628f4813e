# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .gdpr_legal_basis_mixin import (
    GDPR_BASIS_FIELDS,
    ORIGIN_CONTEXT_KEY,
    USER_ENTRY_CONTEXT_KEY,
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "gdpr.legal.basis.mixin"]

    _gdpr_strict_parameter = "gdpr_compliance.require_basis_partner"

    @api.model
    def _gdpr_vals_concern_individual(self, vals):
        if "is_company" in vals:
            return not vals["is_company"]
        if "company_type" in vals:
            return vals["company_type"] != "company"
        return not self.env.context.get("default_is_company")

    def _gdpr_is_individual(self):
        self.ensure_one()
        return not self.is_company

    @api.model
    def _gdpr_inherited_basis_vals(self, vals):
        parent_id = vals.get("parent_id")
        if not parent_id:
            return {}
        parent = self.browse(parent_id).sudo()
        return {
            key: parent[key].id if key == "gdpr_source_id" else parent[key]
            for key in GDPR_BASIS_FIELDS
            if parent[key]
        }

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = self._gdpr_prepare_basis_vals_list(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._gdpr_check_basis_write(vals)
        vals = dict(vals, **self._gdpr_review_done_vals(vals))
        return super().write(vals)

    def web_save(self, vals, specification, next_id=None):
        return super(
            ResPartner, self.with_context(**{USER_ENTRY_CONTEXT_KEY: True})
        ).web_save(vals, specification, next_id=next_id)

    def load(self, fields, data):
        return super(
            ResPartner, self.with_context(**{USER_ENTRY_CONTEXT_KEY: True})
        ).load(fields, data)

    @api.model
    def name_create(self, name):
        # A many2one quick create cannot ask for a basis: keep it, flag it.
        return super(ResPartner, self._gdpr_with_origin("quick_create")).name_create(
            name
        )

    @api.model
    def find_or_create(self, email, assert_valid_email=False):
        return super(ResPartner, self._gdpr_with_origin("email")).find_or_create(
            email, assert_valid_email=assert_valid_email
        )

    @api.model
    def _find_or_create_from_emails(self, emails, additional_values=None):
        return super(
            ResPartner, self._gdpr_with_origin("email")
        )._find_or_create_from_emails(emails, additional_values=additional_values)

    @api.model
    def _gdpr_with_origin(self, origin):
        """Context for an internal creation flow; an outer flow's origin wins."""
        if self.env.context.get(ORIGIN_CONTEXT_KEY):
            return self
        return self.with_context(**{ORIGIN_CONTEXT_KEY: origin})
