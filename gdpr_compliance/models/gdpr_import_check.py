# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import codecs
import csv
from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from odoo.addons.base_import.models.base_import import ImportValidationError

from .gdpr_erasure import normalize_email

# Fields of the contact a column can fill, in the order the mapping lists them.
PARTNER_TARGETS = (
    "name",
    "company_type",
    "company_name",
    "function",
    "email",
    "phone",
    "mobile",
    "website",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "country_id",
    "vat",
    "ref",
    "comment",
    "gdpr_legal_basis",
    "gdpr_source_id",
    "gdpr_source_detail",
    "gdpr_collection_date",
)
# Those read into something else than a plain text, copied as it is.
PARSED_TARGETS = (
    "company_type",
    "state_id",
    "country_id",
    "comment",
    "gdpr_legal_basis",
    "gdpr_source_id",
    "gdpr_collection_date",
)
TEXT_TARGETS = tuple(name for name in PARTNER_TARGETS if name not in PARSED_TARGETS)
# Columns that record, row by row, the person's answer about the file's
# consent purpose.
CONSENT_TARGETS = ("consent", "consent_date", "consent_channel", "consent_evidence")
TARGET_TYPES = {
    "gdpr_collection_date": "date",
    "consent_date": "date",
    "company_type": "selection",
    "gdpr_legal_basis": "selection",
    "consent": "selection",
    "consent_channel": "selection",
}

# How a consent may have been collected before it reached the file; the
# ledger records the import itself as the channel.
FILE_CHANNELS = (
    "web_form",
    "checkbox",
    "verbal",
    "phone",
    "email",
    "paper",
    "double_opt_in",
    "api",
)

# Dates as spreadsheets write them: ISO first (what base_import gives for
# XLSX date cells), then day before month, as in Italy and most of Europe.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)


class ImportRow:
    """One data row of a file, as read, checked and classified."""

    __slots__ = (
        "number",
        "values",
        "vals",
        "consent",
        "answered_on",
        "channel",
        "evidence",
        "issues",
        "notes",
        "status",
        "partner_id",
        "leader",
        "kind",
        "record_consent",
        "blocked",
    )

    def __init__(self, number, values):
        self.number = number
        self.values = values
        self.vals = {}
        self.consent = None
        self.answered_on = None
        self.channel = None
        self.evidence = None
        self.issues = []
        self.notes = []
        self.status = "new"
        self.partner_id = None
        self.leader = None
        self.kind = None
        self.record_consent = True
        self.blocked = None

    def issue(self, column, value, reason):
        self.issues.append((column, value, reason))


