# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

BULK_READ_PARAMETER = "gdpr_compliance.audit_bulk_read_threshold"


class GdprAuditedMixin(models.AbstractModel):
    """Models holding people's data: every client read of at least a
    threshold of records goes to the audit log, like every export (see
    ``base.export_data``) (Art. 5(2) and 32
    GDPR: the controller can show who accessed which data).

    The reads are taken in the ORM methods every door ends in (the web
    client, /jsonrpc, /xmlrpc/2/object: ``gdpr.field.guard._client_call``),
    once per client call, counting the records the answer holds."""

    _name = "gdpr.audited.mixin"
    _description = "Personal Data Access Audit"

    @api.model
    def _gdpr_bulk_read_threshold(self):
        return int(
            self.env["ir.config_parameter"].sudo().get_param(BULK_READ_PARAMETER, 200)
            or 0
        )

    @api.model
    def _gdpr_audit_bulk_read(self, method, records=None, count=None):
        """Log a client's ``method`` whose answer holds ``records`` (or
        ``count`` records, for groupings)."""
        count = len(records) if count is None else count
        if not count:
            return
        threshold = self._gdpr_bulk_read_threshold()
        if not threshold or count < threshold:
            return
        call = self.env["gdpr.field.guard"]._client_call()
        if not call or call[0] != self._name or call[1] != method:
            return
        self.env["gdpr.audit.log"]._gdpr_log(
            "bulk_read",
            f"{self._name}.{method}: {count} records",
            subjects=records,
        )

    def read(self, fields=None, load="_classic_read"):
        result = super().read(fields, load=load)
        self._gdpr_audit_bulk_read("read", self.browse([row["id"] for row in result]))
        return result

    @api.model
    def search_read(
        self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs
    ):
        result = super().search_read(
            domain, fields, offset=offset, limit=limit, order=order, **read_kwargs
        )
        self._gdpr_audit_bulk_read(
            "search_read", self.browse([row["id"] for row in result])
        )
        return result

    def web_read(self, specification):
        result = super().web_read(specification)
        self._gdpr_audit_bulk_read(
            "web_read", self.browse([row["id"] for row in result])
        )
        return result

    @api.model
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        result = super().web_search_read(
            domain,
            specification,
            offset=offset,
            limit=limit,
            order=order,
            count_limit=count_limit,
        )
        self._gdpr_audit_bulk_read(
            "web_search_read",
            self.browse([row["id"] for row in result["records"]]),
        )
        return result

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        result = super().name_search(name, args=args, operator=operator, limit=limit)
        self._gdpr_audit_bulk_read(
            "name_search", self.browse([row[0] for row in result])
        )
        return result

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        result = super().read_group(
            domain,
            fields,
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )
        self._gdpr_audit_bulk_read(
            "read_group", count=self._gdpr_grouped_count(result, groupby, lazy)
        )
        return result

    @api.model
    def web_read_group(
        self, domain, fields, groupby, limit=None, offset=0, orderby=False, lazy=True
    ):
        result = super().web_read_group(
            domain,
            fields,
            groupby,
            limit=limit,
            offset=offset,
            orderby=orderby,
            lazy=lazy,
        )
        self._gdpr_audit_bulk_read(
            "web_read_group",
            count=self._gdpr_grouped_count(result["groups"], groupby, lazy),
        )
        return result

    @api.model
    def _gdpr_grouped_count(self, groups, groupby, lazy):
        """How many records the groups of a read_group describe."""
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or ())
        key = f"{groupby[0].split(':')[0]}_count" if lazy and groupby else "__count"
        return sum(group.get(key, group.get("__count", 0)) or 0 for group in groups)
