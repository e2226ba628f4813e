# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL


class GdprLastInteractionMixin(models.AbstractModel):
    """The last exchange with a person, on whatever stands for them (a
    contact, a mailing contact): retention periods anchored on the last
    interaction run from it (Art. 5(1)(e) GDPR), so it only moves forward."""

    _name = "gdpr.last.interaction.mixin"
    _description = "Last Interaction of a Person"

    gdpr_last_interaction = fields.Datetime(
        string="Last Interaction",
        index=True,
        readonly=True,
        copy=False,
        help="Last exchange with the person: messages from or to them or about "
        "them, their leads, orders and invoices, mailing opens, clicks and "
        "replies, subscriptions. Retention periods anchored on the last "
        "interaction run from this date.",
    )

    def _gdpr_touch_interaction(self, when=None):
        """Record an interaction at ``when`` (now by default); the date never
        moves backwards."""
        self._gdpr_touch_rows(self, when)

    @api.model
    def _gdpr_touch_rows(self, records, when=None):
        """Move ``gdpr_last_interaction`` of ``records`` (partners or any model
        with that column) forward to ``when``, or to each record's own date
        when ``when`` is a list in the order of ``records``. Plain SQL:
        whoever causes the interaction (a portal user replying, a mailing
        open) may have no write access, and neither tracking nor
        recomputation must follow."""
        if isinstance(when, list):
            dates = when
        else:
            dates = [when or fields.Datetime.now()] * len(records)
        pairs = [
            (rid, date) for rid, date in zip(records.ids, dates, strict=True) if rid
        ]
        if not pairs:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s t
                   SET gdpr_last_interaction = u.date
                  FROM (SELECT id, max(date) AS date
                          FROM unnest(%(ids)s::int4[], %(dates)s::timestamp[])
                               AS u(id, date)
                      GROUP BY id) u
                 WHERE t.id = u.id
                   AND (t.gdpr_last_interaction IS NULL
                        OR t.gdpr_last_interaction < u.date)
                """,
                table=SQL.identifier(records._table),
                ids=[rid for rid, _date in pairs],
                dates=[date for _rid, date in pairs],
            )
        )
        records.invalidate_recordset(["gdpr_last_interaction"])

    @api.model
    def _gdpr_interaction_queries(self, since):
        """Queries returning ``(record_id, date)`` rows for every record that
        counts as an interaction of a record of this model and was created or
        changed since ``since``; none by default, each model lists its own."""
        return []

    @api.model
    def _gdpr_catch_up_last_interaction(self, since):
        """Set-based update of the last interaction from every source changed
        since ``since``. Returns the number of records moved forward."""
        queries = self._gdpr_interaction_queries(since)
        if not queries:
            return 0
        self.env.flush_all()
        union = SQL(" UNION ALL ").join(queries)
        self.env.cr.execute(
            SQL(
                """
                UPDATE %s p
                   SET gdpr_last_interaction = src.last_date
                  FROM (SELECT u.partner_id, MAX(u.date) AS last_date
                          FROM (%s) AS u(partner_id, date)
                         WHERE u.date IS NOT NULL
                      GROUP BY u.partner_id) src
                 WHERE p.id = src.partner_id
                   AND (p.gdpr_last_interaction IS NULL
                        OR p.gdpr_last_interaction < src.last_date)
                """,
                SQL.identifier(self._table),
                union,
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model(["gdpr_last_interaction"])
        return count
