# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import io
from collections import Counter

from odoo import api, fields, models
from odoo.tools import SQL

IMPORT_LINE_STATUS_SELECTION = [
    ("invalid", "Invalid"),
    ("suppressed", "Suppressed"),
    ("duplicate", "Duplicate"),
    ("new", "New"),
]

# Order of the rows shown: what blocks the import first.
STATUS_SEQUENCE = {"invalid": 1, "suppressed": 2, "duplicate": 3, "new": 4}
# Rows written per statement.
STORE_BATCH = 20000

MATCH_KIND_SELECTION = [
    ("email", "Same email"),
    ("vat", "Same tax ID"),
    ("phone", "Same phone"),
]


class GdprImportLine(models.Model):
    """What the check of a file found for one of its rows. Written by the
    check in one statement, read by the person before importing, removed
    once the file is imported."""

    _name = "gdpr.import.line"
    _description = "Privacy Import Row"
    _order = "import_id, sequence, row_number"
    _rec_name = "row_number"

    import_id = fields.Many2one(
        comodel_name="gdpr.import",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    sequence = fields.Integer(
        readonly=True, help="Technical: problems first, then duplicates, then new."
    )
    row_number = fields.Integer(
        string="Row", readonly=True, help="Row of the file; the header is row 1."
    )
    status = fields.Selection(
        selection=IMPORT_LINE_STATUS_SELECTION, readonly=True, index=True
    )
    name = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Existing Contact",
        readonly=True,
        ondelete="set null",
    )
    duplicate_row = fields.Integer(
        string="Same As Row",
        readonly=True,
        help="The earlier row of the file this one repeats.",
    )
    match_kind = fields.Selection(
        selection=MATCH_KIND_SELECTION, string="Found By", readonly=True
    )
    message = fields.Char(readonly=True)

    @api.model
    def _gdpr_store(self, imp, rows):
        """Replace the rows shown for ``imp`` by ``rows``, and its counts, in
        a few statements: a file of 100,000 rows is not 100,000 creates."""
        imp.sudo()._gdpr_clear_lines()
        merge = imp.duplicate_mode == "merge"
        columns = {
            "sequence": ("int4", lambda row: STATUS_SEQUENCE[row.status]),
            "row_number": ("int4", lambda row: row.number),
            "status": ("varchar", lambda row: row.status),
            # who a suppressed row is about is not kept, not even here
            "name": ("varchar", lambda row: self._gdpr_shown(row, "name")),
            "email": ("varchar", lambda row: self._gdpr_shown(row, "email")),
            "partner_id": (
                "int4",
                lambda row: row.partner_id if row.blocked != "hidden" else None,
            ),
            "duplicate_row": ("int4", lambda row: row.leader),
            "match_kind": ("varchar", lambda row: row.kind),
            "message": ("varchar", lambda row: self._gdpr_message(row, merge) or None),
        }
        self.env.flush_all()
        for start in range(0, len(rows), STORE_BATCH):
            batch = rows[start : start + STORE_BATCH]
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO gdpr_import_line
                           (import_id, create_uid, write_uid, create_date,
                            write_date, %(names)s)
                    SELECT %(import_id)s, %(uid)s, %(uid)s,
                           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', u.*
                      FROM unnest(%(arrays)s) AS u
                    """,
                    names=SQL(", ").join(map(SQL.identifier, columns)),
                    arrays=SQL(", ").join(
                        SQL("%s::%s[]", [value(row) for row in batch], SQL(kind))
                        for kind, value in columns.values()
                    ),
                    import_id=imp.id,
                    uid=self.env.uid,
                )
            )
        imp.invalidate_recordset(["line_ids"])
        counts = Counter(row.status for row in rows)
        issues = self._gdpr_issues(rows)
        imp.sudo().write(
            {
                "row_count": len(rows),
                "count_new": counts["new"],
                "count_duplicate": counts["duplicate"],
                "count_suppressed": counts["suppressed"],
                "count_invalid": counts["invalid"],
                "report_file": base64.b64encode(self._gdpr_report_csv(issues))
                if issues
                else False,
                "report_filename": f"{imp.file_name or 'import'}-errors.csv"
                if issues
                else False,
            }
        )

    @api.model
    def _gdpr_shown(self, row, name):
        if row.status == "suppressed":
            return None
        return row.values.get(name) or None

    @api.model
    def _gdpr_issues(self, rows):
        """``(row, column, value, reason)`` of every problem of the rows."""
        return [
            (row.number, column, value, reason)
            for row in rows
            if row.status == "invalid"
            for column, value, reason in row.issues
        ]

    @api.model
    def _gdpr_message(self, row, merge):
        if row.status == "invalid":
            return "; ".join(reason for _column, _value, reason in row.issues)
        if row.status == "suppressed":
            return self.env._(
                "The address of an erased or objecting person: never imported."
            )
        if row.status == "new":
            return ""
        kind = dict(self._fields["match_kind"]._description_selection(self.env))[
            row.kind
        ]
        if row.leader:
            return self.env._(
                "%(kind)s as row %(row)s: %(action)s.",
                kind=kind,
                row=row.leader,
                action=self.env._("merged into it") if merge else self.env._("skipped"),
            )
        if row.blocked == "hidden":
            return self.env._(
                "%(kind)s as a contact you may not access: skipped.", kind=kind
            )
        if row.blocked == "restricted":
            return self.env._(
                "%(kind)s as a contact whose processing is restricted (Art. 18): "
                "skipped.",
                kind=kind,
            )
        if not merge:
            return self.env._("%(kind)s as an existing contact: skipped.", kind=kind)
        return (
            "; ".join(
                [self.env._("%(kind)s as an existing contact: merged", kind=kind)]
                + row.notes
            )
            + "."
        )

    @api.model
    def _gdpr_report_csv(self, issues):
        """The error report: ``(row, column, value, reason)`` per problem."""
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(
            [
                self.env._("Row"),
                self.env._("Column"),
                self.env._("Value"),
                self.env._("Reason"),
            ]
        )
        writer.writerows(issues)
        return output.getvalue().encode("utf-8-sig")
