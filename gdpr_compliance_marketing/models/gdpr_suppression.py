# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.gdpr_compliance.models.gdpr_erasure import normalize_email

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
        """Keyed hash (HMAC-SHA256 with this database's secret) of a
        normalised address: the same address always gives the same value, and
        the value cannot be turned back into the address."""
        normalized = normalize_email(email) or (email or "").strip().lower()
        return self._gdpr_hash_normalized(normalized)

    @api.model
    def _gdpr_hash_normalized(self, normalized):
        return self._gdpr_hashes_normalized([normalized])[0]

    @api.model
    def _gdpr_hashes_normalized(self, normalized_emails):
        return self.env["gdpr.keyed.hash"]._gdpr_keyed_hashes(normalized_emails)

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
        self.env.cr.execute(
            "SELECT email_hash FROM gdpr_suppression WHERE email_normalized IS NULL"
        )
        erased_hashes = {row[0] for row in self.env.cr.fetchall()}
        if erased_hashes:
            self.env.cr.execute(
                SQL(
                    "SELECT t.id, t.email_normalized FROM %s AS r JOIN %s t "
                    "ON t.id = r.id WHERE t.email_normalized IS NOT NULL",
                    targets,
                    SQL.identifier(Model._table),
                )
            )
            rows = self.env.cr.fetchall()
            hashes = self._gdpr_hashes_normalized([email for _res_id, email in rows])
            suppressed.update(
                res_id
                for (res_id, _email), digest in zip(rows, hashes, strict=True)
                if digest in erased_hashes
            )
        return suppressed

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
        digest = self._gdpr_hash(normalized)
        entries = self.sudo()
        entry = entries.search([("email_hash", "=", digest)], limit=1)
        values = {
            "email_normalized": False if reason == "erased" else normalized,
            "reason": reason,
            "note": note,
        }
        if entry:
            if reason == "erased" or entry.reason != "erased":
                super(GdprSuppression, entry).write(values)
            return entry
        return entries.create(dict(values, email_hash=digest))

    @api.model
    def _gdpr_suppressed(self, emails, reasons=None):
        """The subset of ``emails`` (normalised) that is on the list."""
        normalized = {normalize_email(email) for email in emails} - {False, None}
        by_hash = dict(
            zip(self._gdpr_hashes_normalized(normalized), normalized, strict=True)
        )
        if not by_hash:
            return set()
        domain = [("email_hash", "in", list(by_hash))]
        if reasons:
            domain.append(("reason", "in", list(reasons)))
        entries = self.sudo().search_read(domain, ["email_hash"])
        return {by_hash[entry["email_hash"]] for entry in entries}

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "Suppression entries are evidence: remove the address only if the "
                "person gives a new consent."
            )
        )
