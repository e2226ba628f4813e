# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

GENESIS_HASH = "0" * 64


def chain_guard_names(table):
    """Names of the database functions (and of their triggers) that keep the
    log ``table`` append-only and its head current."""
    return {
        "refuse": f"{table}_append_only",
        "truncate": f"{table}_append_only_truncate",
        "advance": f"{table}_chain_head",
        "guard": f"{table}_head_guard",
        "guard_truncate": f"{table}_head_guard_truncate",
    }


def refusal_triggers(table, function, statement_trigger):
    """SQL putting ``function`` before every UPDATE and DELETE of a row of
    ``table`` (a trigger named after it) and before its TRUNCATE, which fires
    no row trigger (``statement_trigger``)."""
    return SQL(
        """
        DROP TRIGGER IF EXISTS %(row)s ON %(table)s;
        CREATE TRIGGER %(row)s BEFORE UPDATE OR DELETE ON %(table)s
            FOR EACH ROW EXECUTE FUNCTION %(function)s();
        DROP TRIGGER IF EXISTS %(statement)s ON %(table)s;
        CREATE TRIGGER %(statement)s BEFORE TRUNCATE ON %(table)s
            FOR EACH STATEMENT EXECUTE FUNCTION %(function)s()
        """,
        table=table,
        function=SQL.identifier(function),
        row=SQL.identifier(function),
        statement=SQL.identifier(statement_trigger),
    )


def drop_chain_guards(cr, table):
    """Remove what ``init`` created in the database for the log ``table``
    (uninstall): its head, then the functions with their triggers."""
    names = chain_guard_names(table)
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(f"{table}_head")))
    for key in ("refuse", "advance", "guard"):
        cr.execute(
            SQL("DROP FUNCTION IF EXISTS %s() CASCADE", SQL.identifier(names[key]))
        )


