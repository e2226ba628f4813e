# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .gdpr_erasure import normalize_email

# Rows checked between two progress notices.
PROGRESS_EVERY = 5000


class GdprImportTriage(models.AbstractModel):
    """Sorts the rows of a file before anything is written: new,
    duplicate of a contact or of an earlier row, suppressed (an erased or
    objecting person, never imported again) or invalid."""

    _name = "gdpr.import.triage"
    _description = "Privacy Import: Triage"

    @api.model
    def _gdpr_plan(self, imp):
        """Every data row of the file of ``imp``, checked and classified:
        ``new``, ``duplicate`` (of a contact or of an earlier row),
        ``suppressed`` or ``invalid``. Reads, never writes."""
        Check = self.env["gdpr.import.check"]
        headers, data, _options = Check._gdpr_read(imp)
        mapping = self.env["gdpr.import.column"]._gdpr_mapping(imp, len(headers))
        if "name" not in mapping.values():
            raise UserError(
                self.env._("Map a column of the file to the contact's Name.")
            )
        lookups = Check._gdpr_lookups(imp)
        rows = []
        total = len(data)
        for position, raw in enumerate(data):
            if position % PROGRESS_EVERY == 0:
                imp._gdpr_progress(self.env._("Checking rows"), position, total)
            values = {target: raw[index] for index, target in mapping.items()}
            # row 1 is the header: numbers are the spreadsheet's own
            rows.append(Check._gdpr_parse_row(imp, position + 2, values, lookups))
        imp._gdpr_progress(self.env._("Looking for duplicates"), total, total)
        self._gdpr_classify(imp, rows)
        return rows

    @api.model
    def _gdpr_suppressed_emails(self, emails):
        """The normalised addresses among ``emails`` that belong to people
        who were erased or objected: such rows are never imported."""
        return set()

    @api.model
    def _gdpr_classify(self, imp, rows):
        emails = {
            row.number: normalize_email(row.values["email"])
            for row in rows
            if row.values.get("email")
        }
        suppressed = self._gdpr_suppressed_emails(set(emails.values()) - {False})
        candidates = []
        for row in rows:
            if emails.get(row.number) in suppressed:
                row.status = "suppressed"
            elif row.issues:
                row.status = "invalid"
            else:
                candidates.append(row)
        matches = self.env["gdpr.partner.matching"]._gdpr_match(
            [
                {
                    "ref": row.number,
                    "email": emails.get(row.number) or None,
                    "phone": row.vals.get("phone"),
                    "mobile": row.vals.get("mobile"),
                    "vat": row.vals.get("vat"),
                    "is_company": row.vals.get("is_company", False),
                    "country_id": row.vals.get("country_id"),
                }
                for row in candidates
            ]
        )
        for row in candidates:
            if row.number in matches:
                row.status = "duplicate"
                row.kind, row.partner_id, row.leader = matches[row.number]
        self._gdpr_duplicate_notes(imp, [row for row in candidates if row.partner_id])

    @api.model
    def _gdpr_duplicate_notes(self, imp, rows):
        """What merging each duplicate would do to its contact: nothing when
        the importer may not see the contact or its processing is restricted
        (Art. 18); otherwise the contact's own values and a later answer in
        the ledger win, and are named."""
        if not rows:
            return
        Partner = self.env["res.partner"].with_context(active_test=False)
        partner_ids = list({row.partner_id for row in rows})
        visible = set(Partner.browse(partner_ids)._filtered_access("read").ids)
        partners = Partner.sudo().browse(partner_ids)
        later_answers = {
            consent.partner_id.id: consent.state_date
            for consent in self.env["gdpr.consent"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partner_ids),
                    ("purpose_id", "=", imp.consent_purpose_id.id),
                    ("state", "!=", "none"),
                ]
            )
        }
        labels = dict(self.env["gdpr.import.column"]._gdpr_targets())
        for row in rows:
            partner = partners.browse(row.partner_id)
            if row.partner_id not in visible:
                row.blocked = "hidden"
                continue
            if partner.gdpr_restricted:
                row.blocked = "restricted"
                continue
            kept = [
                labels[name]
                for name, value in row.vals.items()
                if name in labels
                and name not in ("gdpr_legal_basis", "gdpr_source_id")
                and partner[name]
                and self._gdpr_differs(partner, name, value)
            ]
            if kept:
                row.notes.append(
                    self.env._(
                        "the contact's own %(fields)s kept", fields=", ".join(kept)
                    )
                )
            since = later_answers.get(row.partner_id)
            if (
                row.consent
                and since
                and row.answered_on
                and fields.Date.to_date(since) > row.answered_on
            ):
                row.record_consent = False
                row.notes.append(
                    self.env._(
                        "the ledger holds a later answer (%(date)s): this one is "
                        "not recorded",
                        date=fields.Date.to_date(since),
                    )
                )

    @api.model
    def _gdpr_differs(self, partner, name, value):
        current = partner[name]
        if isinstance(current, models.BaseModel):
            return current.id != value
        if name == "email":
            return normalize_email(current) != normalize_email(value)
        if isinstance(current, str) and isinstance(value, str):
            return current.strip().casefold() != value.strip().casefold()
        return current != value
