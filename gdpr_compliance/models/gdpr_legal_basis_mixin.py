# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .gdpr_purpose import LEGAL_BASIS_SELECTION, LEGAL_BASIS_STRENGTH

GDPR_BASIS_FIELDS = ("gdpr_legal_basis", "gdpr_source_id")

# Context key naming the internal Odoo flow that creates a record; such records
# are never blocked, they get an automatic source and are flagged for review.
# Only a ServerOrigin counts (see origin_of).
ORIGIN_CONTEXT_KEY = "gdpr_origin"
# Context key set by the user-facing entry points (form save, import). A
# client sending it only makes the rule stricter.
USER_ENTRY_CONTEXT_KEY = "gdpr_user_entry"


class ServerOrigin(str):
    """The origin of an internal creation flow, as server code declares it.

    A context is client input: the web client, JSON-RPC and XML-RPC decode
    it into plain strings, numbers and lists, never into this type, so a
    client cannot declare an origin and skip the legal-basis requirement
    (Art. 6 GDPR). It equals no plain string, so that Odoo never reuses a
    client's environment for it (environments are looked up by equal
    contexts)."""

    __slots__ = ()

    def __eq__(self, other):
        return isinstance(other, ServerOrigin) and str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


def origin_of(context):
    """The origin declared by server code in ``context``, or ``None``."""
    value = context.get(ORIGIN_CONTEXT_KEY)
    return str(value) if isinstance(value, ServerOrigin) else None


def with_origin(records, origin):
    """``records`` in an internal creation flow named ``origin``; an outer
    flow's origin wins."""
    if origin_of(records.env.context):
        return records
    return records.with_context(**{ORIGIN_CONTEXT_KEY: ServerOrigin(origin)})


