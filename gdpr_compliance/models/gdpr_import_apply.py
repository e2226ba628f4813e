# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import hashlib
import io
from collections import defaultdict
from datetime import date

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Contacts created per call, consent events recorded per batch.
CREATE_BATCH = 1000
EVENT_BATCH = 2000

# What a merge never changes on a contact: whether it is a company, and
# when and how its data were first collected. Its legal basis changes only
# for a stronger one.
NOT_MERGED = (
    "is_company",
    "gdpr_legal_basis",
    "gdpr_collection_date",
    "gdpr_source_detail",
)

# Contacts created by an import, like Odoo's own Import: no chatter message
# and no follower per contact; the import itself is audited.
CREATE_CONTEXT = {
    "import_file": True,
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}

WRITE_ERRORS = (UserError, ValidationError, ValueError, psycopg2.Error)

# Where the create() of a contact is defined: Odoo's models, base (website
# cleaning, synchronisation with a parent company), mail (chatter, off for an
# import) and this addon (legal basis, assignment). For a contact without
# parent created without tracking, none adds anything but what is done here;
# when another module overrides create(), the import goes through create().
PLAIN_CREATE_MODULES = frozenset(
    {
        "odoo.models",
        "odoo.addons.base.models.res_partner",
        "odoo.addons.mail.models.mail_thread",
        "odoo.addons.gdpr_compliance.models.res_partner",
    }
)


class ImportAborted(Exception):
    """Rows could not be imported: the whole import is undone. ``issues``:
    ``(row, column, value, reason)``; ``rows``: the triaged rows, when the
    problems were found by the check."""

    def __init__(self, issues, rows=None):
        super().__init__(issues)
        self.issues = issues
        self.rows = rows


