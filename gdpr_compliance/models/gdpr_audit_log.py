# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

AUDIT_ACTION_SELECTION = [
    ("export", "Export"),
    ("import", "Import"),
    ("bulk_read", "Bulk read"),
    ("consent", "Consent event"),
    ("request", "Data-subject request"),
    ("rectification", "Rectification"),
    ("restriction", "Restriction"),
    ("objection", "Objection"),
    ("erasure", "Erasure"),
    ("retention", "Retention run"),
    ("role_change", "Role membership change"),
    ("basis_review", "Basis review ended"),
    ("reseal", "Log re-sealed"),
]


class GdprAuditLog(models.Model):
    """Who did what to whose personal data, and when.

    The person is named only by a pseudonymous key, so erasing them never
    requires editing the log. Old and new values of a rectification are
    encrypted with a key of their own per person: erasing the person
    destroys that key, and the values become unreadable in place."""

    _name = "gdpr.audit.log"
    _inherit = ["gdpr.chained.log.mixin"]
    _description = "Personal Data Audit Log"
    _order = "sequence desc"
    _rec_name = "sequence"
    _gdpr_append_context = "gdpr_audit_append"
    _gdpr_chain_fields = (
        "user_id",
        "action",
        "res_model",
        "res_id",
        "subject_model",
        "subject_keys",
        "subject_count",
        "description",
        "changed_fields",
        "changes_encrypted",
    )

    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Done By",
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    action = fields.Selection(
        selection=AUDIT_ACTION_SELECTION, required=True, readonly=True, index=True
    )
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", readonly=True
    )
    subject_model = fields.Char(string="Data Subject Model", readonly=True)
    subject_keys = fields.Text(
        string="Data Subject Keys",
        readonly=True,
        help="Pseudonymous keys of the people concerned, one per line: the "
        "contact form shows a contact's key under Privacy.",
    )
    subject_count = fields.Integer(string="People Concerned", readonly=True)
    person_key = fields.Char(
        string="Person (key)",
        compute="_compute_person_key",
        search="_search_person_key",
        help="The entries about a person, by their pseudonymous key: entries "
        "written before keys were scoped name the person by their former key, "
        "found too.",
    )
    description = fields.Char(readonly=True)
    changed_fields = fields.Char(readonly=True)
    changes_encrypted = fields.Text(readonly=True)
    changes_display = fields.Text(
        string="Changes (old → new)",
        compute="_compute_changes_display",
        help="Readable while the person's data exist; after erasure the "
        "values cannot be decrypted any more.",
    )

    @api.depends("changes_encrypted")
    def _compute_changes_display(self):
        for entry in self:
            entry.changes_display = entry._gdpr_decrypt_changes()

    @api.depends("subject_keys", "subject_count")
    def _compute_person_key(self):
        for entry in self:
            entry.person_key = entry.subject_count == 1 and entry.subject_keys

    def _search_person_key(self, operator, value):
        if operator not in ("=", "ilike") or not isinstance(value, str) or not value:
            raise UserError(
                self.env._("Search the entries about a person by their key.")
            )
        Hash = self.env["gdpr.keyed.hash"]
        if operator == "=":
            keys = Hash._gdpr_keys_with_aliases([value])
        else:
            keys = {value} | Hash._gdpr_keys_like(value)
        return expression.OR([[("subject_keys", "ilike", key)] for key in keys])

    def _gdpr_chain_defaults(self, vals):
        return {"user_id": self.env.uid}

    @api.model
    def _gdpr_chain_label(self):
        return self.env._("Audit log")

    def _gdpr_direct_create_message(self):
        return self.env._(
            "The audit log is written by the application only, never by hand."
        )

    def _gdpr_append_only_message(self):
        return self.env._(
            "The audit log is append-only: entries can be neither changed nor deleted."
        )

    # ------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_keys_of(self, subjects):
        return self.env["gdpr.keyed.hash"]._gdpr_pseudonyms_of(
            subjects._name, subjects.ids
        )

    @api.model
    def _gdpr_log(
        self, action, description, subjects=None, document=None, changes=None
    ):
        """Append an entry. ``subjects``: the records of the people concerned
        (named by key only); ``document``: the record acted on (a request, a
        retention run); ``changes``: ``{field: (old, new)}`` for one person."""
        if action not in dict(AUDIT_ACTION_SELECTION):
            raise UserError(
                self.env._("%(action)r is not an audit action.", action=action)
            )
        keys = self._gdpr_keys_of(subjects) if subjects else []
        vals = {
            "action": action,
            "description": description,
            "res_model": document._name if document else False,
            "res_id": document.id if document else False,
            "subject_model": subjects._name if subjects else False,
            "subject_keys": "\n".join(keys) or False,
            "subject_count": len(keys),
        }
        if changes:
            if len(keys) != 1:
                raise UserError(
                    self.env._("Changes are logged for one person at a time.")
                )
            vals["changed_fields"] = ", ".join(sorted(changes))
            vals["changes_encrypted"] = self._gdpr_encrypt(keys[0], changes)
        return self.sudo().with_context(gdpr_audit_append=True).create([vals])

    @api.model
    def _gdpr_encrypt(self, subject_key, changes):
        payload = json.dumps(
            {name: [old, new] for name, (old, new) in changes.items()},
            sort_keys=True,
            default=str,
        )
        Keys = self.env["gdpr.subject.key"]
        cipher = Keys._gdpr_ciphers([subject_key], create=True)[subject_key]
        return Keys._gdpr_encrypt(cipher, payload)

    def _gdpr_decrypt_changes(self):
        self.ensure_one()
        if not self.changes_encrypted:
            return False
        Keys = self.env["gdpr.subject.key"]
        key = self.subject_keys
        payload, state = Keys._gdpr_readable(
            Keys._gdpr_ciphers([key]).get(key),
            self.changes_encrypted,
            Keys._gdpr_erasure_dates([key]).get(key),
            self.event_time,
        )
        if state == "altered":
            return self.env._("Not readable: the encrypted values were altered.")
        if state == "erased":
            return self.env._(
                "Not readable any more: the person's data were erased "
                "(fields: %(fields)s).",
                fields=self.changed_fields,
            )
        changes = json.loads(payload)
        return "\n".join(
            f"{name}: {old or '∅'} → {new or '∅'}"
            for name, (old, new) in sorted(changes.items())
        )

    @api.model
    def _gdpr_forget_subjects(self, subjects):
        """Destroy the keys of these people: their old values in the log
        (and their evidence in the consent ledger) become unreadable, the
        log itself is untouched."""
        self.env["gdpr.subject.key"]._gdpr_forget(self._gdpr_keys_of(subjects))

    @api.model
    def action_verify_log(self):
        return self._gdpr_verify_notification(self.env._("Audit log verification"))
