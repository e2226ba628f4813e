# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import sys

from odoo import api, models
from odoo.api import call_kw
from odoo.exceptions import AccessError
from odoo.osv import expression

# Every client door of Odoo ends in this one function: the web client's
# /web/dataset/call_kw and call_button, and the external /jsonrpc and
# /xmlrpc/2/object services (odoo.service.model.execute_cr). Its frame names
# the model and the method the client asked for; XML-RPC and JSON-RPC leave
# no HTTP request bound (odoo.http.borrow_request), so the frame is the one
# trace common to all of them.
CALL_KW_CODE = call_kw.__code__
# A frame further up than this is not a client's call on this stack.
MAX_CALL_DEPTH = 400
# Operators whose value is a domain on the comodel (Odoo 17+).
SUBDOMAIN_OPERATORS = ("any", "not any")


class GdprFieldGuard(models.AbstractModel):
    """Fields follow their data category wherever their value can come out or
    be tested by a client (Art. 5(1)(c), 25 and 32 GDPR: each role sees only
    the data it needs): read, domains and orders (through any dotted path or
    ``any`` sub-domain), groupings and aggregates, exports. The classification
    (``gdpr.data.category``) is the only input: a model, a field or a path is
    guarded because the field it reaches is classified, never because it is
    listed here.

    The checks run on what a client sends: Odoo's own code keeps reading and
    searching the fields it needs (computations, synchronisation of a
    company's commercial fields to its contacts)."""

    _name = "gdpr.field.guard"
    _description = "Field Access by Data Category: Checks"

    # ------------------------------------------------------------------
    # Who is asking
    # ------------------------------------------------------------------

    @api.model
    def _client_call(self):
        """``(model name, method)`` of the client call being executed, or
        ``None`` when no client asked (scheduled actions, server code of
        routes, tests calling the ORM)."""
        frame = sys._getframe(1)
        depth = 0
        while frame is not None and depth < MAX_CALL_DEPTH:
            if frame.f_code is CALL_KW_CODE:
                local_vars = frame.f_locals
                model = local_vars.get("model")
                return (getattr(model, "_name", None), local_vars.get("name"))
            frame = frame.f_back
            depth += 1
        return None

    @api.model
    def _is_client_call(self, model, methods):
        """Whether a client asked for one of ``methods`` on ``model`` itself,
        as opposed to Odoo calling it on the way."""
        if model.env.su or not self._user_hides_any():
            return False
        call = self._client_call()
        return bool(call) and call[0] == model._name and call[1] in methods

    # ------------------------------------------------------------------
    # What is hidden
    # ------------------------------------------------------------------

    @api.model
    def _user_hides_any(self):
        return self.env["gdpr.data.category"]._gdpr_user_hides_any()

    @api.model
    def _gdpr_hidden_fields_of(self, model):
        """Fields of ``model`` the current user may not see."""
        if model.env.su:
            return frozenset()
        return self._hidden_fields_for_display(model)

    @api.model
    def _hidden_fields_for_display(self, model):
        """Fields of ``model`` whose values may not appear in what the user is
        shown, even when Odoo computes it as the superuser (it renders the
        names of many2one values and autocomplete answers with sudo())."""
        if not self._user_hides_any() or model._gdpr_shows_own_records_only():
            return frozenset()
        return self.env["gdpr.data.category"]._gdpr_hidden_fields(model._name)

    @api.model
    def _domain_without(self, model, domain, hidden, negative=False):
        """``domain`` where each leaf testing a hidden field matches nothing
        (everything under a negative operator, whose leaves are and-ed)."""
        replacement = expression.TRUE_LEAF if negative else expression.FALSE_LEAF
        result = []
        for leaf in domain:
            if (
                isinstance(leaf, (list, tuple))
                and len(leaf) == 3
                and isinstance(leaf[0], str)
                and self._path_refusal(model, leaf[0], hidden=hidden)
            ):
                result.append(replacement)
            else:
                result.append(leaf)
        return result

    @api.model
    def _refuse(self, model, refused):
        """Refuse naming each field as the user sees it ("Contact: Tax ID"),
        in their language, not by its technical name."""
        model_names = {
            model.model: model.name
            for model in self.env["ir.model"]
            .sudo()
            .search([("model", "in", list({name for name, _field in refused}))])
        }
        labels = sorted(
            f"{model_names[model_name]}: "
            f"{self.env[model_name]._fields[name]._description_string(self.env)}"
            for model_name, name in refused
        )
        raise AccessError(
            self.env._(
                "Your role does not give access to these fields: %(fields)s.",
                fields=", ".join(labels),
            )
        )

    # ------------------------------------------------------------------
    # Paths
    # ------------------------------------------------------------------

    @api.model
    def _path_refusal(self, model, path, separator=".", hidden=None):
        """The hidden field ``path`` reaches from ``model``, as ``(model name,
        field name)``, or ``None``. A
        field is reached through each relation of the path, so that a
        salesperson cannot test a hidden field of a contact's company
        (``commercial_partner_id.vat``) or of a lead's contact."""
        names = [name for name in path.split(separator) if name]
        for index, name in enumerate(names):
            if name in (".id", "id") and index == len(names) - 1:
                return None
            field = model._fields.get(name)
            if field is None:
                # Odoo refuses unknown fields itself; properties
                # ('properties.key') end the path
                return None
            if name in (
                hidden
                if hidden is not None and index == 0
                else self._gdpr_hidden_fields_of(model)
            ):
                return (model._name, name)
            if not field.relational or field.comodel_name not in self.env:
                return None
            model = self.env[field.comodel_name]
        return None

    @api.model
    def _check_paths(self, model, paths, separator="."):
        refused = {
            refusal
            for path in paths
            if isinstance(path, str)
            for refusal in [self._path_refusal(model, path, separator)]
            if refusal
        }
        if refused:
            self._refuse(model, refused)

    @api.model
    def _check_domain(self, model, domain):
        """Every field a domain tests, through paths and ``any`` sub-domains."""
        for leaf in domain or ():
            if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
                continue
            path, operator, value = leaf
            if not isinstance(path, str):
                continue
            self._check_paths(model, [path])
            if (
                isinstance(operator, str)
                and operator.lower() in SUBDOMAIN_OPERATORS
                and isinstance(value, (list, tuple))
            ):
                comodel = self._path_model(model, path)
                if comodel is not None:
                    self._check_domain(comodel, value)

    @api.model
    def _path_model(self, model, path):
        for name in path.split("."):
            field = model._fields.get(name)
            if field is None or not field.relational:
                return None
            model = self.env[field.comodel_name]
        return model

    @api.model
    def _check_order(self, model, order):
        """``order`` follows Odoo's syntax: ``name desc, partner_id.vat``."""
        if not order or not isinstance(order, str):
            return
        self._check_paths(
            model,
            [term.split()[0] for term in order.split(",") if term.strip()],
        )

    @api.model
    def _check_grouping(self, model, fields, groupby):
        """read_group's aggregates (``amount:sum``, ``amount_total:sum(amount)``)
        and group-bys (``date:month``)."""
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or ())
        names = []
        for spec in [*(fields or ()), *groupby]:
            if not isinstance(spec, str):
                continue
            name, _sep, rest = spec.partition(":")
            names.append(name.strip())
            if "(" in rest:
                names.append(rest.split("(", 1)[1].rstrip(")").strip())
        self._check_paths(model, names)

    @api.model
    def _readable_fields(self, model, hidden):
        """What "all fields" means for a user who may not see ``hidden``."""
        return [
            name
            for name, field in model._fields.items()
            if name not in hidden and field.is_accessible(model.env)
        ]

    @api.model
    def _blank(self, model, name):
        return [] if model._fields[name].type in ("one2many", "many2many") else False
