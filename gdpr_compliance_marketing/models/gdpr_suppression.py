# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.gdpr_compliance.models.gdpr_erasure import normalize_email

SUPPRESSION_SCOPE = "gdpr_compliance_marketing.suppression"

SUPPRESSION_REASON_SELECTION = [
    ("objection", "Objection"),
    ("not_interested", "Not interested"),
    ("unconfirmed", "Subscription not confirmed"),
    ("relationship_ended", "Relationship ended"),
    ("erased", "Data erased"),
]


class GdprSuppression(models.Model):
    _name = "gdpr.suppression"
    _description = "Marketing Suppression List Entry"
    _order = "date desc, id desc"
    _rec_name = "display_email"

    email_normalized = fields.Char(
        string="Email",
        readonly=True,
        index=True,
        help="Empty for erased people: only the keyed hash of the address is "
        "kept, enough to recognise it, not to read it.",
    )
    email_hash = fields.Char(required=True, readonly=True, index=True)
    legacy_hash = fields.Boolean(
        string="Hashed Before Scoped Keys",
        readonly=True,
        index=True,
        help="An erased address listed before version 18.0.1.1.0, whose hash "
        "was computed without scope and cannot be computed again without the "
        "address: it is checked that way too, and takes the new hash the next "
        "time the address is suppressed.",
    )
    display_email = fields.Char(compute="_compute_display_email")
    reason = fields.Selection(
        selection=SUPPRESSION_REASON_SELECTION, required=True, readonly=True
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    note = fields.Text(readonly=True)

    _sql_constraints = [
        ("email_hash_uniq", "unique(email_hash)", "An address is suppressed once."),
    ]

    def _compute_display_email(self):
        for entry in self:
            entry.display_email = entry.email_normalized or self.env._(
                "(erased) %(hash)s…", hash=entry.email_hash[:12]
            )

    @api.model
    def _gdpr_hash(self, email):
        """Keyed hash (HMAC-SHA256 with this database's secret, scoped to
        the suppression list) of a normalised address: the same address
        always gives the same value, and the value cannot be turned back
        into the address."""
        normalized = normalize_email(email) or (email or "").strip().lower()
        return self._gdpr_hash_normalized(normalized)

    @api.model
    def _gdpr_hash_normalized(self, normalized):
        return self._gdpr_hashes_normalized([normalized])[0]

    @api.model
    def _gdpr_hashes_normalized(self, normalized_emails):
        return self.env["gdpr.keyed.hash"]._gdpr_hmacs(
            SUPPRESSION_SCOPE, list(normalized_emails)
        )

    @api.model
    def _gdpr_erased_hashes(self):
        """``(hashes, legacy hashes)`` of the erased entries (keyed hash
        only)."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT email_hash, legacy_hash FROM gdpr_suppression "
            "WHERE email_normalized IS NULL"
        )
        rows = self.env.cr.fetchall()
        return (
            {digest for digest, legacy in rows if not legacy},
            {digest for digest, legacy in rows if legacy},
        )

    @api.model
    def _gdpr_matching(self, emails, hashes, legacy_hashes):
        """The addresses of ``emails`` whose hash is in ``hashes`` or whose
        hash of before scoped keys is in ``legacy_hashes``; each hash is
        computed only when there is something to compare it with."""
        emails = list(emails)
        found = set()
        if hashes:
            found.update(
                email
                for email, digest in zip(
                    emails, self._gdpr_hashes_normalized(emails), strict=True
                )
                if digest in hashes
            )
        if legacy_hashes:
            found.update(
                email
                for email, digest in zip(
                    emails,
                    self.env["gdpr.keyed.hash"]._gdpr_legacy_hashes(emails),
                    strict=True,
                )
                if digest in legacy_hashes
            )
        return found

    @api.model
    def _gdpr_suppressed_records(self, model, targets):
        """Ids of the records of ``model`` (of ``targets``, ids or an SQL
        sub-query returning them) whose address is on the list: readable
        entries are joined in SQL; erased ones (keyed hash only) are hashed
        here, and only when there are any."""
        Model = self.env[model]
        field = Model._fields.get("email_normalized")
        if not field or not field.store or not targets:
            return set()
        if not isinstance(targets, SQL):
            targets = SQL("(SELECT unnest(%s::int[]) AS id)", list(targets))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT t.id
                  FROM %s AS r
                  JOIN %s t ON t.id = r.id
                  JOIN gdpr_suppression s ON s.email_normalized = t.email_normalized
                """,
                targets,
                SQL.identifier(Model._table),
            )
        )
        suppressed = {row[0] for row in self.env.cr.fetchall()}
        hashes, legacy_hashes = self._gdpr_erased_hashes()
        if hashes or legacy_hashes:
            self.env.cr.execute(
                SQL(
                    "SELECT t.id, t.email_normalized FROM %s AS r JOIN %s t "
                    "ON t.id = r.id WHERE t.email_normalized IS NOT NULL",
                    targets,
                    SQL.identifier(Model._table),
                )
            )
            rows = self.env.cr.fetchall()
            erased = self._gdpr_matching(
                {email for _res_id, email in rows}, hashes, legacy_hashes
            )
            suppressed.update(res_id for res_id, email in rows if email in erased)
        return suppressed

    @api.model
    def _gdpr_entry_of(self, normalized):
        """The entry of a normalised address, if any. An entry listed before
        scoped keys takes the new hash now that the address is known."""
        digest = self._gdpr_hash_normalized(normalized)
        entries = self.sudo()
        entry = entries.search([("email_hash", "=", digest)], limit=1)
        if entry or not entries.search_count([("legacy_hash", "=", True)], limit=1):
            return entry, digest
        legacy = self.env["gdpr.keyed.hash"]._gdpr_legacy_hashes([normalized])[0]
        entry = entries.search(
            [("legacy_hash", "=", True), ("email_hash", "=", legacy)], limit=1
        )
        if entry:
            super(GdprSuppression, entry).write(
                {"email_hash": digest, "legacy_hash": False}
            )
        return entry, digest

    @api.model
    def _gdpr_suppress(self, email, reason, note=None):
        """Put an address on the list (or upgrade its entry to 'erased', which
        forgets the address and keeps the hash). Returns the entry."""
        if reason not in dict(SUPPRESSION_REASON_SELECTION):
            raise ValidationError(
                self.env._("%(reason)r is not a suppression reason.", reason=reason)
            )
        normalized = normalize_email(email)
        if not normalized:
            raise ValidationError(
                self.env._("%(email)r is not an email address.", email=email)
            )
        entry, digest = self._gdpr_entry_of(normalized)
        values = {
            "email_normalized": False if reason == "erased" else normalized,
            "reason": reason,
            "note": note,
        }
        if entry:
            if reason == "erased" or entry.reason != "erased":
                super(GdprSuppression, entry).write(values)
            return entry
        return self.sudo().create(dict(values, email_hash=digest))

    @api.model
    def _gdpr_suppressed(self, emails, reasons=None):
        """The subset of ``emails`` (normalised) that is on the list."""
        normalized = {normalize_email(email) for email in emails} - {False, None}
        if not normalized:
            return set()
        by_hash = dict(
            zip(self._gdpr_hashes_normalized(normalized), normalized, strict=True)
        )
        domain = [("email_hash", "in", list(by_hash))]
        if reasons:
            domain.append(("reason", "in", list(reasons)))
        entries = self.sudo().search_read(domain, ["email_hash"])
        found = {by_hash[entry["email_hash"]] for entry in entries}
        legacy_domain = [("legacy_hash", "=", True)]
        if reasons:
            legacy_domain.append(("reason", "in", list(reasons)))
        legacy = self.sudo().search_read(legacy_domain, ["email_hash"])
        if legacy:
            found |= self._gdpr_matching(
                normalized, set(), {entry["email_hash"] for entry in legacy}
            )
        return found

    @api.model
    def _gdpr_flag_legacy_hashes(self):
        """Upgrade from unscoped hashes: readable entries take the scoped
        hash of their address; erased ones, whose address is gone, are
        flagged and checked the old way too. Returns ``(rehashed, flagged)``."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "SELECT id, email_normalized FROM gdpr_suppression "
            "WHERE email_normalized IS NOT NULL"
        )
        rows = cr.fetchall()
        if rows:
            cr.execute(
                SQL(
                    """
                    UPDATE gdpr_suppression s SET email_hash = n.digest
                      FROM unnest(%s::int[], %s::varchar[]) AS n(id, digest)
                     WHERE s.id = n.id
                    """,
                    [entry_id for entry_id, _email in rows],
                    self._gdpr_hashes_normalized([email for _id, email in rows]),
                )
            )
        cr.execute(
            "UPDATE gdpr_suppression SET legacy_hash = TRUE "
            "WHERE email_normalized IS NULL"
        )
        flagged = cr.rowcount
        self.invalidate_model()
        return len(rows), flagged

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "Suppression entries are evidence: remove the address only if the "
                "person gives a new consent."
            )
        )