class GdprImportApply(models.AbstractModel):
    """Writes a triaged file: creates the new contacts, merges duplicates
    into existing ones when asked, records the consents of the file in the
    ledger with the file as evidence. Raises ImportAborted at the first row
    that cannot be written; the caller undoes everything."""

    _name = "gdpr.import.apply"
    _description = "Privacy Import: Writing"

    @api.model
    def _gdpr_apply(self, imp, rows):
        """Write the triaged ``rows`` of ``imp``; returns its results."""
        merge = imp.duplicate_mode == "merge"
        groups, into_contacts, skipped = self._gdpr_groups(rows, merge)
        evidence, digest = self._gdpr_attach_evidence(imp, rows)
        created = self._gdpr_create(imp, groups)
        merged = self._gdpr_merge(imp, into_contacts)
        targets = {
            row.number: partner
            for group, partner in zip(groups, created, strict=True)
            for row in group
        }
        targets.update(
            (row.number, merged.browse(partner_id))
            for partner_id, merged_rows in into_contacts.items()
            for row in merged_rows
        )
        events = self._gdpr_record_consents(imp, rows, targets, evidence, digest)
        return {
            "count_created": len(created),
            "count_merged": sum(len(group) - 1 for group in groups)
            + sum(len(merged_rows) for merged_rows in into_contacts.values()),
            "count_skipped": skipped,
            "count_events": events,
            "evidence_id": evidence.id,
            "evidence_sha256": digest,
        }

    @api.model
    def _gdpr_groups(self, rows, merge):
        """The new contacts (each the list of its rows: the first, then, when
        merging, the later rows repeating it), the rows merged into each
        existing contact, and the number of duplicate rows skipped."""
        groups = {}
        into_contacts = defaultdict(list)
        skipped = 0
        for row in rows:
            if row.status == "new":
                groups[row.number] = [row]
            elif row.status != "duplicate":
                continue
            elif not merge or row.blocked:
                skipped += 1
            elif row.partner_id:
                into_contacts[row.partner_id].append(row)
            else:
                groups[row.leader].append(row)
        return list(groups.values()), into_contacts, skipped

    @api.model
    def _gdpr_attach_evidence(self, imp, rows):
        """Attach the file once, as the evidence of every consent it holds;
        returns the attachment and its SHA-256."""
        raw = base64.b64decode(imp.file)
        name = imp.file_name or "import"
        suppressed = {row.number for row in rows if row.status == "suppressed"}
        if suppressed:
            # these people were erased or objected: their rows are not kept,
            # not even as part of the evidence of the others' consent
            headers, data, _options = self.env["gdpr.import.check"]._gdpr_read(imp)
            output = io.StringIO()
            writer = csv.writer(output)
            writer.writerow(headers)
            writer.writerows(
                row
                for number, row in enumerate(data, start=2)
                if number not in suppressed
            )
            raw = output.getvalue().encode("utf-8")
            name = self.env._(
                "%(file)s (without suppressed rows).csv", file=name.rsplit(".", 1)[0]
            )
        attachment = self.env["ir.attachment"].create(
            {"name": name, "raw": raw, "res_model": imp._name, "res_id": imp.id}
        )
        return attachment, hashlib.sha256(raw).hexdigest()

    # ------------------------------------------------------------------
    # Contacts
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_group_vals(self, imp, group):
        """The new contact of a group: its first row, whose empty values the
        later rows fill, with the strongest basis among them."""
        Partner = self.env["res.partner"]
        vals = dict(group[0].vals)
        for row in group[1:]:
            for name, value in row.vals.items():
                if name not in NOT_MERGED and value and not vals.get(name):
                    vals[name] = value
            vals["gdpr_legal_basis"] = Partner._gdpr_stronger_basis(
                vals["gdpr_legal_basis"], row.vals["gdpr_legal_basis"]
            )
        vals.update(
            gdpr_import_id=imp.id,
            gdpr_collected_by_id=self.env.uid,
            gdpr_basis_to_review=False,
            # periods anchored on the last interaction run from when the data
            # were collected, not from the import: an old list gets no new
            # lease of life
            gdpr_last_interaction=fields.Datetime.to_datetime(
                max(row.vals["gdpr_collection_date"] for row in group)
            ),
        )
        return vals

    @api.model
    def _gdpr_create(self, imp, groups):
        Partner = self.env["res.partner"].with_context(**CREATE_CONTEXT)
        AuditLog = self.env["gdpr.audit.log"]
        created_ids = []
        for start in range(0, len(groups), CREATE_BATCH):
            batch = groups[start : start + CREATE_BATCH]
            vals_list = [self._gdpr_group_vals(imp, group) for group in batch]
            partners = self._gdpr_create_batch(Partner, batch, vals_list)
            AuditLog._gdpr_log(
                "import",
                f"{imp.file_name}: {len(partners)} contacts created",
                subjects=partners,
                document=imp,
            )
            created_ids += partners.ids
            imp._gdpr_progress(
                self.env._("Creating contacts"), start + len(batch), len(groups)
            )
        return Partner.browse(created_ids)

    @api.model
    def _gdpr_create_batch(self, Partner, groups, vals_list):
        try:
            with self.env.cr.savepoint():
                return self._gdpr_create_partners(Partner, vals_list)
        except WRITE_ERRORS as error:
            # find the rows at fault, one by one, for the report
            issues = []
            for group, vals in zip(groups, vals_list, strict=True):
                try:
                    with self.env.cr.savepoint():
                        self._gdpr_create_partners(Partner, [vals])
                except WRITE_ERRORS as row_error:
                    issues.append(self._gdpr_issue(group[0], row_error))
            raise ImportAborted(
                issues or [self._gdpr_issue(groups[0][0], error)]
            ) from error

    @api.model
    def _gdpr_create_partners(self, Partner, vals_list):
        """Contacts without parent, created as ``create()`` would create them
        (legal basis completed, assigned to a salesperson who imports, website
        cleaned), in one go when no other module changes their creation."""
        overriding = {
            cls.__module__ for cls in type(Partner).__mro__ if "create" in vars(cls)
        }
        if not overriding <= PLAIN_CREATE_MODULES or any(
            vals.get("parent_id") for vals in vals_list
        ):
            return Partner.create(vals_list)
        vals_list = Partner._gdpr_prepare_create_vals_list(vals_list)
        for vals in vals_list:
            if vals.get("website"):
                vals["website"] = Partner._clean_website(vals["website"])
        # Nothing to compute record by record: without a parent a contact is
        # its own commercial entity (written below, set-based, instead of
        # Odoo's recursive computation one contact at a time), and without a
        # picture its resized pictures stay empty.
        commercial = Partner._fields["commercial_partner_id"]
        pictures = [
            field
            for field in Partner._fields.values()
            if field.type == "binary" and field.related == "image_1920"
        ]
        partners = self.env["gdpr.bulk.create"]._gdpr_create_many(
            Partner, vals_list, protected=[commercial, *pictures]
        )
        # written with the computed fields, in the same update of each row
        self.env.cache.update(partners, commercial, partners.ids, dirty=True)
        return partners

    @api.model
    def _gdpr_issue(self, row, error):
        if isinstance(error, psycopg2.Error):
            reason = (error.pgerror or str(error)).strip().splitlines()[0]
        else:
            reason = error.args[0] if error.args else str(error)
        return (row.number, "", row.values.get("name", ""), str(reason))

    @api.model
    def _gdpr_merge(self, imp, into_contacts):
        """Fill the empty fields of existing contacts from their rows; their
        own values stay, their basis changes only for a stronger one.
        Returns the contacts."""
        Partner = self.env["res.partner"].with_context(**CREATE_CONTEXT)
        partners = Partner.with_context(active_test=False).browse(list(into_contacts))
        writes = defaultdict(list)
        for partner in partners:
            vals = {}
            basis = partner.gdpr_legal_basis
            for row in into_contacts[partner.id]:
                for name, value in row.vals.items():
                    if name in NOT_MERGED or not value or name in vals or partner[name]:
                        continue
                    vals[name] = value
                basis = Partner._gdpr_stronger_basis(
                    basis, row.vals["gdpr_legal_basis"]
                )
            if basis != partner.gdpr_legal_basis:
                vals["gdpr_legal_basis"] = basis
            if vals:
                writes[tuple(sorted(vals.items()))].append(partner.id)
        for items, partner_ids in writes.items():
            try:
                with self.env.cr.savepoint():
                    partners.browse(partner_ids).write(dict(items))
            except WRITE_ERRORS as error:
                raise ImportAborted(
                    [
                        self._gdpr_issue(row, error)
                        for partner_id in partner_ids
                        for row in into_contacts[partner_id]
                    ]
                ) from error
        for start in range(0, len(partners), CREATE_BATCH):
            self.env["gdpr.audit.log"]._gdpr_log(
                "import",
                f"{imp.file_name}: contacts merged",
                subjects=partners[start : start + CREATE_BATCH],
                document=imp,
            )
        return partners

    # ------------------------------------------------------------------
    # Consents
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_record_consents(self, imp, rows, targets, evidence, digest):
        """Record the answers of the file in the ledger, channel "import",
        oldest first for each contact; returns how many."""
        entries = sorted(
            (
                (targets[row.number], row)
                for row in rows
                if row.consent and row.record_consent and row.number in targets
            ),
            key=lambda item: (
                item[0].id,
                item[1].answered_on or date.min,
                item[1].number,
            ),
        )
        channels = dict(
            self.env["gdpr.consent.event"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        Event = self.env["gdpr.consent.event"]
        for start in range(0, len(entries), EVENT_BATCH):
            Event._gdpr_record_batch(
                [
                    {
                        "partner": partner,
                        "purpose": imp.consent_purpose_id,
                        "action": row.consent,
                        "channel": "import",
                        "notice": imp.notice_id,
                        "evidence": self._gdpr_evidence_text(
                            evidence, digest, row, channels
                        ),
                        "attachment": evidence,
                        "origin": imp,
                        "answered_on": row.answered_on,
                    }
                    for partner, row in entries[start : start + EVENT_BATCH]
                ]
            )
            imp._gdpr_progress(
                self.env._("Recording consents"),
                min(start + EVENT_BATCH, len(entries)),
                len(entries),
            )
        return len(entries)

    @api.model
    def _gdpr_evidence_text(self, evidence, digest, row, channels):
        parts = [
            self.env._(
                "Row %(row)s of %(file)s (SHA-256 %(digest)s).",
                row=row.number,
                file=evidence.name,
                digest=digest,
            )
        ]
        if row.answered_on:
            parts.append(
                self.env._(
                    "Answered on %(date)s.", date=fields.Date.to_string(row.answered_on)
                )
            )
        if row.channel:
            parts.append(
                self.env._("Collected by: %(channel)s.", channel=channels[row.channel])
            )
        if row.evidence:
            parts.append(row.evidence)
        return " ".join(parts)
