# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import logging

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import table_exists

_logger = logging.getLogger(__name__)

PSEUDONYM_SCOPE = "gdpr_compliance.pseudonym"

# pseudonyms remembered with the cursor (a retention batch names the same
# thousand people four times); forgotten past this many
PSEUDONYM_MEMO = "gdpr_pseudonyms"
PSEUDONYM_MEMO_SIZE = 20000

# ids hashed at a time when the keys stored before 18.0.1.1.0 are matched
LEGACY_CHUNK = 10000


class GdprKeyedHash(models.AbstractModel):
    """Keyed hashes (HMAC-SHA256 with this database's secret, Odoo's
    ``tools.hmac``): the same text always gives the same value, which cannot
    be turned back into the text. Each use has a scope of its own, so a value
    of one kind never passes as another: links sent to people (request link,
    double opt-in), pseudonymous keys naming people in the audit log and the
    retention runs (Art. 4(5) and 32(1)(a) GDPR), erased people's addresses
    on the suppression list.

    Up to version 18.0.1.0.0 pseudonyms and suppression hashes were an HMAC
    of the bare text, without scope. The audit log's entries, hash-chained,
    still name people by those keys: rewriting them would break the chain
    that proves the log untouched. The upgrade records instead, for every
    old key stored anywhere, the new key of the same person
    (``gdpr_pseudonym_alias``): the entries about a person are found, and
    their encryption keys destroyed, by both."""

    _name = "gdpr.keyed.hash"
    _description = "Keyed Hashes"

    def init(self):
        # old key -> new key of the same person; hex digests only, nothing
        # that names anyone
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS gdpr_pseudonym_alias (
                legacy_key varchar PRIMARY KEY,
                subject_key varchar NOT NULL
            );
            CREATE INDEX IF NOT EXISTS gdpr_pseudonym_alias_subject_key_idx
                ON gdpr_pseudonym_alias (subject_key);
            """
        )
        return super().init()

    @api.model
    def _gdpr_secret(self):
        """The database's secret; without it every hash would be a plain,
        reversible-by-guessing SHA-256 of the text, so its absence is an
        error, never an empty key."""
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        if not secret:
            raise UserError(
                self.env._(
                    "This database has no secret (system parameter "
                    "database.secret): personal data cannot be pseudonymised."
                )
            )
        return secret.encode()

    @api.model
    def _gdpr_hmac(self, scope, message):
        """The keyed hash of ``message`` for one purpose (``scope``)."""
        return self._gdpr_hmacs(scope, [message])[0]

    @api.model
    def _gdpr_hmacs(self, scope, messages):
        """The keyed hash of each of ``messages`` for ``scope``, in order:
        ``odoo.tools.hmac`` of each, the secret read once (a retention batch
        hashes thousands, and reading the parameter costs more than
        hashing)."""
        key = self._gdpr_secret()
        return [
            hmac.new(key, repr((scope, message)).encode(), hashlib.sha256).hexdigest()
            for message in messages
        ]

    @api.model
    def _gdpr_pseudonym_of(self, model, res_id):
        """Stable pseudonymous key of a record (keyed hash of model and id):
        logs and retention runs name people by it, so erasing someone never
        requires editing them."""
        return self._gdpr_pseudonyms_of(model, [res_id])[0]

    @api.model
    def _gdpr_pseudonyms_of(self, model, res_ids):
        """The pseudonymous keys of many records of ``model``, in order.
        Remembered with the cursor for the secret they were made with: a
        retention batch names the same people in its lines, the audit log,
        the forgotten keys and their pseudonymous names."""
        secret = self._gdpr_secret()
        memo = self.env.cr.cache.setdefault(PSEUDONYM_MEMO, {})
        if len(memo) > PSEUDONYM_MEMO_SIZE:
            memo.clear()
        missing = [
            res_id
            for res_id in dict.fromkeys(res_ids)
            if (secret, model, res_id) not in memo
        ]
        if missing:
            hashes = self._gdpr_hmacs(
                PSEUDONYM_SCOPE, [f"{model}:{res_id}" for res_id in missing]
            )
            memo.update(
                zip(
                    [(secret, model, res_id) for res_id in missing],
                    hashes,
                    strict=True,
                )
            )
        return [memo[(secret, model, res_id)] for res_id in res_ids]

    # ------------------------------------------------------------------
    # Values stored before scoped keys (18.0.1.0.0)
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_legacy_hashes(self, values):
        """The unscoped keyed hash version 18.0.1.0.0 stored: only to
        recognise values stored then, never to store a new one."""
        key = self._gdpr_secret()
        return [
            hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
            for value in values
        ]

    @api.model
    def _gdpr_legacy_pseudonyms_of(self, model, res_ids):
        return self._gdpr_legacy_hashes(f"{model}:{res_id}" for res_id in res_ids)

    @api.model
    def _gdpr_keys_with_aliases(self, keys):
        """``keys`` and the other key of the same people (old for new, new
        for old)."""
        keys = list(keys)
        if not keys:
            return set()
        self.env.cr.execute(
            SQL(
                "SELECT legacy_key, subject_key FROM gdpr_pseudonym_alias "
                "WHERE legacy_key = ANY(%s) OR subject_key = ANY(%s)",
                keys,
                keys,
            )
        )
        return set(keys).union(*self.env.cr.fetchall())

    @api.model
    def _gdpr_keys_like(self, value):
        """The keys that contain ``value`` in the alias table, with their
        other key: a partial key typed in a search finds both."""
        self.env.cr.execute(
            SQL(
                "SELECT legacy_key, subject_key FROM gdpr_pseudonym_alias "
                "WHERE legacy_key ILIKE %s OR subject_key ILIKE %s",
                f"%{value}%",
                f"%{value}%",
            )
        )
        return set().union(*self.env.cr.fetchall())

    @api.model
    def _gdpr_stored_legacy_keys(self):
        """``({model: max id}, {key})``: the pseudonyms stored where people
        are named by key, and the models they may be keys of."""
        cr = self.env.cr
        keys = set()
        models = {"res.partner"}
        cr.execute(
            "SELECT DISTINCT subject_model, "
            "unnest(string_to_array(subject_keys, E'\\n')) "
            "FROM gdpr_audit_log WHERE subject_keys IS NOT NULL"
        )
        for model, key in cr.fetchall():
            models.add(model)
            keys.add(key)
        cr.execute("SELECT subject_key FROM gdpr_audit_subject_key")
        keys.update(row[0] for row in cr.fetchall())
        cr.execute("SELECT subject_key FROM gdpr_request WHERE subject_key IS NOT NULL")
        keys.update(row[0] for row in cr.fetchall())
        cr.execute(
            "SELECT DISTINCT res_model, partner_key FROM gdpr_retention_run_line"
        )
        for model, key in cr.fetchall():
            models.add(model)
            keys.add(key)
        return models - {None}, keys

    @api.model
    def _gdpr_max_id(self, model):
        """The highest id ``model`` ever gave (deleted records included), 0
        when it has no table."""
        table = model.replace(".", "_")
        if not table_exists(self.env.cr, table):
            return 0
        self.env.cr.execute(
            SQL(
                "SELECT GREATEST((SELECT max(id) FROM %s), "
                "(SELECT last_value FROM pg_sequences WHERE sequencename = %s))",
                SQL.identifier(table),
                f"{table}_id_seq",
            )
        )
        return self.env.cr.fetchone()[0] or 0

    @api.model
    def _gdpr_ids_of(self, model):
        """Every id ``model`` ever gave, in chunks."""
        top = self._gdpr_max_id(model)
        for start in range(1, top + 1, LEGACY_CHUNK):
            yield list(range(start, min(start + LEGACY_CHUNK, top + 1)))

    @api.model
    def _gdpr_current_keys_among(self, models, keys):
        """The keys of ``keys`` that are pseudonyms of today's scheme."""
        found = set()
        for model in models if keys else ():
            for ids in self._gdpr_ids_of(model):
                found.update(keys.intersection(self._gdpr_pseudonyms_of(model, ids)))
        return found

    @api.model
    def _gdpr_alias_legacy_pseudonyms(self):
        """Upgrade from unscoped pseudonyms: for every old key stored in the
        audit log, its encryption keys, the requests and the retention runs,
        record the new key of the same person. Old keys are recognised by
        hashing every id each model ever gave (erased and deleted people
        included); the chained log keeps its entries as they are, the
        encryption key of each person is shared by both keys, and the other
        stored keys (requests, retention lines, not chained) take the new
        one. Returns ``(aliased, unmatched)``."""
        self.env.flush_all()
        models, stored = self._gdpr_stored_legacy_keys()
        for model in models:
            for ids in self._gdpr_ids_of(model):
                legacy = self._gdpr_legacy_pseudonyms_of(model, ids)
                found = [
                    (res_id, key)
                    for res_id, key in zip(ids, legacy, strict=True)
                    if key in stored
                ]
                if not found:
                    continue
                new = self._gdpr_pseudonyms_of(model, [res_id for res_id, _k in found])
                self.env.cr.execute(
                    SQL(
                        "INSERT INTO gdpr_pseudonym_alias (legacy_key, subject_key) "
                        "SELECT * FROM unnest(%s::varchar[], %s::varchar[]) "
                        "ON CONFLICT (legacy_key) DO NOTHING",
                        [key for _res_id, key in found],
                        new,
                    )
                )
        cr = self.env.cr
        # one encryption key per person, whichever key names them
        cr.execute(
            """
            INSERT INTO gdpr_audit_subject_key (subject_key, secret)
            SELECT a.subject_key, k.secret
              FROM gdpr_audit_subject_key k
              JOIN gdpr_pseudonym_alias a ON a.legacy_key = k.subject_key
                ON CONFLICT (subject_key) DO NOTHING
            """
        )
        cr.execute(
            """
            UPDATE gdpr_request r SET subject_key = a.subject_key
              FROM gdpr_pseudonym_alias a WHERE a.legacy_key = r.subject_key
            """
        )
        cr.execute(
            """
            UPDATE gdpr_retention_run_line l SET partner_key = a.subject_key
              FROM gdpr_pseudonym_alias a WHERE a.legacy_key = l.partner_key
            """
        )
        self.env.invalidate_all()
        cr.execute("SELECT legacy_key, subject_key FROM gdpr_pseudonym_alias")
        pairs = cr.fetchall()
        aliased = stored & {legacy for legacy, _new in pairs}
        # keys written since scoped keys exist need no alias
        unmatched = stored - aliased - {new for _legacy, new in pairs}
        unmatched -= self._gdpr_current_keys_among(models, unmatched)
        if unmatched:
            _logger.warning(
                "%s stored pseudonymous key(s) match no record: they stay as they are.",
                len(unmatched),
            )
        return len(aliased), len(unmatched)
