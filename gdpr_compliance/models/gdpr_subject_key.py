# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from cryptography.fernet import Fernet, InvalidToken

from odoo import api, fields, models
from odoo.tools import SQL


class GdprSubjectKey(models.AbstractModel):
    """One encryption key per person, named by the person's pseudonymous
    key (``gdpr.keyed.hash``): what the append-only logs keep about a person
    (the audit log's rectified values, the consent ledger's evidence, IP
    address and browser) is encrypted with it. Erasing the person destroys
    the key, and those values become unreadable in place, without changing
    the logs or their hash chains ("crypto-shredding", Art. 17(1) GDPR).
    The destruction leaves a tombstone with its date, so the logs can say
    when the values were erased."""

    _name = "gdpr.subject.key"
    _description = "Per-person Encryption Keys"

    def init(self):
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS gdpr_audit_subject_key (
                subject_key varchar PRIMARY KEY,
                secret bytea NOT NULL
            );
            CREATE TABLE IF NOT EXISTS gdpr_subject_key_erasure (
                subject_key varchar PRIMARY KEY,
                erased_on timestamp NOT NULL
            );
            """
        )
        return super().init()

    @api.model
    def _gdpr_ciphers(self, subject_keys, create=False):
        """``{key: Fernet}`` for the people named by ``subject_keys`` that
        have a key (all of them with ``create``): one statement for a whole
        batch, whatever the number of people."""
        keys = sorted({key for key in subject_keys if key})
        if not keys:
            return {}
        cr = self.env.cr
        if create:
            # a key destroyed by an erasure is never brought back: a person
            # recorded again after it gets a new one
            cr.execute(
                SQL(
                    "INSERT INTO gdpr_audit_subject_key (subject_key, secret) "
                    "SELECT * FROM unnest(%s::varchar[], %s::bytea[]) "
                    "ON CONFLICT (subject_key) DO NOTHING",
                    keys,
                    [Fernet.generate_key() for _key in keys],
                )
            )
        cr.execute(
            SQL(
                "SELECT subject_key, secret FROM gdpr_audit_subject_key "
                "WHERE subject_key = ANY(%s)",
                keys,
            )
        )
        return {key: Fernet(bytes(secret)) for key, secret in cr.fetchall()}

    @api.model
    def _gdpr_erasure_dates(self, subject_keys):
        """``{key: datetime}``: when the key of each of these people was
        destroyed, for those whose key was."""
        keys = sorted({key for key in subject_keys if key})
        if not keys:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT subject_key, erased_on FROM gdpr_subject_key_erasure "
                "WHERE subject_key = ANY(%s)",
                keys,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _gdpr_encrypt(self, cipher, text):
        """``text`` encrypted with ``cipher``, as text; nothing for nothing."""
        if not text:
            return False
        return cipher.encrypt(str(text).encode()).decode()

    @api.model
    def _gdpr_decrypt(self, cipher, token):
        """The text ``token`` holds; raises ``InvalidToken`` when it was
        altered or encrypted with another key."""
        if not token:
            return False
        return cipher.decrypt(token.encode()).decode()

    @api.model
    def _gdpr_readable(self, cipher, token, erased_on, written_on):
        """``(text, state)`` of a value encrypted on ``written_on``: the text
        and "clear" while its key exists; "erased" once the key that
        encrypted it was destroyed (``erased_on`` the day, when known);
        "altered" when it matches no key it could have been encrypted with."""
        if not token:
            return False, "clear"
        if not cipher:
            return False, "erased"
        try:
            return self._gdpr_decrypt(cipher, token), "clear"
        except InvalidToken:
            # a person recorded again after an erasure has a new key: what
            # the old one encrypted is erased, not altered
            if erased_on and written_on and written_on <= erased_on:
                return False, "erased"
            return False, "altered"

    @api.model
    def _gdpr_forget(self, subject_keys):
        """Destroy the keys of these people (and of their former keys):
        what was encrypted with them can never be read again. Each key
        destroyed leaves its tombstone, dated."""
        # entries written before keys were scoped name the person by their
        # former key, which shares the person's encryption key
        keys = sorted(
            self.env["gdpr.keyed.hash"]._gdpr_keys_with_aliases(
                key for key in subject_keys if key
            )
        )
        if not keys:
            return
        self.env.cr.execute(
            SQL(
                """
                WITH gone AS (
                    DELETE FROM gdpr_audit_subject_key
                     WHERE subject_key = ANY(%(keys)s)
                        OR secret IN (SELECT secret FROM gdpr_audit_subject_key
                                       WHERE subject_key = ANY(%(keys)s))
                 RETURNING subject_key
                )
                INSERT INTO gdpr_subject_key_erasure (subject_key, erased_on)
                SELECT subject_key, %(now)s FROM gone
                    ON CONFLICT (subject_key) DO UPDATE
                   SET erased_on = EXCLUDED.erased_on
                """,
                keys=keys,
                now=fields.Datetime.now(),
            )
        )

    @api.model
    def _gdpr_forget_records(self, scope):
        """Destroy the keys of the records of ``scope`` (``{model: ids}``):
        a person's contact, and the leads and mailing contacts whose
        consents were recorded before they had one."""
        Hash = self.env["gdpr.keyed.hash"]
        self._gdpr_forget(
            [
                key
                for model, ids in scope.items()
                if ids
                for key in Hash._gdpr_pseudonyms_of(model, ids)
            ]
        )

    @api.model
    def _gdpr_forget_erased_earlier(self, subject_keys):
        """Of ``subject_keys``, destroy the keys of the people whose erasure
        the audit log recorded before: an upgrade that encrypts values they
        left behind (the consent ledger up to 18.0.1.1.0) must leave them
        unreadable, dated by that erasure, not readable under a new key."""
        keys = self.env["gdpr.keyed.hash"]._gdpr_keys_with_aliases(
            key for key in subject_keys if key
        )
        if not keys:
            return 0
        self.env.cr.execute(
            SQL(
                """
                SELECT key, MAX(log.event_time)
                  FROM gdpr_audit_log log,
                       unnest(string_to_array(log.subject_keys, E'\\n')) AS key
                 WHERE log.action = 'erasure' AND key = ANY(%s)
              GROUP BY key
                """,
                sorted(keys),
            )
        )
        logged = dict(self.env.cr.fetchall())
        if not logged:
            return 0
        # the log may name a person by their former key: _gdpr_forget
        # destroys both, and both tombstones take the erasure's day
        self._gdpr_forget(logged)
        self.env.cr.execute(
            SQL(
                """
                UPDATE gdpr_subject_key_erasure e SET erased_on = n.day
                  FROM unnest(%s::varchar[], %s::timestamp[]) AS n(key, day)
             LEFT JOIN gdpr_pseudonym_alias a
                    ON n.key IN (a.legacy_key, a.subject_key)
                 WHERE e.subject_key IN (n.key, a.legacy_key, a.subject_key)
                """,
                list(logged),
                list(logged.values()),
            )
        )
        return len(logged)
