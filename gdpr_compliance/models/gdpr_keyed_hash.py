# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools.misc import hmac as odoo_hmac


class GdprKeyedHash(models.AbstractModel):
    """Keyed hashes (HMAC-SHA256 with this database's secret): the same
    text always gives the same value, which cannot be turned back into the
    text. Links sent to people are signed with them, one scope per kind of
    link (``_gdpr_hmac``, Odoo's ``tools.hmac``), and people are named by
    them where their data must not be kept: the audit log and retention runs
    (pseudonymous keys, Art. 4(5) and 32(1)(a) GDPR) and the suppression
    list (erased people's addresses).

    Pseudonyms and suppression hashes keep the construction they were
    stored with (no scope): the audit log's entries, hash-chained, hold the
    keys, so moving them to a scope needs both keys recognised for a time,
    not a rewrite of the log."""

    _name = "gdpr.keyed.hash"
    _description = "Keyed Hashes"

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
        """The signature of ``message`` for one purpose (``scope``): a value
        of one kind never passes as another."""
        self._gdpr_secret()
        return odoo_hmac(self.env(su=True), scope, message)

    @api.model
    def _gdpr_keyed_hashes(self, values):
        """The keyed hash of each text of ``values``, in order."""
        key = self._gdpr_secret()
        return [
            hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
            for value in values
        ]

    @api.model
    def _gdpr_pseudonym_of(self, model, res_id):
        """Stable pseudonymous key of a record (keyed hash of model and id):
        logs and retention runs name people by it, so erasing someone never
        requires editing them."""
        return self._gdpr_pseudonyms_of(model, [res_id])[0]

    @api.model
    def _gdpr_pseudonyms_of(self, model, res_ids):
        """The pseudonymous keys of many records of ``model``, in order."""
        return self._gdpr_keyed_hashes(f"{model}:{res_id}" for res_id in res_ids)