class GdprChainedLogMixin(models.AbstractModel):
    """An append-only, tamper-evident log: every entry carries the hash of
    the one before it, the database refuses UPDATE, DELETE and TRUNCATE and
    keeps the position and hash of the last entry (the head), and a verify
    walk reports the first entry that was altered, removed or inserted, and
    a log shorter than its head.

    A model using it lists in ``_gdpr_chain_fields`` the columns the hash
    covers and names in ``_gdpr_append_context`` the context key its own
    recording method sets: nothing else may create entries."""

    _name = "gdpr.chained.log.mixin"
    _description = "Append-only Hash-chained Log"

    _gdpr_chain_fields = ()
    _gdpr_append_context = None

    sequence = fields.Integer(readonly=True, index=True, copy=False)
    event_time = fields.Datetime(readonly=True, index=True)
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True, index=True)

    @api.model
    def _gdpr_chain_label(self):
        """How the log is named to people (overview, verifications)."""
        return self._description

    def _gdpr_head_table(self):
        return f"{self._table}_head"

    def init(self):
        if self._abstract:
            return
        head = SQL.identifier(self._gdpr_head_table())
        table = SQL.identifier(self._table)
        names = chain_guard_names(self._table)
        # The head of the chain: the position and hash of the last entry,
        # written by the database only (the trigger below, on each append).
        # Every writer locks it before appending: under Odoo's REPEATABLE
        # READ isolation a writer whose snapshot is older than the last
        # append gets a serialization failure, which Odoo retries, instead
        # of chaining on a stale hash. Seeded from the log only when the
        # head is created: a head that went missing is reported by the
        # verification, never silently rebuilt.
        self.env.cr.execute(
            SQL("SELECT to_regclass(%s) IS NULL", self._gdpr_head_table())
        )
        if self.env.cr.fetchone()[0]:
            self.env.cr.execute(
                SQL(
                    """
                    CREATE TABLE %(head)s (
                        id integer PRIMARY KEY CHECK (id = 1),
                        sequence integer NOT NULL,
                        hash varchar NOT NULL
                    );
                    INSERT INTO %(head)s (id, sequence, hash)
                    SELECT 1, COALESCE(MAX(sequence), 0),
                           COALESCE((SELECT hash FROM %(table)s
                                      ORDER BY sequence DESC LIMIT 1),
                                    %(genesis)s)
                      FROM %(table)s;
                    """,
                    head=head,
                    table=table,
                    genesis=GENESIS_HASH,
                )
            )
        # Append-only also for SQL and for whoever bypasses the ORM: no
        # UPDATE, DELETE or TRUNCATE of the log (TRUNCATE fires no row
        # trigger, hence its own statement trigger); an entry is accepted
        # only if it follows the head, which it then becomes; the head
        # changes only from that trigger (a trigger depth above 1).
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION %(refuse)s()
                RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION USING MESSAGE =
                        TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
                END;
                $$ LANGUAGE plpgsql;
                %(refuse_triggers)s;

                CREATE OR REPLACE FUNCTION %(advance)s()
                RETURNS trigger AS $$
                BEGIN
                    UPDATE %(head)s SET sequence = NEW.sequence, hash = NEW.hash
                     WHERE id = 1 AND sequence = NEW.sequence - 1
                       AND hash = NEW.previous_hash;
                    IF NOT FOUND THEN
                        RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME
                            || ' is a chain: entry ' || NEW.sequence
                            || ' does not follow the last one';
                    END IF;
                    RETURN NULL;
                END;
                $$ LANGUAGE plpgsql;
                DROP TRIGGER IF EXISTS %(advance)s ON %(table)s;
                CREATE TRIGGER %(advance)s
                    AFTER INSERT ON %(table)s
                    FOR EACH ROW EXECUTE FUNCTION %(advance)s();

                CREATE OR REPLACE FUNCTION %(guard)s()
                RETURNS trigger AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
                        RETURN NEW;
                    END IF;
                    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME
                        || ' is kept by the database: ' || TG_OP || ' refused';
                END;
                $$ LANGUAGE plpgsql;
                %(guard_triggers)s;
                """,
                table=table,
                head=head,
                refuse_triggers=refusal_triggers(
                    table, names["refuse"], names["truncate"]
                ),
                guard_triggers=refusal_triggers(
                    head, names["guard"], names["guard_truncate"]
                ),
                **{key: SQL.identifier(name) for key, name in names.items()},
            )
        )

    # ------------------------------------------------------------------
    # Append-only
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        if not self.env.context.get(self._gdpr_append_context):
            raise AccessError(self._gdpr_direct_create_message())
        if not vals_list:
            return self.browse()
        # the head is locked once and the entries chained in order: a batch
        # (an import's consents) costs one insert, not one per entry; the
        # database moves the head row by row, in that order
        vals_list = self._gdpr_chain_vals_list(vals_list)
        # complete values, nothing to compute: one insert for the batch
        entries = self.env["gdpr.bulk.create"]._gdpr_insert_rows(self, vals_list)
        return entries

    def _gdpr_direct_create_message(self):
        return self.env._(
            "Entries of %(log)s are recorded by the application only.",
            log=self._description,
        )

    def _gdpr_chain_defaults(self, vals):
        """Values every entry gets when appended (who, for instance)."""
        return {}

    def _gdpr_chain_vals_list(self, vals_list):
        """Values of the next entries of the chain, in order, each with its
        position and the hash of the one before it."""
        self.env.cr.execute(
            SQL(
                "SELECT sequence, hash FROM %s WHERE id = 1 FOR UPDATE",
                SQL.identifier(self._gdpr_head_table()),
            )
        )
        last_sequence, last_hash = self.env.cr.fetchone()
        now = fields.Datetime.now()
        chained = []
        for vals in vals_list:
            vals = dict(
                vals,
                sequence=last_sequence + 1,
                previous_hash=last_hash,
                event_time=now,
            )
            vals.update(self._gdpr_chain_defaults(vals))
            vals["hash"] = self._gdpr_hash(vals)
            chained.append(vals)
            last_sequence, last_hash = vals["sequence"], vals["hash"]
        return chained

    @api.model
    def _gdpr_hashed_columns(self):
        return ["sequence", *self._gdpr_chain_fields, "event_time", "previous_hash"]

    @api.model
    def _gdpr_canonical(self, vals, columns=None):
        """The content the hash covers, in a stable textual form."""

        def ref(value):
            return value.id if isinstance(value, models.BaseModel) else value or None

        content = {
            column: fields.Datetime.to_string(vals.get(column))
            if column == "event_time"
            else ref(vals.get(column))
            for column in columns or self._gdpr_hashed_columns()
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"))

    @api.model
    def _gdpr_hash(self, vals, columns=None):
        return hashlib.sha256(self._gdpr_canonical(vals, columns).encode()).hexdigest()

    @contextlib.contextmanager
    def _gdpr_unguarded(self):
        """Within this block the log's rows and head may be rewritten: only
        for an upgrade that changes how entries are stored, which then
        re-seals the chain (``_gdpr_reseal_chain``) and says so in the audit
        log."""
        names = chain_guard_names(self._table)
        guards = (
            (self._table, names["refuse"]),
            (self._gdpr_head_table(), names["guard"]),
        )

        def switch(state):
            for table, trigger in guards:
                self.env.cr.execute(
                    SQL(
                        "ALTER TABLE %s %s TRIGGER %s",
                        SQL.identifier(table),
                        SQL(state),
                        SQL.identifier(trigger),
                    )
                )

        switch("DISABLE")
        try:
            yield
        finally:
            switch("ENABLE")

    @api.model
    def _gdpr_reseal_chain(self):
        """Hash every entry again over what it stores now, in order, and
        move the head to the last one. Returns ``(count, previous head
        sequence, previous head hash, new head hash)``."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT sequence, hash FROM %s WHERE id = 1 FOR UPDATE",
                SQL.identifier(self._gdpr_head_table()),
            )
        )
        previous_sequence, previous_hash = cr.fetchone()
        cr.execute(
            SQL(
                "SELECT id, %s FROM %s ORDER BY sequence",
                SQL(", ").join(map(SQL.identifier, self._gdpr_hashed_columns())),
                SQL.identifier(self._table),
            )
        )
        columns = [desc[0] for desc in cr.description]
        ids, previous, hashes = [], [], []
        last_sequence, last_hash = 0, GENESIS_HASH
        for values in cr.fetchall():
            row = dict(zip(columns, values, strict=True), previous_hash=last_hash)
            ids.append(row["id"])
            last_sequence = row["sequence"]
            previous.append(last_hash)
            last_hash = self._gdpr_hash(row)
            hashes.append(last_hash)
        with self._gdpr_unguarded():
            cr.execute(
                SQL(
                    """
                    UPDATE %(table)s t SET previous_hash = n.previous, hash = n.hash
                      FROM unnest(%(ids)s::int[], %(previous)s::varchar[],
                                  %(hashes)s::varchar[]) AS n(id, previous, hash)
                     WHERE t.id = n.id;
                    UPDATE %(head)s SET sequence = %(sequence)s, hash = %(last)s
                     WHERE id = 1;
                    """,
                    table=SQL.identifier(self._table),
                    head=SQL.identifier(self._gdpr_head_table()),
                    ids=ids,
                    previous=previous,
                    hashes=hashes,
                    sequence=last_sequence,
                    last=last_hash,
                )
            )
        self.env.invalidate_all()
        return len(ids), previous_sequence, previous_hash, last_hash

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self._gdpr_append_only_message())

    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(self._gdpr_append_only_message())

    def _gdpr_append_only_message(self):
        return self.env._(
            "%(log)s is append-only: entries can be neither changed nor deleted.",
            log=self._description,
        )

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_verify_chain(self, columns=None):
        """Walk the whole chain. Returns a dict: ``ok``, ``checked`` and, when
        broken, ``sequence`` (first bad position) and ``problem``.
        ``columns``: those the hash covered, when an upgrade changes them."""
        self.env.flush_all()
        hashed = columns or self._gdpr_hashed_columns()
        self.env.cr.execute(
            SQL(
                "SELECT %s, hash FROM %s ORDER BY sequence",
                SQL(", ").join(map(SQL.identifier, hashed)),
                SQL.identifier(self._table),
            )
        )
        columns = [desc[0] for desc in self.env.cr.description]
        expected_previous = GENESIS_HASH
        checked = 0
        for values in self.env.cr.fetchall():
            row = dict(zip(columns, values, strict=True))
            checked += 1
            if row["sequence"] != checked:
                return self._gdpr_chain_problem(
                    checked,
                    checked - 1,
                    self.env._("entry #%(n)s is missing or out of order", n=checked),
                )
            if row["previous_hash"] != expected_previous:
                return self._gdpr_chain_problem(
                    checked,
                    checked - 1,
                    self.env._(
                        "entry #%(n)s does not follow the previous one: an entry "
                        "before it was altered, removed or inserted",
                        n=checked,
                    ),
                )
            if self._gdpr_hash(row, hashed) != row["hash"]:
                return self._gdpr_chain_problem(
                    checked,
                    checked - 1,
                    self.env._("entry #%(n)s was altered", n=checked),
                )
            expected_previous = row["hash"]
        self.env.cr.execute(
            SQL(
                "SELECT sequence, hash FROM %s",
                SQL.identifier(self._gdpr_head_table()),
            )
        )
        head = self.env.cr.fetchone()
        if not head:
            return self._gdpr_chain_problem(
                checked + 1,
                checked,
                self.env._(
                    "the record of the log's last entry is missing: entries at "
                    "the end may have been removed"
                ),
            )
        if head[0] != checked or head[1] != expected_previous:
            return self._gdpr_chain_problem(
                checked + 1,
                checked,
                self.env._(
                    "the log ends at entry #%(n)s but its last recorded entry "
                    "is #%(head)s: entries at the end were removed",
                    n=checked,
                    head=head[0],
                ),
            )
        return {"ok": True, "checked": checked}

    @api.model
    def _gdpr_chain_problem(self, sequence, checked, problem):
        return {
            "ok": False,
            "checked": checked,
            "sequence": sequence,
            "problem": problem,
        }

    @api.model
    def _gdpr_verify_notification(self, title):
        """Verify the chain (DPO only) and say the outcome in a notification."""
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._(
                    "Only the Data Protection Officer verifies %(log)s.",
                    log=self._description,
                )
            )
        result = self.sudo()._gdpr_verify_chain()
        # the overview and the security checks tell when the evidence was
        # last verified, and what was found
        self.env["gdpr.chain.verification"]._gdpr_record(self._name, result)
        if result["ok"]:
            message = self.env._(
                "%(log)s intact: %(count)s entries verified.",
                log=self._description,
                count=result["checked"],
            )
        else:
            message = self.env._(
                "%(log)s TAMPERED: %(problem)s (%(count)s entries verified before it).",
                log=self._description,
                problem=result["problem"],
                count=result["checked"],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if result["ok"] else "danger",
                "sticky": not result["ok"],
                "title": title,
                "message": message,
            },
        }
