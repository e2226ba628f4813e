# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL


class GdprErasureSweepIdentifier(models.Model):
    """Work table of one erasure sweep: the identifiers being searched for,
    filled and emptied inside the sweep's own transaction, so that no other
    transaction ever sees a row. A real (unlogged) table rather than a
    temporary one: PostgreSQL only scans large tables in parallel when every
    table of the query is shared."""

    _name = "gdpr.erasure.sweep.identifier"
    _description = "Identifiers Searched by an Erasure Sweep"
    _log_access = False

    value = fields.Char(
        required=True,
        help="The identifier as compared: plain text (lower case, no accents, "
        "HTML decoded), a phone's national digits.",
    )
    kind = fields.Selection(
        [("name", "Name"), ("email", "Email"), ("phone", "Phone")],
        required=True,
        default="name",
    )
    # indexed: a small table's words are looked up one by one, a large
    # table's are hashed against all the identifiers
    key = fields.Char(
        required=True,
        index=True,
        help="The identifier's longest word, or a phone's digits (with and "
        "without its country prefix): rows are matched on their words.",
    )
    raw = fields.Char(
        required=True,
        help="The identifier as the erased records held it: its regular "
        "expression, built for the rows found, matches every form of it.",
    )
    prefix = fields.Char(help="A phone number's country prefix (digits).")
    contact = fields.Boolean(
        help="An address or a phone number (searched everywhere), not a name."
    )

    def init(self):
        # never worth a write-ahead log: its rows die with their transaction
        self.env.cr.execute(
            "SELECT relpersistence FROM pg_class WHERE oid = %s::regclass",
            [self._table],
        )
        if self.env.cr.fetchone()[0] != "u":
            self.env.cr.execute(
                SQL("ALTER TABLE %s SET UNLOGGED", SQL.identifier(self._table))
            )
        # the expressions are built for the rows found: the column of the
        # stored ones, left by an earlier version, would refuse every row
        # (not null); the table is empty outside a sweep
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s DROP COLUMN IF EXISTS pattern",
                SQL.identifier(self._table),
            )
        )
