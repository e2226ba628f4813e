# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime

from .gdpr_request import CLOSED_STATES

# A verification older than this no longer tells the evidence is intact.
CHAIN_VERIFICATION_DAYS = 30
DUE_SOON_DAYS = 7
# Odoo's lists count up to 10,000 records and show "10000+" beyond
# (RelationalModel.DEFAULT_COUNT_LIMIT of the web client): the tiles count
# the same way, so that no tile costs more than counting that many rows.
COUNT_LIMIT = 10000


class GdprOverview(models.AbstractModel):
    """The DPO's overview: what needs attention today, as tiles holding a
    number and opening the records behind it. Every number is one counting
    query (search_count or read_group) with the same domain the tile opens,
    so the number and the list agree; slow figures (retention) are counted
    ahead by the daily scheduled action. Other addons add tiles by extending
    ``_gdpr_sections`` and ``_gdpr_tiles``."""

    _name = "gdpr.overview"
    _description = "Privacy Overview"

    # ------------------------------------------------------------------
    # Definitions
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_sections(self):
        """``[(key, title)]`` in display order."""
        return [
            ("basis", self.env._("Legal basis and consent")),
            ("requests", self.env._("Data-subject requests")),
            ("retention", self.env._("Retention")),
            ("evidence", self.env._("Evidence")),
            ("security", self.env._("Security and configuration checks")),
        ]

    @api.model
    def _gdpr_tiles(self):
        """Every tile, as dicts: ``key``, ``section``, ``sequence``, ``label``
        and either ``model`` and ``domain`` (counted, or summed on
        ``sum_field``; ``alert`` is its level when not zero, and the tile
        opens that domain), or ``compute`` and ``open``, the names of the
        methods returning its figures and the action it opens."""
        today = fields.Date.context_today(self)
        month_start, month_end = self._gdpr_month_bounds()
        open_request = [("state", "not in", CLOSED_STATES)]
        tiles = [
            {
                "key": "partner_no_basis",
                "section": "basis",
                "sequence": 10,
                "label": self.env._("Contacts without legal basis"),
                "model": "res.partner",
                "domain": [
                    ("is_company", "=", False),
                    ("gdpr_legal_basis", "=", False),
                ],
                "alert": "danger",
            },
            {
                "key": "partner_to_review",
                "section": "basis",
                "sequence": 20,
                "label": self.env._("Contacts with a basis to review"),
                "model": "res.partner",
                "domain": [("gdpr_basis_to_review", "=", True)],
                "alert": "warning",
            },
            {
                "key": "lead_no_basis",
                "section": "basis",
                "sequence": 30,
                "label": self.env._("Leads without legal basis"),
                "model": "crm.lead",
                "domain": [("gdpr_legal_basis", "=", False)],
                "alert": "danger",
            },
            {
                "key": "lead_no_consent",
                "section": "basis",
                "sequence": 40,
                "label": self.env._("Leads on consent without a consent"),
                "model": "crm.lead",
                "domain": [("gdpr_consent_missing", "=", True)],
                "alert": "danger",
            },
            {
                "key": "request_open",
                "section": "requests",
                "sequence": 10,
                "label": self.env._("Open requests"),
                "model": "gdpr.request",
                "domain": open_request,
                "alert": "info",
            },
            {
                "key": "request_due_soon",
                "section": "requests",
                "sequence": 20,
                "label": self.env._("Due within %(days)s days", days=DUE_SOON_DAYS),
                "model": "gdpr.request",
                "domain": open_request
                + [
                    ("deadline", ">=", fields.Date.to_string(today)),
                    (
                        "deadline",
                        "<=",
                        fields.Date.to_string(today + timedelta(days=DUE_SOON_DAYS)),
                    ),
                ],
                "alert": "warning",
            },
            {
                "key": "request_overdue",
                "section": "requests",
                "sequence": 30,
                "label": self.env._("Overdue requests"),
                "model": "gdpr.request",
                "domain": [("is_overdue", "=", True)],
                "alert": "danger",
            },
        ]
        tiles += [
            {
                "key": f"retention_{action}",
                "section": "retention",
                "sequence": 10 + index,
                "label": label,
                "compute": "_gdpr_tile_retention_due",
                "open": "_gdpr_open_retention_due",
                "action_key": action,
            }
            for index, (action, label) in enumerate(
                self.env["gdpr.retention.forecast"]._selection_action()
            )
        ]
        tiles += [
            {
                "key": "retention_last_run",
                "section": "retention",
                "sequence": 50,
                "label": self.env._("Last retention run"),
                "compute": "_gdpr_tile_last_run",
                "open": "_gdpr_open_last_run",
            },
            {
                "key": "hold_ending",
                "section": "retention",
                "sequence": 60,
                "label": self.env._("Legal holds ending this month"),
                "model": "gdpr.legal.hold",
                "domain": [
                    ("date_until", ">=", fields.Date.to_string(month_start)),
                    ("date_until", "<", fields.Date.to_string(month_end)),
                ],
                "alert": "warning",
            },
        ]
        tiles += [
            {
                "key": f"chain_{log_model.replace('.', '_')}",
                "section": "evidence",
                "sequence": 10 + index,
                "label": label,
                "compute": "_gdpr_tile_chain",
                "open": "_gdpr_open_chain",
                "log_model": log_model,
            }
            for index, (log_model, label) in enumerate(
                self.env["gdpr.chain.verification"]._selection_log_model()
            )
        ]
        tiles += [
            {
                "key": f"check_{status}",
                "section": "security",
                "sequence": 10 + index,
                "label": label,
                "model": "gdpr.security.check",
                "domain": [("status", "=", status)],
                "alert": alert,
                "compute": "_gdpr_tile_checks",
            }
            for index, (status, label, alert) in enumerate(
                [
                    ("failing", self.env._("Failing checks"), "danger"),
                    ("warning", self.env._("Checks with a warning"), "warning"),
                    ("ok", self.env._("Checks passed"), "success"),
                ]
            )
        ]
        return tiles

    @api.model
    def _gdpr_month_bounds(self):
        """This month in the user's time zone: ``(first day, first day of the
        next month)``."""
        start = fields.Date.context_today(self).replace(day=1)
        end = start + relativedelta(months=1)
        return start, end

    @api.model
    def _gdpr_month_instants(self):
        """This month's first instant and the next one's, in UTC, as the
        strings datetime domains take."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        return tuple(
            fields.Datetime.to_string(
                tz.localize(datetime.combine(day, time.min))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )
            for day in self._gdpr_month_bounds()
        )

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_check_officer(self):
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._("The privacy overview is for the Data Protection Officer.")
            )

    @api.model
    def _gdpr_visible_tiles(self):
        """The tiles whose records the user may read."""
        return [
            tile
            for tile in self._gdpr_tiles()
            if not tile.get("model") or self.env[tile["model"]].has_access("read")
        ]

    @api.model
    def _gdpr_tile(self, key):
        for tile in self._gdpr_visible_tiles():
            if tile["key"] == key:
                return tile
        raise UserError(self.env._("Unknown overview tile %(key)r.", key=key))

    @api.model
    def _gdpr_count(self, tile):
        """The tile's number: its domain counted up to ``COUNT_LIMIT`` (one
        more tells there are more), or its field summed."""
        Model = self.env[tile["model"]]
        if tile.get("sum_field"):
            [(total,)] = Model._read_group(
                tile["domain"], [], [f"{tile['sum_field']}:sum"]
            )
            return total or 0
        return Model.search_count(tile["domain"], limit=COUNT_LIMIT + 1)

    @api.model
    def _gdpr_count_figures(self, tile):
        """``value`` (and ``more`` past ``COUNT_LIMIT``) of a counted tile."""
        value = self._gdpr_count(tile)
        if value > COUNT_LIMIT and not tile.get("sum_field"):
            return {"value": COUNT_LIMIT, "more": True}
        return {"value": value, "more": False}

    @api.model
    def _gdpr_figures(self, tile):
        """``value``, ``more``, ``caption``, ``level`` and optionally
        ``tooltip`` of a tile."""
        if tile.get("compute"):
            return getattr(self, tile["compute"])(tile)
        figures = self._gdpr_count_figures(tile)
        return {
            **figures,
            "caption": False,
            "level": tile["alert"] if figures["value"] else "success",
        }

    @api.model
    def get_overview(self):
        """Everything the overview shows, for the web client."""
        self._gdpr_check_officer()
        tiles = sorted(
            self._gdpr_visible_tiles(),
            key=lambda tile: (tile["section"], tile["sequence"]),
        )
        sections = []
        for key, title in self._gdpr_sections():
            section_tiles = [
                {
                    "key": tile["key"],
                    "label": tile["label"],
                    **self._gdpr_figures(tile),
                }
                for tile in tiles
                if tile["section"] == key
            ]
            if section_tiles:
                sections.append({"key": key, "title": title, "tiles": section_tiles})
        return {"sections": sections, "charts": self._gdpr_charts()}

    @api.model
    def _gdpr_charts(self):
        """The graphs: Odoo's own graph view, on these domains."""
        since = fields.Date.context_today(self).replace(day=1) - relativedelta(
            months=11
        )
        return [
            {
                "key": "consents",
                "title": self.env._("Consents given and withdrawn per month"),
                "model": "gdpr.consent.event",
                "view_id": self.env.ref(
                    "gdpr_compliance.gdpr_consent_event_view_graph"
                ).id,
                "domain": [
                    ("action", "in", ["given", "withdrawn"]),
                    ("event_time", ">=", fields.Datetime.to_string(since)),
                ],
            },
            {
                "key": "requests",
                "title": self.env._("Requests per type"),
                "model": "gdpr.request",
                "view_id": self.env.ref("gdpr_compliance.gdpr_request_view_graph").id,
                "domain": [],
            },
        ]

    # ------------------------------------------------------------------
    # Computed tiles
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_tile_retention_due(self, tile):
        forecast = (
            self.env["gdpr.retention.forecast"]
            .sudo()
            .search([("action", "=", tile["action_key"])], limit=1)
        )
        if not forecast:
            return {
                "value": "–",
                "caption": self.env._("Not counted yet"),
                "level": "muted",
            }
        return {
            "value": forecast.partner_count,
            "caption": self.env._("due at the next run"),
            "tooltip": self.env._(
                "Counted on %(counted)s for the run of %(run)s",
                counted=self._gdpr_format_datetime(forecast.computed_on),
                run=self._gdpr_format_datetime(forecast.as_of),
            ),
            "level": "info" if forecast.partner_count else "success",
        }

    @api.model
    def _gdpr_last_run(self):
        """The last retention run that changed data (dry runs change none)."""
        return self.env["gdpr.retention.run"].search(
            [("dry_run", "=", False)], order="date_start desc, id desc", limit=1
        )

    @api.model
    def _gdpr_tile_last_run(self, tile):
        run = self._gdpr_last_run()
        if not run:
            return {
                "value": self.env._("None yet"),
                "caption": False,
                "level": "warning",
            }
        states = dict(run._fields["state"]._description_selection(self.env))
        if run.state == "failed":
            level = "danger"
        elif run.error_count or run.state == "running":
            level = "warning"
        else:
            level = "success"
        return {
            "value": states[run.state],
            "caption": self.env._(
                "%(date)s: %(count)s processed, %(errors)s errors",
                date=self._gdpr_format_datetime(run.date_start),
                count=run.partner_count,
                errors=run.error_count,
            ),
            "level": level,
        }

    @api.model
    def _gdpr_tile_chain(self, tile):
        verification = (
            self.env["gdpr.chain.verification"]._gdpr_latest().get(tile["log_model"])
        )
        if not verification:
            return {
                "value": self.env._("Never verified"),
                "caption": False,
                "level": "warning",
            }
        caption = self.env._(
            "verified %(date)s, %(count)s entries",
            date=self._gdpr_format_datetime(verification.date),
            count=verification.entry_count,
        )
        if not verification.intact:
            return {
                "value": self.env._("Tampered"),
                "caption": caption,
                "level": "danger",
            }
        recent = verification.date >= fields.Datetime.now() - timedelta(
            days=CHAIN_VERIFICATION_DAYS
        )
        return {
            "value": self.env._("Intact"),
            "caption": caption,
            "level": "success" if recent else "warning",
        }

    @api.model
    def _gdpr_tile_checks(self, tile):
        value = self._gdpr_count(tile)
        last = self.env["gdpr.security.check"].search(
            [("checked_on", "!=", False)], order="checked_on desc", limit=1
        )
        return {
            "value": value,
            "caption": self.env._(
                "checked %(date)s", date=self._gdpr_format_datetime(last.checked_on)
            )
            if last
            else self.env._("Not checked yet"),
            "level": tile["alert"] if value else "muted",
        }

    @api.model
    def _gdpr_format_datetime(self, value):
        return format_datetime(self.env, value, dt_format="short")

    # ------------------------------------------------------------------
    # Click-through
    # ------------------------------------------------------------------

    @api.model
    def action_open_tile(self, key):
        """The records behind a tile, as a window action."""
        self._gdpr_check_officer()
        if not isinstance(key, str):
            raise UserError(self.env._("Name the tile to open."))
        tile = self._gdpr_tile(key)
        if tile.get("open"):
            return getattr(self, tile["open"])(tile)
        return self._gdpr_window(tile["label"], tile["model"], tile["domain"])

    @api.model
    def _gdpr_window(self, name, model, domain, context=None):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": domain,
            "views": [[False, "list"], [False, "form"]],
            "context": context or {},
            "target": "current",
        }

    @api.model
    def _gdpr_open_retention_due(self, tile):
        # who is due now, at the next run's date; archived contacts too,
        # since retention processes them as well
        Forecast = self.env["gdpr.retention.forecast"]
        due = Forecast._gdpr_due_by_action(Forecast._gdpr_next_run_date())
        return self._gdpr_window(
            tile["label"],
            "res.partner",
            [("id", "in", due.get(tile["action_key"], []))],
            context={"active_test": False},
        )

    @api.model
    def _gdpr_open_last_run(self, tile):
        run = self._gdpr_last_run()
        if run:
            return run._gdpr_open()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "gdpr_compliance.gdpr_retention_run_action"
        )

    @api.model
    def _gdpr_open_chain(self, tile):
        return self._gdpr_window(
            tile["label"],
            "gdpr.chain.verification",
            [("log_model", "=", tile["log_model"])],
        )
