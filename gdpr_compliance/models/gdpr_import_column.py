# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .gdpr_erasure import normalize_email
from .gdpr_import_check import CONSENT_TARGETS, PARTNER_TARGETS, TARGET_TYPES


class GdprImportColumn(models.Model):
    """A column of an imported file and what it is imported into."""

    _name = "gdpr.import.column"
    _description = "Privacy Import Column"
    _order = "import_id, sequence"

    import_id = fields.Many2one(
        comodel_name="gdpr.import",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    sequence = fields.Integer(
        string="Position", readonly=True, help="Position of the column in the file."
    )
    header = fields.Char(string="Column", readonly=True)
    example = fields.Char(
        string="First Values",
        readonly=True,
        help="The first values of the column, as read from the file.",
    )
    target = fields.Selection(
        selection="_selection_target",
        string="Import Into",
        help="Leave empty to ignore the column.",
    )

    @api.model
    def _selection_target(self):
        return self._gdpr_targets()

    @api.model
    def _gdpr_targets(self):
        """``[(key, label)]`` of what a column may be imported into by the
        current user: a field of the contact, or a consent column. Fields of
        a data category the user's role may not see are left out."""
        Partner = self.env["res.partner"]
        hidden = Partner._gdpr_fields_hidden_from_user()
        labels = {
            "consent": self.env._("Consent"),
            "consent_date": self.env._("Consent Date"),
            "consent_channel": self.env._("Consent Channel"),
            "consent_evidence": self.env._("Consent Evidence"),
        }
        targets = [
            (name, Partner._fields[name]._description_string(self.env))
            for name in PARTNER_TARGETS
            if name not in hidden
        ]
        return targets + [(name, labels[name]) for name in CONSENT_TARGETS]

    @api.constrains("target")
    def _check_target_allowed(self):
        """A selection computed per user is not checked by the ORM: a client
        could send a field of a category the user's role may not see."""
        allowed = dict(self._gdpr_targets())
        for column in self:
            if column.target and column.target not in allowed:
                raise ValidationError(
                    self.env._(
                        "%(target)r is not a field you may import into.",
                        target=column.target,
                    )
                )

    @api.constrains("target", "import_id")
    def _check_one_column_per_target(self):
        labels = dict(self._gdpr_targets())
        for imp in self.import_id:
            seen = {}
            for column in imp.column_ids.filtered("target"):
                if column.target in seen:
                    raise ValidationError(
                        self.env._(
                            "Columns %(first)s and %(second)s are both imported "
                            "into %(target)s: keep one.",
                            first=seen[column.target],
                            second=column.header,
                            target=labels.get(column.target, column.target),
                        )
                    )
                seen[column.target] = column.header

    def write(self, vals):
        if "target" in vals:
            # a new mapping makes the last check of the file stale
            self.import_id._gdpr_check_editable()
            result = super().write(vals)
            self.import_id._gdpr_reset_check()
            return result
        return super().write(vals)

    @api.model
    def _gdpr_suggestions(self, imp):
        """Values of the file's columns, each with base_import's suggestion:
        the field a user chose for that header in an earlier privacy import,
        else the one whose name or label (English or in the user's language)
        is the header or close to it, as on Odoo's Import screen."""
        Check = self.env["gdpr.import.check"]
        reader = Check._gdpr_reader(imp)
        headers, data, options = Check._gdpr_read(imp, reader)
        targets = self._gdpr_targets()
        tree = [
            {
                "id": key,
                "name": key,
                "string": label,
                "required": key == "name",
                "fields": [],
                "type": TARGET_TYPES.get(key, "char"),
                "model_name": "res.partner" if key in PARTNER_TARGETS else imp._name,
            }
            for key, label in targets
        ]
        preview = data[:10]
        header_types = reader._extract_headers_types(headers, preview, options)
        suggestions = reader._get_mapping_suggestions(headers, header_types, tree)
        # the examples shown never come from the row of a suppressed person
        suppressed = self.env["gdpr.import.triage"]._gdpr_suppressed_emails(
            {normalize_email(value) for row in preview for value in row} - {False}
        )
        preview = [
            row
            for row in preview
            if not {normalize_email(value) for value in row} & suppressed
        ]
        allowed = {key for key, _label in targets}
        columns = []
        for index, header in enumerate(headers):
            path = (suggestions.get((index, header)) or {}).get("field_path") or []
            examples = [row[index] for row in preview if row[index]][:3]
            columns.append(
                {
                    "sequence": index,
                    "header": header or self.env._("Column %(n)s", n=index + 1),
                    "example": " | ".join(value[:50] for value in examples),
                    "target": path[0]
                    if len(path) == 1 and path[0] in allowed
                    else False,
                }
            )
        return columns, len(data), options

    @api.model
    def _gdpr_mapping(self, imp, width):
        """``{column index: target}`` of the mapped columns."""
        allowed = dict(self._gdpr_targets())
        return {
            column.sequence: column.target
            for column in imp.column_ids
            if column.target in allowed and column.sequence < width
        }

    @api.model
    def _gdpr_save_mappings(self, imp):
        """Remember each header's column for the next privacy import, as
        Odoo's Import screen does."""
        Mapping = self.env["base_import.mapping"]
        saved = {
            mapping.column_name: mapping
            for mapping in Mapping.search([("res_model", "=", imp._name)])
        }
        for column in imp.column_ids.filtered("target"):
            name = column.header.strip().lower()
            if name in saved:
                if saved[name].field_name != column.target:
                    saved[name].field_name = column.target
            else:
                saved[name] = Mapping.create(
                    {
                        "res_model": imp._name,
                        "column_name": name,
                        "field_name": column.target,
                    }
                )
