# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.osv import expression


class Base(models.AbstractModel):
    """The doors every client call passes, on every model: a field of a data
    category the user may not see is neither read, nor tested in a domain or
    an order, nor grouped or aggregated, nor exported, directly or through a
    path from another model (``gdpr.field.guard``). The methods return at
    once for the superuser and for users who see every category."""

    _inherit = "base"

    @api.model
    def _gdpr_shows_own_records_only(self):
        """Whether the role rules show the current user only records of this
        model that are theirs. The categories keep the financial and
        profiling data of other people's customers from a role: on its own
        records a salesperson needs them to do the work."""
        return False

    @api.model
    def _gdpr_fields_hidden_from_user(self):
        """Fields of this model the current user may not see."""
        return self.env["gdpr.field.guard"]._gdpr_hidden_fields_of(self)

    def _gdpr_client_asked(self, method):
        return self.env["gdpr.field.guard"]._is_client_call(self, (method,))

    def read(self, fields=None, load="_classic_read"):
        if self._gdpr_client_asked("read"):
            guard = self.env["gdpr.field.guard"]
            if fields:
                guard._check_paths(self, fields)
            else:
                fields = guard._readable_fields(
                    self, self._gdpr_fields_hidden_from_user()
                )
        return super().read(fields, load=load)

    @api.model
    def search_read(
        self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs
    ):
        if self._gdpr_client_asked("search_read"):
            guard = self.env["gdpr.field.guard"]
            guard._check_domain(self, domain)
            guard._check_order(self, order)
            if fields:
                guard._check_paths(self, fields)
            else:
                fields = guard._readable_fields(
                    self, self._gdpr_fields_hidden_from_user()
                )
        return super().search_read(
            domain, fields, offset=offset, limit=limit, order=order, **read_kwargs
        )

    @api.model
    def search(self, domain, offset=0, limit=None, order=None):
        if self._gdpr_client_asked("search"):
            guard = self.env["gdpr.field.guard"]
            guard._check_domain(self, domain)
            guard._check_order(self, order)
        return super().search(domain, offset=offset, limit=limit, order=order)

    @api.model
    def search_count(self, domain, limit=None):
        if self._gdpr_client_asked("search_count"):
            self.env["gdpr.field.guard"]._check_domain(self, domain)
        return super().search_count(domain, limit=limit)

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        if self._gdpr_client_asked("search_fetch"):
            guard = self.env["gdpr.field.guard"]
            guard._check_domain(self, domain)
            guard._check_order(self, order)
            guard._check_paths(self, field_names or ())
        return super().search_fetch(
            domain, field_names, offset=offset, limit=limit, order=order
        )

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        if self._gdpr_client_asked("name_search"):
            self.env["gdpr.field.guard"]._check_domain(self, args)
        return super().name_search(name, args=args, operator=operator, limit=limit)

    @api.model
    def _search_display_name(self, operator, value):
        """Autocomplete matches only fields the user may see: a contact found
        by the VAT number typed would tell the number (Odoo searches a
        partner's VAT, a bank account's number)."""
        domain = super()._search_display_name(operator, value)
        hidden = self.env["gdpr.field.guard"]._hidden_fields_for_display(self)
        if not hidden:
            return domain
        return self.env["gdpr.field.guard"]._domain_without(
            self,
            domain,
            hidden,
            negative=operator in expression.NEGATIVE_TERM_OPERATORS,
        )

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        if self._gdpr_client_asked("read_group"):
            guard = self.env["gdpr.field.guard"]
            guard._check_domain(self, domain)
            guard._check_grouping(self, fields, groupby)
            guard._check_order(self, orderby)
        return super().read_group(
            domain,
            fields,
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if self._gdpr_client_asked("copy_data"):
            # a copy's values are the record's: those the role may not see
            # stay out (Odoo's own copy() still copies them)
            hidden = self._gdpr_fields_hidden_from_user()
            vals_list = [
                {name: value for name, value in vals.items() if name not in hidden}
                for vals in vals_list
            ]
        return vals_list

    def get_field_translations(self, field_name, langs=None):
        if self._gdpr_client_asked("get_field_translations"):
            self.env["gdpr.field.guard"]._check_paths(self, [field_name])
        return super().get_field_translations(field_name, langs=langs)

    # The web client's own methods: only a client calls them, and the views
    # it reads keep hidden fields (invisible), so their values come back
    # empty instead of refused.

    def web_read(self, specification):
        hidden = self._gdpr_fields_hidden_from_user() & set(specification)
        if not hidden:
            return super().web_read(specification)
        result = super().web_read(
            {name: spec for name, spec in specification.items() if name not in hidden}
        )
        guard = self.env["gdpr.field.guard"]
        for values in result:
            for name in hidden:
                values[name] = guard._blank(self, name)
        return result

    @api.model
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        if not self.env.su:
            guard = self.env["gdpr.field.guard"]
            guard._check_domain(self, domain)
            guard._check_order(self, order)
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
        hidden = self._gdpr_fields_hidden_from_user()
        if not self.env.su:
            guard = self.env["gdpr.field.guard"]
            guard._check_domain(self, domain)
            guard._check_grouping(self, (), groupby)
            guard._check_order(self, orderby)
        if hidden:
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
    def read_progress_bar(self, domain, group_by, progress_bar):
        if not self.env.su:
            guard = self.env["gdpr.field.guard"]
            guard._check_domain(self, domain)
            guard._check_grouping(
                self,
                [progress_bar.get("field"), progress_bar.get("sum_field")],
                group_by,
            )
        return super().read_progress_bar(domain, group_by, progress_bar)

    def export_data(self, fields_to_export):
        if not self.env.su:
            self.env["gdpr.field.guard"]._check_paths(
                self, fields_to_export, separator="/"
            )
        result = super().export_data(fields_to_export)
        if self._gdpr_holds_personal_data():
            # every export of people's data is logged, whoever exports
            self.env["gdpr.audit.log"]._gdpr_log(
                "export",
                f"{self._name}: {len(self)} records, fields "
                f"{', '.join(sorted(fields_to_export))}"[:250],
                subjects=self,
            )
        return result

    @api.model
    def _gdpr_holds_personal_data(self):
        """Models with classified fields, and those audited as a whole."""
        return self._name in self.env[
            "gdpr.data.category"
        ]._gdpr_classified_models() or isinstance(
            self, self.env.registry["gdpr.audited.mixin"]
        )
