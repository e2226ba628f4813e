# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import logging
import time

import psycopg2

from odoo import api, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Tables never rewritten by the sweep: the consent ledger is append-only
# evidence (Art. 7(1)), kept under Art. 17(3)(e) and bound to its hash chain,
# which names people by pseudonymous key and holds their evidence, IP address
# and browser encrypted with their own key, destroyed by the erasure; the
# audit log and its aliases keep only pseudonymous keys; the sweep's own work
# tables hold what is being searched for.
SWEEP_EXCLUDED_TABLES = (
    "gdpr_erasure_sweep_identifier",
    "gdpr_consent_event",
    "gdpr_consent_event_head",
    "gdpr_audit_log",
    "gdpr_audit_log_head",
    "gdpr_audit_subject_key",
    "gdpr_subject_key_erasure",
    "gdpr_pseudonym_alias",
    "gdpr_erasure_pending",
)

# Columns holding only keyed hashes (hexadecimal): no name, address or phone
# can be in them, and reading them would only cost time.
SWEEP_EXCLUDED_COLUMNS = {
    ("gdpr_retention_run_line", "partner_key"),
    ("gdpr_request", "subject_key"),
    ("res_partner", "gdpr_subject_key"),
    ("gdpr_privacy_link", "email_key"),
    ("gdpr_request_link", "email_key"),
    ("gdpr_suppression", "email_hash"),
}

# Columns that name a person: a homonym's own record must not lose its name,
# so the full-name sweep leaves these alone (the erased person's rows there
# are cleared field by field).
NAME_COLUMNS = {
    "res_partner": ("name", "complete_name", "display_name"),
    "crm_lead": ("contact_name", "partner_name"),
    "res_users": ("login",),
}

# Rows longer than this are not split into words (a text search vector is
# capped at 1 MB): they are always checked with the exact text.
LONG_TEXT = 200000

# Below this many (rows x identifiers) a table is searched with one regular
# expression; above, its words are matched first (cost independent of the
# number of identifiers).
DIRECT_SWEEP_LIMIT = 200000
# ... and only with few identifiers: compiling a very long expression costs
# more than reading a small table word by word.
DIRECT_SWEEP_MAX_IDENTIFIERS = 50

# Planner settings of the sweep (restored after it): the identifiers' hash
# table in memory, not in batches on disk; hash joins or index lookups, never
# sorting every word of a table; no just-in-time compilation, which costs
# more than most of the sweep's statements.
SWEEP_SETTINGS = {
    "work_mem": "128MB",
    "enable_mergejoin": "off",
    "enable_hashjoin": "on",
    "enable_indexscan": "on",
    "enable_bitmapscan": "on",
    "enable_memoize": "on",
    "jit": "off",
}
# ... per table: a small table's words looked up in the identifiers' index,
# a large table's hashed against all of them, in parallel: the planner,
# expecting a row per word, would otherwise gather every row's words in one
# process (reading and splitting the text is most of the sweep's time)
LOOKUP_SETTINGS = {
    "enable_hashjoin": "off",
    "enable_indexscan": "on",
    "enable_bitmapscan": "on",
    "enable_memoize": "on",
}
HASH_SETTINGS = {
    "enable_hashjoin": "on",
    "enable_indexscan": "off",
    "enable_bitmapscan": "off",
    "enable_memoize": "off",
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
}
# Rough number of words of a row, to choose between index lookups and a
# hash join.
WORDS_PER_ROW = 10


