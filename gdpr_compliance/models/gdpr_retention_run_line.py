# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .gdpr_purpose import RETENTION_ACTION_SELECTION


class GdprRetentionRunLine(models.Model):
    """One contact a retention run processed (or would process). The contact
    is named by its pseudonymous key: the line outlives its erasure."""

    _name = "gdpr.retention.run.line"
    _description = "Retention Run Line"
    _order = "run_id desc, id"

    run_id = fields.Many2one(
        comodel_name="gdpr.retention.run",
        required=True,
        index=True,
        ondelete="cascade",
    )
    dry_run = fields.Boolean(related="run_id.dry_run")
    res_model = fields.Selection(
        selection=[("res.partner", "Contact")],
        string="Record Type",
        required=True,
        default="res.partner",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        index=True,
        ondelete="set null",
    )
    partner_key = fields.Char(string="Pseudonymous Key", required=True)
    purpose_id = fields.Many2one(
        comodel_name="gdpr.purpose",
        string="Governing Purpose",
        ondelete="restrict",
        help="The purpose that kept the data the longest: its policy applies.",
    )
    action = fields.Selection(
        selection=RETENTION_ACTION_SELECTION + [("minimise", "Minimise (legal hold)")],
        required=True,
    )
    keep_until = fields.Datetime(string="Period Ended On")
    hold_reason = fields.Char(string="Legal Hold")
    result = fields.Selection(
        selection=[
            ("planned", "Would be processed"),
            ("done", "Done"),
            ("error", "Error"),
        ],
        required=True,
    )
    message = fields.Text()

    def _gdpr_subject_id(self):
        """Id of the record this line processed, False once it is deleted."""
        self.ensure_one()
        if self.res_model == "res.partner":
            return self.partner_id.id
        return False

    @api.model
    def _gdpr_insert(self, vals_list):
        """``create(vals_list)`` in one statement: a run writes a line per
        person, a hundred thousand of them at times. The lines have no
        computed field to store; the runs' counts are left to the caller
        (``gdpr.retention.run._gdpr_recount``): counting all the lines of a
        run after each batch would cost more with every batch."""
        if not vals_list:
            return
        names = sorted({name for vals in vals_list for name in vals})
        now = self.env.cr.now()
        # one array per column: a statement of a dozen parameters, whatever
        # the number of lines
        columns = [
            SQL(
                "%s::%s",
                [
                    self._fields[name].convert_to_column(vals.get(name, False), self)
                    for vals in vals_list
                ],
                SQL(self._fields[name].column_type[1] + "[]"),
            )
            for name in names
        ]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, create_uid, create_date, write_uid, write_date) "
                "SELECT *, %s, %s, %s, %s FROM unnest(%s)",
                SQL.identifier(self._table),
                SQL(", ").join(SQL.identifier(name) for name in names),
                self.env.uid,
                now,
                self.env.uid,
                now,
                SQL(", ").join(columns),
            )
        )
        runs = self.env["gdpr.retention.run"].browse(
            {vals["run_id"] for vals in vals_list}
        )
        runs.invalidate_recordset(["line_ids"])
