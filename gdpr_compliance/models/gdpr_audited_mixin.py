# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.http import request

BULK_READ_PARAMETER = "gdpr_compliance.audit_bulk_read_threshold"


class GdprAuditedMixin(models.AbstractModel):
    """Models holding people's data: exports, and reads over RPC of more
    records than a threshold, go to the audit log."""

    _name = "gdpr.audited.mixin"
    _description = "Personal Data Access Audit"

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        self.env["gdpr.audit.log"]._gdpr_log(
            "export",
            f"{self._name}: {len(self)} records, fields "
            f"{', '.join(sorted(fields_to_export))}"[:250],
            subjects=self,
        )
        return result

    def _gdpr_audit_bulk_read(self, records, method):
        if not records or self.env.context.get("gdpr_audited_read") or not request:
            return
        try:
            request.httprequest  # noqa: B018 - only real web requests count
        except RuntimeError:
            return
        threshold = int(
            self.env["ir.config_parameter"].sudo().get_param(BULK_READ_PARAMETER, 200)
            or 0
        )
        if threshold and len(records) >= threshold:
            self.env["gdpr.audit.log"]._gdpr_log(
                "bulk_read",
                f"{self._name}.{method}: {len(records)} records",
                subjects=records,
            )

    @api.model
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None):
        result = super(
            GdprAuditedMixin, self.with_context(gdpr_audited_read=True)
        ).search_read(domain, fields, offset=offset, limit=limit, order=order)
        self._gdpr_audit_bulk_read(
            self.browse([row["id"] for row in result]), "search_read"
        )
        return result

    @api.model
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        result = super(
            GdprAuditedMixin, self.with_context(gdpr_audited_read=True)
        ).web_search_read(
            domain,
            specification,
            offset=offset,
            limit=limit,
            order=order,
            count_limit=count_limit,
        )
        self._gdpr_audit_bulk_read(
            self.browse([row["id"] for row in result["records"]]), "web_search_read"
        )
        return result

    def read(self, fields=None, load="_classic_read"):
        result = super(
            GdprAuditedMixin, self.with_context(gdpr_audited_read=True)
        ).read(fields, load=load)
        self._gdpr_audit_bulk_read(self, "read")
        return result