class GdprErasureSweep(models.AbstractModel):
    """The sweep that ends an erasure: no text column of the database keeps
    the erased people's identifiers (Art. 17), whatever app wrote them.
    Set-based: one pass over the database for any number of people."""

    _name = "gdpr.erasure.sweep"
    _description = "Personal Data Erasure Sweep"

    @api.model
    def _gdpr_sweep_excluded_tables(self):
        return SWEEP_EXCLUDED_TABLES

    @api.model
    def _gdpr_text_columns(self):
        """``{table: [(column, data_type)]}`` of every text-like column of the
        database's own tables."""
        self.env.cr.execute(
            SQL(
                """
                SELECT c.table_name, c.column_name, c.data_type
                  FROM information_schema.columns c
                  JOIN information_schema.tables t
                    ON t.table_schema = c.table_schema
                   AND t.table_name = c.table_name
                 WHERE c.table_schema = current_schema()
                   AND t.table_type = 'BASE TABLE'
                   AND c.data_type IN ('character varying', 'text', 'jsonb')
                   AND NOT (c.table_name = ANY(%s))
              ORDER BY c.table_name, c.ordinal_position
                """,
                list(self._gdpr_sweep_excluded_tables()),
            )
        )
        # a selection column holds one of its fixed keys, never a person; nor
        # does a keyed hash
        skipped = set(SWEEP_EXCLUDED_COLUMNS) | {
            (model._table, name)
            for model in self.env.registry.values()
            if not model._abstract and model._auto
            for name, field in model._fields.items()
            if field.type == "selection" and field.store
        }
        columns = {}
        for table, column, data_type in self.env.cr.fetchall():
            if (table, column) not in skipped:
                columns.setdefault(table, []).append((column, data_type))
        return columns

    @api.model
    def _gdpr_defer_sweep(self, identifiers):
        """Queue the identifiers for the sweep that ends the retention call:
        one pass over the database for thousands of people instead of one per
        batch. Committed with the batch, so a crash before the sweep only
        delays it to the next call."""
        wide = identifiers["wide"]
        self.env.cr.execute(
            SQL(
                "INSERT INTO gdpr_erasure_pending (kind, value, prefix) "
                "SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[])",
                *(list(column) for column in zip(*wide, strict=True)),
            )
            if wide
            else SQL("SELECT 1")
        )

    @api.model
    def _gdpr_sweep_pending(self):
        """Sweep the queued identifiers, then forget them. Returns how many
        identifiers were swept. They go from the queue to the sweep in the
        database: a retention run queues hundreds of thousands."""
        started = time.monotonic()
        searched = self._gdpr_sweep_source(
            SQL("SELECT DISTINCT kind, value, prefix FROM gdpr_erasure_pending")
        )
        if not searched:
            return 0
        _logger.info(
            "Erasure sweep: %s identifiers searched in every text column in %.1f s",
            searched,
            time.monotonic() - started,
        )
        # the rows this transaction sees, which are the ones swept: what
        # another transaction queued meanwhile waits for the next sweep
        self.env.cr.execute("DELETE FROM gdpr_erasure_pending")
        self.env.invalidate_all()
        return searched

    @api.model
    def _gdpr_sweep(self, identifiers):
        """Replace every occurrence of the "wide" identifiers (see
        ``gdpr.erasure.pattern._gdpr_identifiers``), in every text column of
        the database, by a mark. Per table, one pass finds the rows holding
        an identifier (their words and phone numbers against the identifiers'
        keys, then the plain text), one statement rewrites those rows only."""
        wide = identifiers["wide"]
        if not wide:
            return 0
        return self._gdpr_sweep_source(
            SQL(
                "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])",
                *(list(column) for column in zip(*wide, strict=True)),
            )
        )

    @api.model
    def _gdpr_sweep_rows(self, rows, patterns):
        """Replace the ``patterns`` (the short or one-word names) in the
        ``rows`` (``{table: ids}``: the person's own records and messages)
        only: elsewhere such a name is somebody else's too."""
        pattern = "|".join(sorted(patterns, key=len, reverse=True))
        changed = 0
        columns = self._gdpr_text_columns()
        for table, ids in rows.items():
            if not ids or table not in columns:
                continue
            assignments, conditions = self._gdpr_direct_statement(
                columns[table], lambda _column: pattern
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s WHERE id = ANY(%s) AND (%s)",
                    SQL.identifier(table),
                    SQL(", ").join(assignments),
                    ids,
                    SQL(" OR ").join(conditions),
                )
            )
            changed += self.env.cr.rowcount
        return changed

    @api.model
    def _gdpr_sweep_source(self, source):
        """The sweep of the identifiers ``source`` (SQL returning ``(kind,
        value, prefix)``) selects. Returns how many keys were searched for.
        Their regular expressions are built only for the rows found."""
        cr = self.env.cr
        table = SQL.identifier(self.env["gdpr.erasure.sweep.identifier"]._table)
        # filled once, joined by every table's statement; its rows live and
        # die in this transaction (other transactions never see them). The
        # key is the identifier's longest word as PostgreSQL's 'simple' text
        # search splits its plain text, or a phone's digits with and without
        # the country prefix (a row per form): rows are matched on their
        # words and phone numbers (whatever the number of identifiers), and
        # only then is their plain text compared.
        plain = self.env["gdpr.erasure.pattern"]._gdpr_plain_sql(SQL("u.v"))
        cr.execute(SQL("DELETE FROM %s", table))
        cr.execute(
            SQL(
                """
                INSERT INTO %s (kind, value, raw, prefix, key, contact)
                SELECT DISTINCT u.kind,
                       CASE WHEN u.kind = 'phone' THEN u.v ELSE %s END,
                       u.v, u.prefix, k.key, u.kind <> 'name'
                  FROM (%s) AS u(kind, v, prefix),
                       LATERAL unnest(CASE WHEN u.kind = 'phone'
                           THEN ARRAY[u.v, u.prefix || u.v, '00' || u.prefix || u.v]
                           ELSE ARRAY(SELECT lex
                                        FROM unnest(tsvector_to_array(
                                             to_tsvector('simple', %s))) AS lex
                                    ORDER BY length(lex) DESC, lex LIMIT 1)
                           END) AS k(key)
                 WHERE k.key IS NOT NULL
                """,
                table,
                plain,
                source,
                plain,
            )
        )
        searched = cr.rowcount
        if not searched:
            return 0
        self._gdpr_analyze_sweep_table(table)
        try:
            with self._gdpr_local_settings(SWEEP_SETTINGS):
                self._gdpr_sweep_tables(searched, SQL("%s AS i", table))
        finally:
            cr.execute(SQL("DELETE FROM %s", table))
            cr.cache.pop("gdpr_sweep_patterns", None)
        return searched

    @api.model
    def _gdpr_analyze_sweep_table(self, table):
        """Statistics of the identifiers just stored: the planner must know
        their number to hash them rather than loop over them. ANALYZE locks
        the table until the end of the transaction: when another sweep holds
        it, go on with the estimate the table's size gives, rather than wait
        for it while holding rows it may need."""
        cr = self.env.cr
        with self._gdpr_local_settings({"lock_timeout": "100ms"}):
            try:
                with cr.savepoint(flush=False):
                    cr.execute(SQL("ANALYZE %s", table), log_exceptions=False)
            except psycopg2.errors.LockNotAvailable:
                _logger.info("Erasure sweep: identifiers not analysed (another sweep)")

    @contextlib.contextmanager
    def _gdpr_local_settings(self, settings):
        """Within this block, the ``settings`` (``{name: value}``) of the
        transaction; the values they had come back after it."""
        cr = self.env.cr
        previous = {}
        for name, value in settings.items():
            cr.execute(SQL("SELECT current_setting(%s)", name))
            previous[name] = cr.fetchone()[0]
            self._gdpr_set_local(name, value)
        try:
            yield
        finally:
            for name, value in previous.items():
                self._gdpr_set_local(name, value)

    @api.model
    def _gdpr_set_local(self, name, value):
        """A planner setting for the rest of the transaction."""
        self.env.cr.execute(SQL("SELECT set_config(%s, %s, TRUE)", name, value))

    @api.model
    def _gdpr_sweep_matches(self, table, texts, naming, ident, phones, long_rows=None):
        """SQL: ``(tid, id)`` of the identifiers found in the
        rows of ``table``, in one scan; ``id`` is NULL for a row too long to
        be split into words, compared whole by the same call with the
        ``long_rows`` (their ``tid``s). Names are compared with the columns
        that do not name a person, so that a homonym's own record is no
        match; addresses and phones with every column. ``texts`` is
        ``{column: SQL text}``; ``phones``: whether phone numbers are
        searched (the numbers of every row are then read too)."""
        Pattern = self.env["gdpr.erasure.pattern"]
        other = [text for column, text in texts.items() if column not in naming]
        named = [text for column, text in texts.items() if column in naming]

        def joined(parts):
            # columns apart: a name or a number never runs from one to the next
            if not parts:
                return SQL("''")
            return SQL("concat_ws(' | ', %s)", SQL(", ").join(parts))

        # a text search vector is capped at 1 MB: the words of the beginning
        # of a long row here, the whole of it compared below
        words = SQL(
            "tsvector_to_array(to_tsvector('simple', %s))",
            Pattern._gdpr_plain_sql(SQL("left(b.other, %s)", LONG_TEXT)),
        )
        if named:
            # an address or a phone in a name (a contact created from an
            # email): the only words of these columns worth splitting out
            words = SQL(
                "%s || CASE WHEN b.named ~ '[@0-9]' THEN tsvector_to_array("
                "to_tsvector('simple', left(b.named, %s))) ELSE '{}' END",
                words,
                LONG_TEXT,
            )
        if phones:
            words = SQL(
                "%s || %s",
                words,
                Pattern._gdpr_digits_sql(SQL("left(b.body, %s)", LONG_TEXT)),
            )
        # a row too long to be split whole says so by a lexeme no text makes
        # (a space): its text is then compared whole, by ``long_rows``
        words = SQL(
            "%s || CASE WHEN length(b.body) > %s THEN ARRAY[' '] ELSE '{}' END",
            words,
            LONG_TEXT,
        )
        # a phone's key is all of its digits: found by the join alone
        where = SQL(
            "(i.kind = 'phone' OR strpos(CASE WHEN i.contact THEN %s ELSE %s END,"
            " i.value) > 0)",
            Pattern._gdpr_plain_sql(SQL("b.body")),
            Pattern._gdpr_plain_sql(SQL("b.other")),
        )
        # each row's texts put together, in the parallel workers (a subquery
        # computing them once would keep the words in the leader)
        bodies = SQL(
            "CROSS JOIN LATERAL (SELECT %s AS body, %s AS other, %s AS named) b",
            joined(list(texts.values())),
            joined(other),
            joined(named),
        )
        if long_rows is not None:
            return SQL(
                """
                SELECT t.ctid::text, i.id
                  FROM %s t %s, %s
                 WHERE t.ctid = ANY(%s::tid[])
                   AND CASE WHEN i.kind = 'phone'
                            THEN strpos(regexp_replace(b.body, '[^0-9]', '', 'g'),
                                        i.value) > 0
                            ELSE %s END
                """,
                SQL.identifier(table),
                bodies,
                ident,
                long_rows,
                where,
            )
        # one scan: rows without any match are dropped by the join's filter
        return SQL(
            """
            SELECT t.ctid AS tid, i.id
              FROM %(table)s t
                   %(bodies)s
             CROSS JOIN LATERAL unnest(%(words)s) AS w(lexeme)
              LEFT JOIN %(ident)s ON i.key = w.lexeme
             WHERE CASE WHEN i.id IS NULL THEN w.lexeme = ' ' ELSE %(where)s END
            """,
            table=SQL.identifier(table),
            bodies=bodies,
            words=words,
            ident=ident,
            where=where,
        )

    @api.model
    def _gdpr_sweep_tables(self, searched, ident):
        """The sweep itself, table by table (see ``_gdpr_sweep``); ``searched``
        identifiers are in ``ident``."""
        self.env.cr.execute(
            # never analysed: -1, taken as empty
            "SELECT relname, greatest(reltuples, 0) FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace"
        )
        sizes = dict(self.env.cr.fetchall())
        patterns = None
        if searched <= DIRECT_SWEEP_MAX_IDENTIFIERS:
            # the expressions of the small tables, built once for all of them
            # (longest first: a longer identifier holding a shorter one goes
            # whole)
            self.env.cr.execute(SQL("SELECT id FROM %s", ident))
            patterns = self._gdpr_patterns_of(
                [row[0] for row in self.env.cr.fetchall()]
            )
            patterns = {"all": patterns[0], "contact": patterns[1]}
        self.env.cr.execute(SQL("SELECT bool_or(i.kind = 'phone') FROM %s", ident))
        phones = self.env.cr.fetchone()[0]
        changed = 0
        looked_up = None
        for table, columns in self._gdpr_text_columns().items():
            if (
                searched <= DIRECT_SWEEP_MAX_IDENTIFIERS
                and sizes.get(table, 0) * searched < DIRECT_SWEEP_LIMIT
            ):
                changed += self._gdpr_sweep_direct(table, columns, patterns)
                continue
            texts = {
                column: SQL("%s::text", SQL.identifier("t", column))
                if data_type == "jsonb"
                else SQL.identifier("t", column)
                for column, data_type in columns
            }
            naming = NAME_COLUMNS.get(table, ())
            lookup = sizes.get(table, 0) * WORDS_PER_ROW < searched
            if lookup != looked_up:
                settings = LOOKUP_SETTINGS if lookup else HASH_SETTINGS
                for name, value in settings.items():
                    self._gdpr_set_local(name, value)
                looked_up = lookup
            self.env.cr.execute(
                SQL(
                    """
                    SELECT tid::text, array_agg(DISTINCT id)
                                      FILTER (WHERE id IS NOT NULL),
                           bool_or(id IS NULL)
                      FROM (%s) matches
                  GROUP BY tid
                    """,
                    self._gdpr_sweep_matches(table, texts, naming, ident, phones),
                )
            )
            found = {}
            long_rows = []
            for tid, ids, long_row in self.env.cr.fetchall():
                found[tid] = set(ids or ())
                if long_row:
                    long_rows.append(tid)
            if long_rows:
                self.env.cr.execute(
                    self._gdpr_sweep_matches(
                        table, texts, naming, ident, phones, long_rows
                    )
                )
                for tid, id_ in self.env.cr.fetchall():
                    found[tid].add(id_)
            hits = [(tid, ids) for tid, ids in found.items() if ids]
            if not hits:
                continue
            # the expressions of every identifier found, read in one query
            self._gdpr_patterns_of({id_ for hit in hits for id_ in hit[1]})
            hit_patterns = [self._gdpr_patterns_of(hit[1]) for hit in hits]
            assignments = [
                self.env["gdpr.erasure.pattern"]._gdpr_erasing_assignment(
                    column,
                    data_type,
                    SQL("h.contact_pattern" if column in naming else "h.all_pattern"),
                )
                for column, data_type in columns
            ]
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE %s t SET %s
                      FROM unnest(%s::tid[], %s::text[], %s::text[])
                           AS h(tid, all_pattern, contact_pattern)
                     WHERE t.ctid = h.tid
                    """,
                    SQL.identifier(table),
                    SQL(", ").join(assignments),
                    [hit[0] for hit in hits],
                    [patterns[0] for patterns in hit_patterns],
                    [patterns[1] for patterns in hit_patterns],
                )
            )
            changed += self.env.cr.rowcount
        return changed

    @api.model
    def _gdpr_patterns_of(self, ids):
        """``(all, contact)``: the regular expression of the identifiers
        ``ids`` of the work table, and of those of them that are addresses
        and phones (None when there is none); longest first, so that a
        longer identifier holding a shorter one goes whole. Built once per
        identifier for the whole sweep."""
        cache = self.env.cr.cache.setdefault("gdpr_sweep_patterns", {})
        missing = list({id_ for id_ in ids if id_ not in cache})
        if missing:
            Pattern = self.env["gdpr.erasure.pattern"]
            self.env.cr.execute(
                SQL(
                    "SELECT id, kind, raw, prefix, contact FROM %s WHERE id = ANY(%s)",
                    SQL.identifier(self.env["gdpr.erasure.sweep.identifier"]._table),
                    missing,
                )
            )
            for id_, kind, raw, prefix, contact in self.env.cr.fetchall():
                cache[id_] = (Pattern._gdpr_pattern_of(kind, raw, prefix), contact)
        found = {cache[id_] for id_ in ids}
        every = sorted({pattern for pattern, _contact in found}, key=len, reverse=True)
        contact = sorted(
            {pattern for pattern, is_contact in found if is_contact},
            key=len,
            reverse=True,
        )
        return "|".join(every) or None, "|".join(contact) or None

    @api.model
    def _gdpr_sweep_direct(self, table, columns, patterns):
        """Sweep of a small table: one regular expression per column, from
        ``patterns`` (``{"all": ..., "contact": ...}``)."""
        naming = NAME_COLUMNS.get(table, ())
        assignments, conditions = self._gdpr_direct_statement(
            columns,
            lambda column: patterns["contact" if column in naming else "all"],
        )
        if not assignments:
            return 0
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET %s WHERE %s",
                SQL.identifier(table),
                SQL(", ").join(assignments),
                SQL(" OR ").join(conditions),
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _gdpr_direct_statement(self, columns, pattern_of):
        """``(assignments, conditions)`` replacing, in each of ``columns``,
        the regular expression ``pattern_of(column)`` (None: nothing)."""
        assignments, conditions = [], []
        for column, data_type in columns:
            pattern = pattern_of(column)
            if not pattern:
                continue
            assignments.append(
                self.env["gdpr.erasure.pattern"]._gdpr_erasing_assignment(
                    column, data_type, SQL("%s", pattern)
                )
            )
            col = SQL.identifier(column)
            as_text = SQL("%s::text", col) if data_type == "jsonb" else col
            conditions.append(SQL("%s ~* %s", as_text, pattern))
        return assignments, conditions
