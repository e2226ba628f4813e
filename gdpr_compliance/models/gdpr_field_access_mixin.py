# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import api, models
from odoo.exceptions import AccessError


class GdprFieldAccessMixin(models.AbstractModel):
    """Fields follow their data category: a role that may not see a
    category finds its fields hidden in views, empty in what the web client
    reads, and refused when it asks for them over RPC. Odoo's own code keeps
    using them (autocomplete, computations, synchronisation).

    Used together with ``gdpr.legal.basis.mixin``, whose
    ``_gdpr_is_direct_rpc_call`` tells a client's call from Odoo's own."""

    _name = "gdpr.field.access.mixin"
    _description = "Field Access by Data Category"

    @api.model
    def _gdpr_hidden_fields(self):
        """Fields of this model the current user may not see."""
        if self.env.su or self._gdpr_shows_own_records_only():
            return frozenset()
        return self.env["gdpr.data.category"]._gdpr_hidden_fields(self._name)

    @api.model
    def _gdpr_shows_own_records_only(self):
        """Whether the role rules show the current user only records of this
        model that are theirs. The categories keep the financial and
        profiling data of other people's customers from a role (seed 000):
        on its own records a salesperson needs them to do the work."""
        return False

    @api.model
    def _gdpr_check_hidden(self, names):
        """Refuse, over RPC, fields of a category the user may not see."""
        hidden = self._gdpr_hidden_fields()
        refused = sorted({name.split(".", 1)[0] for name in names or ()} & hidden)
        if refused:
            raise AccessError(
                self.env._(
                    "Your role does not give access to these fields: %(fields)s.",
                    fields=", ".join(refused),
                )
            )

    @api.model
    def _gdpr_domain_fields(self, domain):
        return [
            leaf[0]
            for leaf in domain or ()
            if isinstance(leaf, (list, tuple))
            and len(leaf) == 3
            and isinstance(leaf[0], str)
        ]

    @api.model
    def _gdpr_readable_fields(self, hidden):
        """What "all fields" means for a user who may not see ``hidden``."""
        return [
            name
            for name, field in self._fields.items()
            if name not in hidden and field.is_accessible(self.env)
        ]

    @api.model
    def _gdpr_grouping_fields(self, fields, groupby):
        """Field names behind read_group's aggregates and group-bys
        ('amount:sum', 'date:month')."""
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or ())
        return [name.split(":")[0] for name in [*(fields or ()), *groupby]]

    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        result = super().get_view(view_id, view_type, **options)
        hidden = self._gdpr_hidden_fields()
        if hidden:
            result = dict(
                result, arch=self._gdpr_hide_in_arch(result["arch"], view_type, hidden)
            )
        return result

    @api.model
    def _gdpr_hide_in_arch(self, arch, view_type, hidden):
        """Hide the contact's own fields of categories the user may not see;
        they stay in the view, invisible, so that nothing referring to them
        breaks, and web_read gives them no value."""
        tree = etree.fromstring(arch)
        for node in tree.iter("field"):
            if node.get("name") not in hidden or any(
                ancestor.tag == "field" for ancestor in node.iterancestors()
            ):
                continue
            # these views read every field of their arch with search_read or
            # read_group, which refuse hidden fields: the node goes
            if view_type in ("search", "pivot", "graph", "calendar"):
                node.getparent().remove(node)
            elif node.getparent().tag == "list":
                node.set("column_invisible", "True")
            else:
                node.set("invisible", "True")
        for label in tree.iter("label"):
            if label.get("for") in hidden:
                label.set("invisible", "True")
        for progressbar in tree.iter("progressbar"):
            if progressbar.get("sum_field") in hidden:
                del progressbar.attrib["sum_field"]
        if view_type == "search":
            for node in tree.iter("filter"):
                if any(f"'{name}'" in (node.get("context") or "") for name in hidden):
                    node.getparent().remove(node)
        return etree.tostring(tree, encoding="unicode")

    def web_read(self, specification):
        hidden = self._gdpr_hidden_fields() & set(specification)
        if not hidden:
            return super().web_read(specification)
        result = super().web_read(
            {name: spec for name, spec in specification.items() if name not in hidden}
        )
        for values in result:
            for name in hidden:
                values[name] = (
                    []
                    if self._fields[name].type in ("one2many", "many2many")
                    else False
                )
        return result

    def read(self, fields=None, load="_classic_read"):
        hidden = self._gdpr_hidden_fields()
        if hidden and self._gdpr_is_direct_rpc_call(("read",)):
            if fields:
                self._gdpr_check_hidden(fields)
            else:
                fields = self._gdpr_readable_fields(hidden)
        return super().read(fields, load=load)

    @api.model
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None):
        hidden = self._gdpr_hidden_fields()
        if hidden and self._gdpr_is_direct_rpc_call(("search_read",)):
            self._gdpr_check_hidden(
                list(fields or []) + self._gdpr_domain_fields(domain)
            )
            if not fields:
                fields = self._gdpr_readable_fields(hidden)
        return super().search_read(
            domain, fields, offset=offset, limit=limit, order=order
        )

    @api.model
    def search(self, domain, offset=0, limit=None, order=None):
        if self._gdpr_hidden_fields() and self._gdpr_is_direct_rpc_call(("search",)):
            self._gdpr_check_hidden(self._gdpr_domain_fields(domain))
        return super().search(domain, offset=offset, limit=limit, order=order)

    @api.model
    def search_count(self, domain, limit=None):
        if self._gdpr_hidden_fields() and self._gdpr_is_direct_rpc_call(
            ("search_count",)
        ):
            self._gdpr_check_hidden(self._gdpr_domain_fields(domain))
        return super().search_count(domain, limit=limit)

    @api.model
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        self._gdpr_check_hidden(self._gdpr_domain_fields(domain))
        return super().web_search_read(
            domain,
            specification,
            offset=offset,
            limit=limit,
            order=order,
            count_limit=count_limit,
        )

    @api.model
    def web_read_group(
        self, domain, fields, groupby, limit=None, offset=0, orderby=False, lazy=True
    ):
        hidden = self._gdpr_hidden_fields()
        if hidden:
            self._gdpr_check_hidden(
                self._gdpr_grouping_fields((), groupby)
                + self._gdpr_domain_fields(domain)
            )
            # totals of hidden fields (a kanban column's revenue) are left out
            fields = [name for name in fields if name.split(":")[0] not in hidden]
        return super().web_read_group(
            domain,
            fields,
            groupby,
            limit=limit,
            offset=offset,
            orderby=orderby,
            lazy=lazy,
        )

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        if self._gdpr_hidden_fields() and self._gdpr_is_direct_rpc_call(
            ("read_group",)
        ):
            self._gdpr_check_hidden(
                self._gdpr_grouping_fields(fields, groupby)
                + self._gdpr_domain_fields(domain)
            )
        return super().read_group(
            domain,
            fields,
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )

    def export_data(self, fields_to_export):
        if not self.env.su:
            self._gdpr_check_hidden([name.split("/")[0] for name in fields_to_export])
        return super().export_data(fields_to_export)
