# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading
import time
from contextlib import contextmanager

from odoo import api, fields, models, sql_db
from odoo.exceptions import UserError
from odoo.modules import module

_logger = logging.getLogger(__name__)

# A batch of a thousand contacts takes about a quarter of a second; every
# call ends with one sweep of the whole database (seconds on a million
# contacts), so a call takes many batches.
DEFAULT_BATCH_SIZE = 1000
DEFAULT_BATCHES_PER_CALL = 20

# PostgreSQL advisory lock taken by the run that changes data: ("gdpr", 1)
RUN_LOCK_KEY = (0x67647072, 1)
# the databases whose run lock this thread holds (the cron and a DPO's apply
# enter the lock, then the engine enters it again)
_held = threading.local()


class GdprRunInProgress(UserError):
    """Another retention run holds the lock: this one processes nothing."""


class GdprRetentionRun(models.Model):
    """One pass of the retention engine over the contacts whose data no
    purpose allows to keep any more: what it did (or, as a dry run, would
    do), to whom (by pseudonymous key), how long it took, what failed."""

    _name = "gdpr.retention.run"
    _description = "Retention Run"
    _order = "date_start desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    dry_run = fields.Boolean(readonly=True)
    scheduled = fields.Boolean(readonly=True, help="Started by the scheduled action.")
    as_of = fields.Datetime(
        string="Reference Date",
        required=True,
        readonly=True,
        default=fields.Datetime.now,
        help="Retention periods are compared with this date.",
    )
    state = fields.Selection(
        selection=[
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        required=True,
        readonly=True,
        default="running",
    )
    date_start = fields.Datetime(
        string="Started", readonly=True, default=fields.Datetime.now
    )
    date_end = fields.Datetime(string="Ended", readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Started By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    line_ids = fields.One2many(
        comodel_name="gdpr.retention.run.line",
        inverse_name="run_id",
        string="Contacts",
        readonly=True,
    )
    partner_count = fields.Integer(
        string="Contacts Processed", compute="_compute_counts", store=True
    )
    error_count = fields.Integer(string="Errors", compute="_compute_counts", store=True)
    summary = fields.Text(compute="_compute_counts", store=True)
    error_message = fields.Text(readonly=True)

    @api.depends("dry_run", "date_start")
    def _compute_name(self):
        for run in self:
            label = (
                self.env._("Retention dry run")
                if run.dry_run
                else self.env._("Retention run")
            )
            run.name = f"{label} {fields.Datetime.to_string(run.date_start) or ''}"

    @api.depends("line_ids.result", "line_ids.action", "line_ids.purpose_id")
    def _compute_counts(self):
        # grouped in SQL: a run may hold a hundred thousand lines, and this
        # is recomputed after every batch
        Line = self.env["gdpr.retention.run.line"].sudo()
        actions = dict(Line._fields["action"]._description_selection(self.env))
        groups = Line._read_group(
            [("run_id", "in", self.ids)],
            ["run_id", "purpose_id", "action", "result"],
            ["__count"],
        )
        stats = {}
        for run, purpose, action, result, count in groups:
            entry = stats.setdefault(run.id, {"total": 0, "errors": 0, "by": {}})
            entry["total"] += count
            if result == "error":
                entry["errors"] += count
            key = (purpose.display_name or "-", actions[action])
            entry["by"][key] = entry["by"].get(key, 0) + count
        for run in self:
            entry = stats.get(run.id, {"total": 0, "errors": 0, "by": {}})
            run.partner_count = entry["total"]
            run.error_count = entry["errors"]
            run.summary = "\n".join(
                f"{purpose} / {action}: {count}"
                for (purpose, action), count in sorted(entry["by"].items())
            )

    def _gdpr_recount(self):
        """Count the runs' lines again (once per call of the engine, and
        after a crash by the next call)."""
        for name in ("partner_count", "error_count", "summary"):
            self.env.add_to_compute(self._fields[name], self)
        self.flush_recordset(["partner_count", "error_count", "summary"])

    # ------------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_start(self, dry_run=False, as_of=None, scheduled=False):
        return self.sudo().create(
            {
                "dry_run": dry_run,
                "scheduled": scheduled,
                "as_of": as_of or fields.Datetime.now(),
            }
        )

    def _gdpr_execute(
        self,
        batch_size=DEFAULT_BATCH_SIZE,
        max_batches=None,
        auto_commit=False,
        subjects=None,
    ):
        """Process due people batch after batch; with ``auto_commit`` each
        batch is committed, so a crash or a kill loses nothing and the next
        call resumes. ``subjects`` limits the run to ``(model, id)`` pairs.
        Returns whether more may be due (1) or not (0)."""
        self.ensure_one()
        if not self.dry_run:
            with self._gdpr_exclusive():
                return self._gdpr_execute_locked(
                    batch_size, max_batches, auto_commit, subjects
                )
        return self._gdpr_execute_locked(batch_size, max_batches, auto_commit, subjects)

    @api.model
    @contextmanager
    def _gdpr_exclusive(self):
        """Hold the retention lock of this database for the block, or raise
        GdprRunInProgress at once. Two runs at the same time (the daily
        action on one worker, a DPO applying a dry run on another, or two
        cron workers) would each evaluate the same people as due and process
        them twice. The lock is a session lock taken on a connection of its
        own: it spans the per-batch commits of the run, is not lost when the
        run's transaction rolls back, and PostgreSQL releases it when a
        killed process's connection goes away."""
        dbname = self.env.cr.dbname
        held = getattr(_held, "dbnames", None)
        if held is None:
            held = _held.dbnames = {}
        if held.get(dbname):
            held[dbname] += 1
            try:
                yield
            finally:
                held[dbname] -= 1
            return
        lock_cr = sql_db.db_connect(dbname).cursor()
        try:
            lock_cr.execute("SELECT pg_try_advisory_lock(%s, %s)", RUN_LOCK_KEY)
            if not lock_cr.fetchone()[0]:
                raise GdprRunInProgress(
                    self.env._(
                        "Another retention run is in progress: this one processed "
                        "nothing. Try again once it has finished."
                    )
                )
            held[dbname] = 1
            try:
                yield
            finally:
                held[dbname] = 0
                lock_cr.execute("SELECT pg_advisory_unlock(%s, %s)", RUN_LOCK_KEY)
        finally:
            lock_cr.close()

    def _gdpr_execute_locked(self, batch_size, max_batches, auto_commit, subjects):
        run = self.sudo()
        started = time.monotonic()
        attempted = {(line.res_model, line._gdpr_subject_id()) for line in run.line_ids}
        Sweep = self.env["gdpr.erasure.sweep"]
        if not run.dry_run:
            # a call that died before its sweep left identifiers queued
            Sweep._gdpr_sweep_pending()
        # one evaluation of everybody per call; each batch is checked again
        # just before it is processed (someone may have come back meanwhile)
        budget = batch_size * max_batches if batch_size and max_batches else None
        candidates = run._gdpr_due_rows(budget, attempted, subjects)
        step = batch_size or len(candidates) or 1
        batches = 0
        for start in range(0, len(candidates), step):
            chunk = {
                (row["model"], row["res_id"])
                for row in candidates[start : start + step]
            }
            # nothing of the chunk was attempted yet: no exclusion to check
            rows = run._gdpr_due_rows(None, set(), chunk)
            attempted |= chunk
            if rows:
                run._gdpr_process_batch(rows)
            batches += 1
            run.duration += time.monotonic() - started
            started = time.monotonic()
            if auto_commit:
                # the contract: a batch done is a batch kept
                self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env["ir.cron"]._notify_progress(
                done=len(attempted),
                remaining=len(candidates)
                - start
                - len(chunk)
                + (1 if budget and len(candidates) >= budget else 0),
            )
        run._gdpr_recount()
        # a full budget means more may be due: the next call goes on
        remaining = 1 if budget and len(candidates) >= budget else 0
        if not run.dry_run:
            Sweep._gdpr_sweep_pending()
        if not remaining or not batches:
            run.write(
                {
                    "state": "done",
                    "date_end": fields.Datetime.now(),
                    "duration": run.duration + time.monotonic() - started,
                }
            )
            # who was processed is on the run's lines, by pseudonymous key
            self.env["gdpr.audit.log"]._gdpr_log(
                "retention",
                f"{run.display_name}: {'dry run, ' if run.dry_run else ''}"
                f"{len(run.line_ids)} processed",
                document=run,
            )
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return remaining

    def _gdpr_due_rows(self, limit, exclude, subjects=None):
        """What retention must process at the run's date, at most ``limit``
        rows, skipping the ``(model, id)`` pairs of ``exclude``: dicts with
        ``model``, ``res_id``, ``purpose_id``, ``action``, ``keep_until`` and
        ``hold``. Contacts here; other addons add their own records."""
        self.ensure_one()
        partner_ids = None
        if subjects is not None:
            partner_ids = [rid for model, rid in subjects if model == "res.partner"]
        rows = (
            self.env["res.partner"]
            .sudo()
            ._gdpr_retention_due(
                as_of=self.as_of,
                limit=limit,
                exclude_ids=[rid for model, rid in exclude if model == "res.partner"],
                partner_ids=partner_ids,
            )
        )
        for row in rows:
            row.update(model="res.partner", res_id=row["partner_id"])
        return rows

    def _gdpr_process_batch(self, rows):
        """Apply a batch: all together first; when that fails, one record at
        a time, each inside its own savepoint, so that every person is either
        fully processed or untouched and the failure is recorded."""
        self.ensure_one()
        Line = self.env["gdpr.retention.run.line"].sudo()
        keys = {}
        for model in {row["model"] for row in rows}:
            ids = [row["res_id"] for row in rows if row["model"] == model]
            keys.update(
                zip(
                    [(model, res_id) for res_id in ids],
                    self.env["gdpr.keyed.hash"]._gdpr_pseudonyms_of(model, ids),
                    strict=True,
                )
            )
        if self.dry_run:
            Line._gdpr_insert(
                [self._gdpr_line_vals(row, keys, "planned") for row in rows]
            )
            return
        try:
            with self.env.cr.savepoint():
                self._gdpr_apply_rows(rows)
            results = [(row, "done", False) for row in rows]
        except Exception:  # noqa: BLE001 - isolated record by record below
            self.env.invalidate_all()
            results = []
            for row in rows:
                try:
                    with self.env.cr.savepoint():
                        self._gdpr_apply_rows([row])
                    results.append((row, "done", False))
                except Exception as error:  # noqa: BLE001 - recorded on the line
                    self.env.invalidate_all()
                    _logger.warning(
                        "Retention failed for %s %s: %s",
                        row["model"],
                        keys[(row["model"], row["res_id"])][:10],
                        error,
                    )
                    results.append((row, "error", str(error)[:2000]))
        existing = set()
        for model in {row["model"] for row in rows}:
            ids = [row["res_id"] for row in rows if row["model"] == model]
            records = self.env[model].sudo().with_context(active_test=False)
            existing |= {(model, rid) for rid in records.browse(ids).exists().ids}
        vals_list = []
        for row, result, message in results:
            vals = self._gdpr_line_vals(row, keys, result, message)
            if (row["model"], row["res_id"]) not in existing:
                vals.update(self._gdpr_line_subject_vals(row["model"], False))
            vals_list.append(vals)
        Line._gdpr_insert(vals_list)

    def _gdpr_apply_rows(self, rows):
        """Apply the rows' actions, grouped so that each group is one
        set-based call."""
        Purpose = self.env["gdpr.purpose"].sudo()
        groups = {}
        for row in rows:
            key = (row["model"], row["purpose_id"], row["action"], bool(row["hold"]))
            groups.setdefault(key, []).append(row["res_id"])
        for (model, purpose_id, action, hold), res_ids in groups.items():
            self.env[model].sudo().with_context(
                active_test=False, gdpr_retention=True, gdpr_defer_sweep=True
            ).browse(res_ids)._gdpr_retention_apply(
                Purpose.browse(purpose_id), action, hold=hold
            )
        self.env.flush_all()

    @api.model
    def _gdpr_line_subject_vals(self, model, res_id):
        """Line values naming the record processed (empty once deleted)."""
        if model == "res.partner":
            return {"res_model": model, "partner_id": res_id}
        return {"res_model": model}

    @api.model
    def _gdpr_effective_action(self, row):
        """What retention does to a due row: under a legal hold, deleting or
        anonymising becomes keeping only what the hold covers."""
        if row["hold"] and row["action"] in ("delete", "anonymise"):
            return "minimise"
        return row["action"]

    @api.model
    def _gdpr_line_vals(self, row, keys, result, message=False):
        action = self._gdpr_effective_action(row)
        return {
            "run_id": self.id,
            **self._gdpr_line_subject_vals(row["model"], row["res_id"]),
            "partner_key": keys[(row["model"], row["res_id"])],
            "purpose_id": row["purpose_id"],
            "action": action,
            # only periods already over reach here: never the unlimited ones
            "keep_until": row["keep_until"],
            "hold_reason": row["hold"] or False,
            "result": result,
            "message": message,
        }

    @api.model
    def _cron_gdpr_retention(self):
        """Daily: resume the scheduled run left unfinished (killed, or past
        its batch budget), or start one; commit after every batch."""
        icp = self.env["ir.config_parameter"].sudo()
        batch_size = int(
            icp.get_param("gdpr_compliance.retention_batch_size", DEFAULT_BATCH_SIZE)
        )
        batches = int(
            icp.get_param(
                "gdpr_compliance.retention_batches_per_call", DEFAULT_BATCHES_PER_CALL
            )
        )
        try:
            with self._gdpr_exclusive():
                return self._gdpr_cron_call(batch_size, batches)
        except GdprRunInProgress:
            # the other run goes on; the next call resumes whatever remains
            _logger.info("Retention: another run is in progress, nothing done")
            return 0

    @api.model
    def _gdpr_cron_call(self, batch_size, batches):
        run = self.sudo().search(
            [("scheduled", "=", True), ("state", "=", "running")],
            order="id desc",
            limit=1,
        ) or self._gdpr_start(scheduled=True)
        try:
            return run._gdpr_execute(
                batch_size=batch_size,
                max_batches=batches,
                auto_commit=not module.current_test,
            )
        except Exception as error:
            if module.current_test:
                raise
            self.env.cr.rollback()
            run.write(
                {
                    "state": "failed",
                    "date_end": fields.Datetime.now(),
                    "error_message": str(error)[:2000],
                }
            )
            self.env.cr.commit()  # pylint: disable=invalid-commit
            raise

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _gdpr_check_officer(self):
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise UserError(
                self.env._("Only the Data Protection Officer may run retention.")
            )

    def action_apply(self):
        """From a dry run: apply retention to the contacts it listed that are
        still due, now."""
        self.ensure_one()
        self._gdpr_check_officer()
        if not self.dry_run:
            raise UserError(self.env._("Only a dry run can be applied."))
        subjects = {
            (line.res_model, line._gdpr_subject_id())
            for line in self.line_ids
            if line._gdpr_subject_id()
        }
        if not subjects:
            raise UserError(self.env._("This dry run found nobody to process."))
        with self._gdpr_exclusive():
            run = self._gdpr_start()
            run._gdpr_execute(subjects=subjects)
        return run._gdpr_open()

    @api.model
    def _gdpr_preview(self, as_of=None):
        """A dry run: who would be processed on ``as_of`` (default now), by
        which purpose and action, changing nothing."""
        self._gdpr_check_officer()
        run = self._gdpr_start(dry_run=True, as_of=as_of)
        run._gdpr_execute()
        return run

    def _gdpr_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