class GdprImportCheck(models.AbstractModel):
    """Reads a file of contacts with base_import, suggests how its columns
    map, and checks every row before anything is written: new, duplicate,
    suppressed or invalid, with the reasons."""

    _name = "gdpr.import.check"
    _description = "Privacy Import: Checks"

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_reader(self, imp):
        """base_import's reader of the file (a record never stored)."""
        return self.env["base_import.import"].new(
            {
                "res_model": imp._name,
                "file": base64.b64decode(imp.file or b""),
                "file_name": imp.file_name,
                "file_type": imp.file_type,
            }
        )

    @api.model
    def _gdpr_is_utf8(self, raw):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    @api.model
    def _gdpr_read(self, imp, reader=None):
        """``(headers, data rows, options)`` of the file, read by base_import
        as its Import screen reads it (encoding and separator guessed)."""
        if not imp.file:
            raise UserError(self.env._("Upload the file to import first."))
        reader = reader or self._gdpr_reader(imp)
        options = {
            "quoting": '"',
            "separator": imp.csv_separator or "",
            "has_headers": True,
            "sheet": imp.sheet_name or "",
        }
        # most files are UTF-8: base_import would otherwise guess the encoding
        # from the whole file, seconds for a large one
        if self._gdpr_is_utf8(reader.file):
            options["encoding"] = (
                "utf-8-sig" if reader.file.startswith(codecs.BOM_UTF8) else "utf-8"
            )
        try:
            _length, rows = reader._read_file(options)
        except (ImportValidationError, UserError, ValueError, csv.Error) as error:
            raise UserError(
                self.env._(
                    "%(file)s cannot be read as a CSV or Excel file: %(error)s",
                    file=imp.file_name or self.env._("The file"),
                    error=error,
                )
            ) from error
        if len(rows or ()) < 2:
            raise UserError(
                self.env._("%(file)s has no row under its header.", file=imp.file_name)
            )
        headers = [str(header).strip() for header in rows[0]]
        width = len(headers)
        data = [[str(value).strip() for value in row[:width]] for row in rows[1:]]
        for row in data:
            row.extend([""] * (width - len(row)))
        return headers, data, options

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_words(self, english, translated):
        """Accepted spellings: the English ones and those of the user's
        language (a comma-separated translatable list)."""
        words = f"{english},{translated}"
        return {word.strip().casefold() for word in words.split(",") if word.strip()}

    @api.model
    def _gdpr_labels_map(self, field, keys=None):
        """Key, label and label before its parenthesis (``Consent`` for
        ``Consent (Art. 6(1)(a))``) of a selection, English and translated,
        each pointing to the key."""
        mapping = {}
        for lang in {"en_US", self.env.lang or "en_US"}:
            env = self.with_context(lang=lang).env
            for key, label in field._description_selection(env):
                if keys and key not in keys:
                    continue
                for spelling in (key, label, label.split(" (")[0]):
                    mapping[spelling.strip().casefold()] = key
        return mapping

    @api.model
    def _gdpr_lookups(self, imp):
        """Everything a row's values are checked against, read once."""
        Partner = self.env["res.partner"]
        sources = {}
        countries, states = {}, {}
        for lang in {"en_US", self.env.lang or "en_US"}:
            for source in (
                self.env["gdpr.source"]
                .with_context(lang=lang)
                .search([("is_automatic", "=", False)])
            ):
                sources[source.code.casefold()] = source.id
                sources[source.name.strip().casefold()] = source.id
            for country in self.env["res.country"].with_context(lang=lang).search([]):
                countries[country.code.casefold()] = country.id
                countries[country.name.casefold()] = country.id
            for state in (
                self.env["res.country.state"].with_context(lang=lang).search([])
            ):
                states[(state.country_id.id, state.code.casefold())] = state.id
                states[(state.country_id.id, state.name.casefold())] = state.id
        company_type = Partner._fields["company_type"]
        return {
            "basis": self._gdpr_labels_map(Partner._fields["gdpr_legal_basis"]),
            "sources": sources,
            "source_records": {
                source.id: source
                for source in self.env["gdpr.source"].browse(set(sources.values()))
            },
            "countries": countries,
            "states": states,
            "company_country": self.env.company.country_id.id,
            "company_type": {
                **self._gdpr_labels_map(company_type),
                **dict.fromkeys(("true", "yes", "1"), "company"),
                **dict.fromkeys(("false", "no", "0", "individual"), "person"),
            },
            "channels": self._gdpr_labels_map(
                self.env["gdpr.consent.event"]._fields["channel"], FILE_CHANNELS
            ),
            "given": self._gdpr_words(
                "given,yes,y,true,1,x", self.env._("given,yes,true")
            ),
            "refused": self._gdpr_words(
                "refused,no,n,false,0", self.env._("refused,no,false")
            ),
            "labels": dict(self.env["gdpr.import.column"]._gdpr_targets()),
            "today": fields.Date.context_today(self),
            "date_formats": list(DATE_FORMATS),
            "validity": imp.consent_purpose_id.consent_validity_months,
        }

    @api.model
    def _gdpr_parse_date(self, value, formats):
        """The date written in ``value``, or None. ``formats`` is reordered
        so that the format of a file's dates is tried first next time."""
        for position, date_format in enumerate(formats):
            try:
                parsed = datetime.strptime(value, date_format).date()
            except ValueError:
                continue
            if position:
                formats.insert(0, formats.pop(position))
            return parsed
        return None

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_parse_row(self, imp, number, values, lookups):
        """An ImportRow with the contact's values and the consent it records,
        or the reasons it cannot be imported."""
        row = ImportRow(number, values)
        labels = lookups["labels"]
        vals = row.vals
        for name in TEXT_TARGETS:
            if values.get(name):
                vals[name] = values[name]
        if values.get("comment"):
            vals["comment"] = plaintext2html(values["comment"])
        if not values.get("name"):
            row.issue(labels["name"], "", self.env._("A contact needs a name."))
        email = values.get("email")
        if email and not normalize_email(email):
            row.issue(labels["email"], email, self.env._("Not a valid email address."))
        self._gdpr_parse_company_type(row, lookups)
        self._gdpr_parse_address(row, lookups)
        self._gdpr_parse_basis(imp, row, lookups)
        self._gdpr_parse_consent(imp, row, lookups)
        return row

    @api.model
    def _gdpr_parse_company_type(self, row, lookups):
        value = row.values.get("company_type")
        if not value:
            return
        kind = lookups["company_type"].get(value.casefold())
        if kind:
            row.vals["is_company"] = kind == "company"
        else:
            row.issue(
                lookups["labels"]["company_type"],
                value,
                self.env._("Say whether the contact is a person or a company."),
            )

    @api.model
    def _gdpr_parse_address(self, row, lookups):
        labels = lookups["labels"]
        country = row.values.get("country_id")
        country_id = None
        if country:
            country_id = lookups["countries"].get(country.casefold())
            if country_id:
                row.vals["country_id"] = country_id
            else:
                row.issue(labels["country_id"], country, self.env._("Unknown country."))
        state = row.values.get("state_id")
        if state:
            state_id = lookups["states"].get(
                (country_id or lookups["company_country"], state.casefold())
            )
            if state_id:
                row.vals["state_id"] = state_id
            else:
                row.issue(
                    labels["state_id"],
                    state,
                    self.env._("Unknown state or province for this country."),
                )

    @api.model
    def _gdpr_parse_basis(self, imp, row, lookups):
        """Legal basis, source and collection date: the row's own, else the
        file's."""
        labels = lookups["labels"]
        values = row.values
        basis = imp.legal_basis
        if values.get("gdpr_legal_basis"):
            basis = lookups["basis"].get(values["gdpr_legal_basis"].casefold())
            if not basis:
                row.issue(
                    labels["gdpr_legal_basis"],
                    values["gdpr_legal_basis"],
                    self.env._(
                        "Unknown legal basis: use consent, contract, "
                        "legal_obligation, vital_interest, public_interest or "
                        "legitimate_interest."
                    ),
                )
        source_id = imp.source_id.id
        if values.get("gdpr_source_id"):
            source_id = lookups["sources"].get(values["gdpr_source_id"].casefold())
            if not source_id:
                row.issue(
                    labels["gdpr_source_id"],
                    values["gdpr_source_id"],
                    self.env._("Unknown data source: use the code or the name of one."),
                )
        collected_on = imp.collection_date
        if values.get("gdpr_collection_date"):
            collected_on = self._gdpr_parse_date(
                values["gdpr_collection_date"], lookups["date_formats"]
            )
            if not collected_on or collected_on > lookups["today"]:
                row.issue(
                    labels["gdpr_collection_date"],
                    values["gdpr_collection_date"],
                    self.env._("Not a date, or a date in the future."),
                )
        row.vals.update(
            gdpr_legal_basis=basis,
            gdpr_source_id=source_id,
            gdpr_collection_date=collected_on,
            gdpr_source_detail=row.vals.get("gdpr_source_detail")
            or imp.source_detail
            or imp.file_name,
        )

    @api.model
    def _gdpr_parse_consent(self, imp, row, lookups):
        """The person's answer recorded in the row, and the rules it must
        follow to be evidence (Art. 7(1))."""
        labels = lookups["labels"]
        values = row.values
        answer = values.get("consent", "")
        if answer.casefold() in lookups["given"]:
            row.consent = "given"
        elif answer.casefold() in lookups["refused"]:
            row.consent = "refused"
        elif answer:
            row.issue(
                labels["consent"],
                answer,
                self.env._("Unknown consent answer: write given or refused."),
            )
        row.answered_on = row.vals.get("gdpr_collection_date")
        if values.get("consent_date"):
            row.answered_on = self._gdpr_parse_date(
                values["consent_date"], lookups["date_formats"]
            )
            if not row.answered_on or row.answered_on > lookups["today"]:
                row.issue(
                    labels["consent_date"],
                    values["consent_date"],
                    self.env._("Not a date, or a date in the future."),
                )
        if values.get("consent_channel"):
            row.channel = lookups["channels"].get(values["consent_channel"].casefold())
            if not row.channel:
                row.issue(
                    labels["consent_channel"],
                    values["consent_channel"],
                    self.env._(
                        "Unknown channel: use web_form, checkbox, verbal, phone, "
                        "email, paper, double_opt_in or api."
                    ),
                )
        row.evidence = values.get("consent_evidence") or None
        if row.consent or not answer:
            # an unreadable answer is reported once, not by every rule below
            self._gdpr_check_consent_rules(imp, row, lookups)

    @api.model
    def _gdpr_answer_cell(self, row, labels):
        """Column and value a problem with the date of the answer is reported
        on: the consent date, or the consent when the file has no dates."""
        column = "consent_date" if "consent_date" in row.values else "consent"
        return labels[column], fields.Date.to_string(row.answered_on)

    @api.model
    def _gdpr_check_consent_rules(self, imp, row, lookups):
        labels = lookups["labels"]
        answer = row.values.get("consent", "")
        notice = imp.notice_id
        if row.consent and not notice:
            row.issue(
                labels["consent"],
                answer,
                self.env._(
                    "A consent answer without the version of the privacy notice "
                    "shown to the person: choose it for the file."
                ),
            )
        elif row.consent and row.answered_on and notice.valid_from > row.answered_on:
            row.issue(
                *self._gdpr_answer_cell(row, labels),
                self.env._(
                    "The notice version %(notice)s was published on %(date)s, "
                    "after this answer.",
                    notice=notice.name,
                    date=notice.valid_from,
                ),
            )
        source = lookups["source_records"].get(row.vals.get("gdpr_source_id"))
        if source and source.requires_explicit_consent and row.consent != "given":
            row.issue(
                labels["consent"],
                answer,
                self.env._(
                    "Contacts from %(origin)s need an explicit consent: the row "
                    "records none given.",
                    origin=source.name,
                ),
            )
        if row.vals.get("gdpr_legal_basis") == "consent" and row.consent != "given":
            row.issue(
                labels["gdpr_legal_basis"],
                row.values.get("gdpr_legal_basis") or "consent",
                self.env._(
                    "The legal basis is consent but the row records none given."
                ),
            )
        validity = lookups["validity"]
        if (
            row.consent == "given"
            and validity
            and row.answered_on
            and fields.Date.add(row.answered_on, months=validity) < lookups["today"]
        ):
            row.issue(
                *self._gdpr_answer_cell(row, labels),
                self.env._(
                    "This consent has lapsed: consents for %(purpose)s are valid "
                    "%(months)s months.",
                    purpose=imp.consent_purpose_id.name,
                    months=validity,
                ),
            )