class GdprLegalBasisMixin(models.AbstractModel):
    _name = "gdpr.legal.basis.mixin"
    _description = "Legal Basis and Source of Personal Data"

    # ir.config_parameter holding the strictness setting of the inheriting model
    _gdpr_strict_parameter = None

    gdpr_legal_basis = fields.Selection(
        selection=LEGAL_BASIS_SELECTION,
        string="Legal Basis",
        tracking=True,
        index=True,
        help="Why the company may hold and process these personal data "
        "(Art. 6(1) GDPR).",
    )
    gdpr_source_id = fields.Many2one(
        comodel_name="gdpr.source",
        string="Data Source",
        tracking=True,
        index=True,
        ondelete="restrict",
        help="Where the personal data were acquired; told to the data subject "
        "on request (Art. 14(2)(f) and 15(1)(g) GDPR).",
    )
    gdpr_source_detail = fields.Char(
        string="Source Detail",
        help="E.g. the name of the fair, the campaign or the list provider.",
    )
    gdpr_collection_date = fields.Date(
        string="Collection Date",
        default=fields.Date.context_today,
    )
    gdpr_collected_by_id = fields.Many2one(
        comodel_name="res.users",
        string="Collected By",
        ondelete="set null",
        default=lambda self: self._gdpr_default_collector(),
    )
    gdpr_basis_to_review = fields.Boolean(
        string="Basis to Review",
        index=True,
        copy=False,
        help="Created by an automatic flow or without a confirmed legal basis: "
        "somebody must confirm the basis and the source.",
    )
    gdpr_basis_required = fields.Boolean(
        compute="_compute_gdpr_basis_required",
        help="Technical: legal basis and source are mandatory on creation.",
    )

    @api.model
    def _gdpr_default_collector(self):
        """The person who enters the data; none when Odoo itself does (data
        files, scheduled actions run as the superuser) or a portal user."""
        user = self.env.user
        if user._is_superuser() or not user._is_internal():
            return self.env["res.users"]
        return user

    def _compute_gdpr_basis_required(self):
        required = self._gdpr_strict_setting()
        for record in self:
            record.gdpr_basis_required = required

    @api.model
    def default_get(self, fields_list):
        # The form of a new record is built from defaults: without this the
        # view would not know that the basis is mandatory before saving.
        defaults = super().default_get(fields_list)
        if "gdpr_basis_required" in fields_list:
            defaults["gdpr_basis_required"] = self._gdpr_strict_setting()
        return defaults

    # ------------------------------------------------------------------
    # Strictness
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_strict_setting(self):
        if not self._gdpr_strict_parameter:
            return False
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(self._gdpr_strict_parameter, "")
        )
        return value not in ("False", "false", "0", "")

    @api.model
    def _gdpr_is_direct_rpc_call(self, methods):
        """Whether the current call is a client's call of one of ``methods`` on
        this very model, i.e. a person or an external system asked for it, as
        opposed to Odoo code doing it on the way."""
        call = self.env["gdpr.field.guard"]._client_call()
        return bool(call) and call[0] == self._name and call[1] in methods

    @api.model
    def _gdpr_basis_enforced(self, methods=("create",)):
        context = self.env.context
        if origin_of(context) or not self._gdpr_strict_setting():
            return False
        return bool(
            context.get(USER_ENTRY_CONTEXT_KEY)
            or self._gdpr_is_direct_rpc_call(methods)
        )

    # ------------------------------------------------------------------
    # Values on creation
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_check_basis_value(self, vals):
        basis = vals.get("gdpr_legal_basis")
        if basis and basis not in dict(LEGAL_BASIS_SELECTION):
            raise ValidationError(
                self.env._(
                    "%(value)r is not a legal basis. Use one of: %(allowed)s.",
                    value=basis,
                    allowed=", ".join(key for key, _label in LEGAL_BASIS_SELECTION),
                )
            )

    @api.model
    def _gdpr_stronger_basis(self, current, offered):
        """The basis a record keeps when another source offers ``offered``:
        the stronger of the two, its own when they are as strong."""
        if not current:
            return offered
        if LEGAL_BASIS_STRENGTH.get(offered, 0) > LEGAL_BASIS_STRENGTH.get(current, 0):
            return offered
        return current

    @api.model
    def _gdpr_vals_concern_individual(self, vals):
        """Whether the values describe a natural person (strictness applies)."""
        return True

    @api.model
    def _gdpr_inherited_basis_vals(self, vals):
        """Basis and source a new record takes from a related record."""
        return {}

    @api.model
    def _gdpr_may_wait_for_review(self, vals):
        """Whether a record entered by a person without a complete basis is
        created flagged for review instead of refused: when it concerns
        somebody whose data the company already holds, and the form it
        comes from cannot ask for the basis."""
        return False

    @api.model
    def _gdpr_record_label(self, vals):
        return vals.get("name") or self._description

    @api.model
    def _gdpr_prepare_basis_vals_list(self, vals_list):
        """Complete or refuse creation values according to the strictness
        setting. Returns new dicts; raises before anything is created."""
        enforced = self._gdpr_basis_enforced()
        declared_origin = origin_of(self.env.context)
        origin = declared_origin or "other"
        defaults = self.default_get(list(GDPR_BASIS_FIELDS))
        today = fields.Date.context_today(self)
        prepared = []
        missing_labels = []
        for vals in vals_list:
            vals = dict(vals)
            self._gdpr_check_basis_value(vals)
            for key, value in self._gdpr_inherited_basis_vals(vals).items():
                if not vals.get(key):
                    vals[key] = value
            for key in GDPR_BASIS_FIELDS:
                if not vals.get(key) and defaults.get(key):
                    vals[key] = defaults[key]
            individual = self._gdpr_vals_concern_individual(vals)
            complete = all(vals.get(key) for key in GDPR_BASIS_FIELDS)
            if (
                not complete
                and individual
                and enforced
                and not self._gdpr_may_wait_for_review(vals)
            ):
                missing_labels.append(self._gdpr_record_label(vals))
            if not complete and (individual or declared_origin):
                if not vals.get("gdpr_source_id"):
                    source = self.env["gdpr.source"]._gdpr_automatic_source(origin)
                    vals["gdpr_source_id"] = source.id
                if individual and not vals.get("gdpr_basis_to_review"):
                    vals["gdpr_basis_to_review"] = True
            if not vals.get("gdpr_collection_date"):
                vals["gdpr_collection_date"] = today
            if not vals.get("gdpr_collected_by_id"):
                vals["gdpr_collected_by_id"] = self._gdpr_default_collector().id
            prepared.append(vals)
        if missing_labels:
            message = self.env._(
                "Legal basis and data source are required for personal data "
                "(GDPR Art. 6 and 14). Missing on: %(records)s.",
                records=", ".join(str(label) for label in missing_labels),
            )
            if self.env.context.get("import_file"):
                # Odoo's Import screen: say where a file gets both, row by row
                message += " " + self.env._(
                    "To import a contact list with its source, legal basis and "
                    "consents, use Contacts > Import with Privacy Data."
                )
            raise ValidationError(message)
        return prepared

    # ------------------------------------------------------------------
    # Values on update
    # ------------------------------------------------------------------

    def _gdpr_check_basis_write(self, vals):
        self._gdpr_check_basis_value(vals)
        self._gdpr_check_review_cleared(vals)
        removing = [key for key in GDPR_BASIS_FIELDS if key in vals and not vals[key]]
        if not removing or not self._gdpr_basis_enforced(("write", "web_save")):
            return
        individuals = self.filtered(lambda rec: rec._gdpr_is_individual())
        if individuals:
            raise ValidationError(
                self.env._(
                    "The legal basis and the data source of %(records)s cannot be "
                    "removed: they are required for personal data.",
                    records=", ".join(individuals.mapped("display_name")),
                )
            )

    def _gdpr_is_individual(self):
        self.ensure_one()
        return True

    def _gdpr_check_review_cleared(self, vals):
        """The flag "basis to review" goes only when somebody sets the basis
        and the source (Art. 6 and 14 GDPR), or when the Data Protection
        Officer clears it, which the audit log records."""
        if "gdpr_basis_to_review" not in vals or vals["gdpr_basis_to_review"]:
            return
        if self.env.su:
            return
        incomplete = self.filtered(
            lambda rec: (
                rec.gdpr_basis_to_review
                and not all(vals.get(key, rec[key]) for key in GDPR_BASIS_FIELDS)
            )
        )
        if not incomplete:
            return
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise ValidationError(
                self.env._(
                    "Set a legal basis and a data source to end the review of "
                    "%(records)s; only the Data Protection Officer may end it "
                    "otherwise.",
                    records=", ".join(incomplete.mapped("display_name")),
                )
            )
        for record in incomplete:
            self.env["gdpr.audit.log"]._gdpr_log(
                "basis_review",
                f"{record._name}: review of the legal basis ended without a "
                "basis and a source",
                subjects=record,
            )

    def _gdpr_review_done_vals(self, vals):
        """A person setting the basis explicitly has reviewed it."""
        if (
            vals.get("gdpr_legal_basis")
            and "gdpr_basis_to_review" not in vals
            and not origin_of(self.env.context)
        ):
            return {"gdpr_basis_to_review": False}
        return {}

    def action_gdpr_confirm_basis(self):
        """Confirm the basis and source of records flagged for review."""
        incomplete = self.filtered(
            lambda rec: not (rec.gdpr_legal_basis and rec.gdpr_source_id)
        )
        if incomplete:
            raise ValidationError(
                self.env._(
                    "Set a legal basis and a data source before confirming: "
                    "%(records)s.",
                    records=", ".join(incomplete.mapped("display_name")),
                )
            )
        self.write({"gdpr_basis_to_review": False})
        return True
