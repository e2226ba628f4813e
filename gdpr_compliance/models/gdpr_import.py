# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import logging
import mimetypes
import threading
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.mimetypes import guess_mimetype

from .gdpr_import_apply import ImportAborted
from .gdpr_import_line import STATUS_SEQUENCE
from .gdpr_purpose import LEGAL_BASIS_SELECTION

_logger = logging.getLogger(__name__)

IMPORT_STATE_SELECTION = [
    ("draft", "File"),
    ("mapped", "Columns"),
    ("checking", "Checking"),
    ("checked", "Checked"),
    ("importing", "Importing"),
    ("done", "Imported"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# States in which the scheduled action is doing the work.
RUNNING_STATES = ("checking", "importing")
# States in which the file and the settings may still change.
EDITABLE_STATES = ("draft", "mapped", "checked", "failed")

DUPLICATE_MODE_SELECTION = [
    ("skip", "Skip: leave the existing contact as it is"),
    ("merge", "Merge: fill the existing contact's empty fields"),
]

BACKGROUND_PARAMETER = "gdpr_compliance.import_background_rows"
# Two imports never run at once: each must see the contacts the other adds.
IMPORT_LOCK = 7_365_021


class GdprImport(models.Model):
    """A file of contacts imported lawfully: the person states, for the
    whole file, where the data come from, on which basis and after which
    privacy notice; every row is checked before anything is written; the
    import is all or nothing; the consents in the file go to the ledger with
    the file as evidence."""

    _name = "gdpr.import"
    _description = "Privacy Import"
    _order = "id desc"
    _rec_name = "file_name"

    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Imported By",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
        ondelete="restrict",
    )
    state = fields.Selection(
        selection=IMPORT_STATE_SELECTION,
        required=True,
        readonly=True,
        default="draft",
        index=True,
    )
    file = fields.Binary(
        attachment=False,
        help="CSV or Excel (XLSX) file with a header row. Kept until it is "
        "imported; then only the evidence copy stays.",
    )
    file_name = fields.Char()
    file_type = fields.Char(compute="_compute_file_type")
    file_sha256 = fields.Char(
        string="File SHA-256",
        readonly=True,
        help="Fingerprint of the file as uploaded.",
    )
    csv_separator = fields.Selection(
        selection=[(",", "Comma"), (";", "Semicolon"), ("\t", "Tab"), ("|", "Pipe")],
        string="CSV Separator",
        help="Leave empty to let Odoo find it.",
    )
    sheet_name = fields.Char(
        string="Excel Sheet", help="Leave empty to read the first sheet."
    )
    source_id = fields.Many2one(
        comodel_name="gdpr.source",
        string="Data Source",
        required=True,
        domain=[("is_automatic", "=", False)],
        help="Where the people of the file were met (Art. 14(2)(f) GDPR); a "
        "column of the file may give another source row by row.",
    )
    source_detail = fields.Char(
        help="E.g. the fair or the campaign; the file name when empty."
    )
    legal_basis = fields.Selection(
        selection=LEGAL_BASIS_SELECTION,
        required=True,
        help="Why the company may hold these data (Art. 6(1) GDPR); a column "
        "of the file may give another basis row by row.",
    )
    collection_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="When the data were collected; a column may give it row by row.",
    )
    consent_purpose_id = fields.Many2one(
        comodel_name="gdpr.purpose",
        string="Consent For",
        required=True,
        default=lambda self: self.env.ref(
            "gdpr_compliance.gdpr_purpose_marketing", raise_if_not_found=False
        ),
        help="The purpose the consent columns of the file are about.",
    )
    notice_id = fields.Many2one(
        comodel_name="gdpr.privacy.notice",
        string="Notice Version Shown",
        domain="[('purpose_ids', 'in', consent_purpose_id)]",
        help="The version of the privacy notice the people read when they "
        "answered. Required for the rows that record a consent answer.",
    )
    duplicate_mode = fields.Selection(
        selection=DUPLICATE_MODE_SELECTION,
        string="Duplicate Rows",
        required=True,
        default="skip",
        help="A row whose email, phone or (for a company) tax ID is already "
        "a contact's. Merging never overwrites a value of the contact.",
    )
    column_ids = fields.One2many(
        comodel_name="gdpr.import.column", inverse_name="import_id", string="Columns"
    )
    line_ids = fields.One2many(
        comodel_name="gdpr.import.line", inverse_name="import_id", string="Rows Checked"
    )
    row_count = fields.Integer(string="Rows in File", readonly=True)
    count_new = fields.Integer(string="New", readonly=True)
    count_duplicate = fields.Integer(string="Duplicates", readonly=True)
    count_suppressed = fields.Integer(string="Suppressed", readonly=True)
    count_invalid = fields.Integer(string="Invalid", readonly=True)
    count_created = fields.Integer(string="Contacts Created", readonly=True)
    count_merged = fields.Integer(string="Rows Merged", readonly=True)
    count_skipped = fields.Integer(string="Rows Skipped", readonly=True)
    count_events = fields.Integer(string="Consent Events", readonly=True)
    report_file = fields.Binary(string="Error Report", attachment=False, readonly=True)
    report_filename = fields.Char(readonly=True)
    evidence_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Evidence File",
        readonly=True,
        help="The file as imported, attached once to every consent event of "
        "the import (rows of suppressed people left out).",
    )
    evidence_sha256 = fields.Char(string="Evidence SHA-256", readonly=True)
    error_message = fields.Text(readonly=True)
    checked_on = fields.Datetime(readonly=True)
    imported_on = fields.Datetime(readonly=True)
    partner_count = fields.Integer(compute="_compute_partner_count")

    @api.depends("file_name")
    def _compute_display_name(self):
        for imp in self:
            imp.display_name = imp.file_name or self.env._("New import")

    @api.depends("file", "file_name")
    def _compute_file_type(self):
        # as a browser says it when uploading to Odoo's Import screen: from
        # the name, else from the content
        for imp in self:
            raw = base64.b64decode(imp.file or b"")
            by_name = mimetypes.guess_type(imp.file_name or "")[0]
            imp.file_type = by_name or (guess_mimetype(raw[:1024]) if raw else False)

    def _compute_partner_count(self):
        groups = self.env["res.partner"]._read_group(
            [("gdpr_import_id", "in", self.ids)], ["gdpr_import_id"], ["__count"]
        )
        counts = {imp.id: count for imp, count in groups}
        for imp in self:
            imp.partner_count = counts.get(imp.id, 0)

    @api.constrains("notice_id", "consent_purpose_id")
    def _check_notice_covers_purpose(self):
        for imp in self:
            if (
                imp.notice_id
                and imp.consent_purpose_id not in imp.notice_id.purpose_ids
            ):
                raise ValidationError(
                    self.env._(
                        "Privacy notice %(notice)s does not cover %(purpose)s.",
                        notice=imp.notice_id.name,
                        purpose=imp.consent_purpose_id.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_imported(self):
        # where the contacts and consents came from, and the evidence of the
        # consents, are kept as long as they are (Art. 5(2), 7(1))
        if self.filtered(lambda imp: imp.state in ("done", *RUNNING_STATES)):
            raise UserError(
                self.env._(
                    "An import that ran records where its contacts and consents "
                    "came from: it cannot be deleted."
                )
            )

    @api.autovacuum
    def _gc_gdpr_stale_imports(self):
        """Imports left unfinished for a week are cancelled: the file and the
        rows read from it are personal data kept for no purpose any more
        (Art. 5(1)(e))."""
        stale = self.sudo().search(
            [
                ("state", "in", EDITABLE_STATES),
                ("write_date", "<", fields.Datetime.now() - timedelta(days=7)),
            ]
        )
        stale.action_cancel()

    # ------------------------------------------------------------------
    # Who writes what
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self._gdpr_check_client_vals(vals_list)
        imports = super().create(vals_list)
        imports.filtered("file").sudo()._gdpr_store_fingerprint()
        return imports

    def write(self, vals):
        if self.env.su:
            return super().write(vals)
        self._gdpr_check_client_vals([vals])
        # what a client may write is what the check of the file depends on
        settings = set(vals) - {"column_ids"}
        if settings:
            self._gdpr_check_editable()
        result = super().write(vals)
        if settings:
            self._gdpr_reset_check()
        if "file" in vals:
            # another file: its columns are read again
            self.sudo().write({"state": "draft", "column_ids": [(5, 0, 0)]})
            self.filtered("file").sudo()._gdpr_store_fingerprint()
        return result

    @api.model
    def _gdpr_check_client_vals(self, vals_list):
        """The read-only fields of an import are the application's (written
        as superuser): a client sending them is refused."""
        system = {name for name, field in self._fields.items() if field.readonly} | {
            "line_ids"
        }
        refused = sorted({name for vals in vals_list for name in vals} & system)
        if refused:
            raise AccessError(
                self.env._(
                    "These fields of an import are set by the application: %(fields)s.",
                    fields=", ".join(refused),
                )
            )

    def _gdpr_check_editable(self):
        locked = self.filtered(lambda imp: imp.state not in EDITABLE_STATES)
        if locked:
            raise UserError(
                self.env._(
                    "The import of %(file)s is %(state)s: its file and settings "
                    "can no longer change.",
                    file=locked[0].file_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        locked[0].state
                    ].lower(),
                )
            )

    def _gdpr_reset_check(self):
        """Settings or columns changed: the last check no longer holds."""
        checked = self.filtered(lambda imp: imp.state in ("checked", "failed"))
        if checked:
            checked.sudo()._gdpr_clear_lines()
            checked.sudo().write(
                {
                    "state": "mapped",
                    "count_new": 0,
                    "count_duplicate": 0,
                    "count_suppressed": 0,
                    "count_invalid": 0,
                    "report_file": False,
                    "report_filename": False,
                    "error_message": False,
                }
            )

    def _gdpr_store_fingerprint(self):
        for imp in self:
            imp.file_sha256 = hashlib.sha256(base64.b64decode(imp.file)).hexdigest()

    def _gdpr_clear_lines(self):
        self.env.cr.execute(
            SQL("DELETE FROM gdpr_import_line WHERE import_id = ANY(%s)", self.ids)
        )
        self.invalidate_recordset(["line_ids"])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _gdpr_check_state(self, states):
        for imp in self:
            if imp.state not in states:
                raise UserError(
                    self.env._(
                        "This step is not available for an import that is %(state)s.",
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[imp.state].lower(),
                    )
                )

    def action_read_file(self):
        """Read the file's header and suggest what each column is."""
        self.ensure_one()
        self._gdpr_check_state(EDITABLE_STATES)
        columns, row_count, options = self.env["gdpr.import.column"]._gdpr_suggestions(
            self
        )
        self.sudo()._gdpr_clear_lines()
        self.sudo().write(
            {
                "state": "mapped",
                "row_count": row_count,
                "column_ids": [(5, 0, 0)] + [(0, 0, vals) for vals in columns],
                "csv_separator": options.get("separator") or self.csv_separator,
                "error_message": False,
                "report_file": False,
                "report_filename": False,
            }
        )
        return True

    def action_check(self):
        """Check every row; in the background for a large file."""
        self.ensure_one()
        self._gdpr_check_state(("mapped", "checked", "failed"))
        if self._gdpr_in_background():
            return self._gdpr_queue("checking")
        self._gdpr_run_check()
        return True

    def action_import(self):
        """Import the checked file, all or nothing."""
        self.ensure_one()
        self._gdpr_check_state(("checked",))
        self.env["res.partner"].check_access("create")
        if self._gdpr_in_background():
            return self._gdpr_queue("importing")
        self._gdpr_run_import()
        return True

    def action_cancel(self):
        self._gdpr_check_state(EDITABLE_STATES)
        self.sudo()._gdpr_clear_lines()
        self.sudo().write({"state": "cancelled", "file": False})
        return True

    def action_download_report(self):
        self.ensure_one()
        if not self.report_file:
            raise UserError(self.env._("There is no error report for this import."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/report_file/"
            f"{self.report_filename}?download=true",
            "target": "self",
        }

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "contacts.action_contacts"
        )
        action["domain"] = [("gdpr_import_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "gdpr_compliance.gdpr_import_line_action"
        )
        action["domain"] = [("import_id", "=", self.id)]
        status = self.env.context.get("gdpr_line_status")
        if status in dict(STATUS_SEQUENCE):
            action["context"] = {f"search_default_{status}": 1}
        return action

    # ------------------------------------------------------------------
    # Running, here or in the background
    # ------------------------------------------------------------------

    def _gdpr_in_background(self):
        limit = int(
            self.env["ir.config_parameter"].sudo().get_param(BACKGROUND_PARAMETER, 2000)
            or 0
        )
        return bool(limit) and self.row_count > limit

    def _gdpr_queue(self, state):
        self.sudo().write({"state": state, "error_message": False})
        self.env.ref("gdpr_compliance.ir_cron_gdpr_import").sudo()._trigger()
        return True

    @api.model
    def _cron_gdpr_import(self):
        """Run the checks and imports queued for the background, each in its
        own transaction, as the person who asked for it."""
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        queued = self.sudo().search([("state", "in", RUNNING_STATES)], order="id")
        for done, imp in enumerate(queued, start=1):
            imp._gdpr_run_queued()
            if auto_commit:
                # one import per transaction: the next is not undone with it
                self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env["ir.cron"]._notify_progress(
                done=done, remaining=len(queued) - done
            )

    def _gdpr_run_queued(self):
        self.ensure_one()
        user = self.user_id
        imp = self.with_user(user).with_context(lang=user.lang, tz=user.tz)
        queued_state = self.state
        try:
            with self.env.cr.savepoint():
                if queued_state == "checking":
                    imp._gdpr_run_check()
                else:
                    imp._gdpr_run_import()
        except Exception as error:  # noqa: BLE001 - a bad file must not stop the queue
            if not isinstance(error, UserError | ValidationError):
                _logger.exception("Privacy import %s failed", self.id)
            self.sudo().write(
                {
                    "state": "mapped" if queued_state == "checking" else "checked",
                    "error_message": str(error),
                }
            )
        imp._gdpr_notify_finished()

    def _gdpr_run_check(self):
        rows = self.env["gdpr.import.triage"]._gdpr_plan(self)
        self.env["gdpr.import.line"]._gdpr_store(self, rows)
        self.sudo().write({"state": "checked", "checked_on": fields.Datetime.now()})

    def _gdpr_run_import(self):
        """Check the file again (contacts may have been added since) and
        write it in one transaction: any error undoes everything written and
        leaves an error report instead."""
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", IMPORT_LOCK))
        Line = self.env["gdpr.import.line"]
        try:
            with self.env.cr.savepoint():
                rows = self.env["gdpr.import.triage"]._gdpr_plan(self)
                if any(row.status == "invalid" for row in rows):
                    raise ImportAborted(Line._gdpr_issues(rows), rows)
                result = self.env["gdpr.import.apply"]._gdpr_apply(self, rows)
        except ImportAborted as aborted:
            # as base_import after a rolled back import: nothing created may
            # stay in a cache
            self.env.registry.clear_all_caches()
            self.env.registry.reset_changes()
            if aborted.rows:
                Line._gdpr_store(self, aborted.rows)
            self.sudo().write(
                {
                    "state": "failed",
                    "report_file": base64.b64encode(
                        Line._gdpr_report_csv(aborted.issues)
                    ),
                    "report_filename": f"{self.file_name or 'import'}-errors.csv",
                    "error_message": self.env._(
                        "Nothing was imported: %(count)s problems in the file "
                        "(rows %(rows)s). Download the error report, correct "
                        "the file and upload it again.",
                        count=len(aborted.issues),
                        rows=", ".join(
                            str(number)
                            for number in sorted(
                                {issue[0] for issue in aborted.issues}
                            )[:20]
                        ),
                    ),
                }
            )
            return
        self.env["gdpr.import.column"]._gdpr_save_mappings(self)
        self.sudo()._gdpr_clear_lines()
        self.sudo().write(
            dict(
                result,
                state="done",
                imported_on=fields.Datetime.now(),
                # the evidence copy is what stays of the file
                file=False,
                report_file=False,
                report_filename=False,
                error_message=False,
            )
        )
        self.column_ids.sudo().write({"example": False})

    def _gdpr_progress(self, label, done, total):
        """Tell the person how far the work is, at most once a second. Sent
        from a cursor of its own: the work's transaction commits only at the
        end, all or nothing."""
        self.ensure_one()
        now = time.monotonic()
        key = (self.env.cr.dbname, self.id)
        if done < total and now - _LAST_PROGRESS.get(key, 0) < 1:
            return
        _LAST_PROGRESS[key] = now
        message = {"import_id": self.id, "label": label, "done": done, "total": total}
        if getattr(threading.current_thread(), "testing", False) and (
            not self.env.registry.in_test_mode()
        ):
            # a test's own transaction: a second connection would see none of
            # its data and commit for real
            self.env.user._bus_send("gdpr_import_progress", message)
            return
        with self.env.registry.cursor() as cr:
            api.Environment(cr, self.env.uid, {}).user._bus_send(
                "gdpr_import_progress", message
            )

    def _gdpr_notify_finished(self):
        """Sent with the work's own commit: the form reloads, and the person
        is told wherever they are in Odoo."""
        self.ensure_one()
        self.env.user._bus_send(
            "gdpr_import_progress", {"import_id": self.id, "finished": True}
        )
        if self.error_message:
            kind, message = "danger", self.error_message
        elif self.state == "done":
            kind, message = (
                "success",
                self.env._(
                    "%(file)s imported: %(created)s contacts created, %(merged)s "
                    "rows merged, %(events)s consent events.",
                    file=self.file_name,
                    created=self.count_created,
                    merged=self.count_merged,
                    events=self.count_events,
                ),
            )
        else:
            kind, message = (
                "warning" if self.count_invalid else "info",
                self.env._(
                    "%(file)s checked: %(new)s new, %(duplicate)s duplicates, "
                    "%(suppressed)s suppressed, %(invalid)s invalid.",
                    file=self.file_name,
                    new=self.count_new,
                    duplicate=self.count_duplicate,
                    suppressed=self.count_suppressed,
                    invalid=self.count_invalid,
                ),
            )
        self.env.user._bus_send(
            "simple_notification",
            {
                "type": kind,
                "title": self.env._("Privacy import"),
                "message": message,
                "sticky": kind == "danger",
            },
        )


_LAST_PROGRESS = {}
