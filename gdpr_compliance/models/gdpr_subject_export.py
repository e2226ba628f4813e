# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import json
import zipfile

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import file_open, html2plaintext

from odoo.addons.base.models.res_partner import ADDRESS_FIELDS

from .gdpr_consent_event import CONSENT_ACTION_SELECTION


class GdprSubjectExport(models.AbstractModel):
    """What the company holds about a person, as the access report (Art. 15)
    and the portability export (Art. 20) give it to them (one structure,
    rendered by the report and serialised by the export), and its correction
    (Art. 16)."""

    _name = "gdpr.subject.export"
    _description = "Data Subject Export"

    @api.model
    def _gdpr_rectifiable_fields(self):
        """The contact data a person may have corrected (Art. 16)."""
        return ["name", "email", "phone", "mobile", *ADDRESS_FIELDS, "function", "lang"]

    @api.model
    def _gdpr_rectify(self, partner, vals, request=None):
        """Art. 16: correct the person's data. The old and new values go to
        the audit log, encrypted for this person, never to the chatter (which
        would keep a copy of the wrong data in clear)."""
        partner.ensure_one()
        unknown = set(vals) - set(self._gdpr_rectifiable_fields())
        if unknown:
            raise UserError(
                self.env._(
                    "These fields cannot be rectified here: %(fields)s",
                    fields=", ".join(sorted(unknown)),
                )
            )
        partner.check_access("write")
        changes = {}
        for name, new in vals.items():
            field = partner._fields[name]
            old = partner[name]
            old_value = old.id if field.type == "many2one" else old
            if (old_value or False) == (new or False):
                continue
            changes[name] = (
                field.convert_to_display_name(old, partner) or False,
                field.convert_to_display_name(
                    field.convert_to_record(
                        field.convert_to_cache(new, partner), partner
                    ),
                    partner,
                )
                or False,
            )
        if not changes:
            raise UserError(self.env._("Nothing to rectify: no value changed."))
        partner.with_context(tracking_disable=True, mail_notrack=True).write(
            {name: vals[name] for name in changes}
        )
        self.env["gdpr.audit.log"]._gdpr_log(
            "rectification",
            "rectified " + ", ".join(sorted(changes)),
            subjects=partner,
            document=request,
            changes=changes,
        )
        return changes

    @api.model
    def _gdpr_value_text(self, record, field_name):
        field = record._fields[field_name]
        value = record[field_name]
        if field.type == "binary":
            return self.env._("(file)") if value else False
        if field.type in ("many2many", "one2many"):
            return ", ".join(value.mapped("display_name")) or False
        if field.type == "boolean":
            return value
        if field.type == "selection" and value:
            return dict(field._description_selection(self.env)).get(value, value)
        if field.type == "html":
            return html2plaintext(value or "") or False
        return field.convert_to_display_name(value, record) or False

    @api.model
    def _gdpr_classified_values(self, records):
        """``[{code, name, fields: [{field, label, value}]}]`` of the
        classified fields of ``records`` (all of one model) holding a value,
        per data category."""
        classification = self.env["gdpr.data.category"]._gdpr_classification(
            records._name
        )
        sections = []
        for category, model_fields in classification.items():
            if not category.active:
                continue
            rows = []
            for record in records:
                for field in model_fields.sorted("name"):
                    value = self._gdpr_value_text(record, field.name)
                    if value not in (False, None, ""):
                        rows.append(
                            {
                                "field": field.name,
                                "label": field.field_description,
                                "value": value,
                            }
                        )
            if rows:
                sections.append(
                    {"code": category.code, "name": category.name, "fields": rows}
                )
        return sections

    @api.model
    def _gdpr_personal_data(self, partner):
        """Everything held about ``partner``, in one structure that the
        access report renders and the portability export serialises.
        Extended by other addons (mailing subscriptions)."""
        partner.ensure_one()
        partner = partner.sudo()
        selection = partner._fields["gdpr_legal_basis"]._description_selection(self.env)
        leads = self.env["gdpr.erasure"]._gdpr_leads(partner)
        purposes = partner._gdpr_applicable_purposes()
        purpose_basis = dict(
            self.env["gdpr.purpose"]
            ._fields["legal_basis"]
            ._description_selection(self.env)
        )
        anchors = dict(
            self.env["gdpr.purpose"]
            ._fields["retention_anchor"]
            ._description_selection(self.env)
        )
        actions = dict(CONSENT_ACTION_SELECTION)
        channels = dict(
            self.env["gdpr.consent.event"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        return {
            "contact": {
                "id": partner.id,
                "name": partner.name,
                "email": partner.email or False,
                "phone": partner.phone or False,
                "mobile": partner.mobile or False,
                "street": partner.street or False,
                "street2": partner.street2 or False,
                "zip": partner.zip or False,
                "city": partner.city or False,
                "state": partner.state_id.name or False,
                "country": partner.country_id.code or False,
                "function": partner.function or False,
                "lang": partner.lang or False,
            },
            "categories": self._gdpr_classified_values(partner),
            "source": {
                "legal_basis": dict(selection).get(partner.gdpr_legal_basis, False),
                "source": partner.gdpr_source_id.name or False,
                "detail": partner.gdpr_source_detail or False,
                "collection_date": fields.Date.to_string(partner.gdpr_collection_date)
                or False,
            },
            "purposes": [
                {
                    "code": purpose.code,
                    "name": purpose.name,
                    "legal_basis": purpose_basis.get(purpose.legal_basis, False),
                    "recipients": purpose.recipients or False,
                    "processors": purpose.processor_ids.mapped("display_name"),
                    "transfer_outside_eu": purpose.transfer_outside_eu,
                    "transfer_countries": purpose.transfer_country_ids.mapped("name"),
                    "retention_months": purpose.retention_months,
                    "retention_anchor": anchors.get(purpose.retention_anchor, False),
                }
                for purpose in purposes
            ],
            "consents": [
                {
                    "sequence": event.sequence,
                    "time": fields.Datetime.to_string(event.event_time),
                    "purpose": event.purpose_id.name,
                    "purpose_code": event.purpose_id.code,
                    "action": actions[event.action],
                    "channel": channels.get(event.channel, event.channel),
                    "notice": event.notice_id.display_name or False,
                    "ip_address": event.ip_address or False,
                }
                for event in partner.gdpr_consent_event_ids.sorted("sequence")
            ],
            "leads": [
                {
                    "id": lead.id,
                    "name": lead.name,
                    "created": fields.Datetime.to_string(lead.create_date),
                    "stage": lead.stage_id.name or False,
                    "contact_name": lead.contact_name or False,
                    "email": lead.email_from or False,
                    "phone": lead.phone or False,
                    "source": lead.gdpr_source_id.name or False,
                }
                for lead in leads
            ],
            "lead_categories": self._gdpr_classified_values(leads) if leads else [],
            "subscriptions": [],
            "processing": self.env["gdpr.processing.rule"]._gdpr_purpose_decisions(
                partner
            ),
            "restricted": partner.gdpr_restricted,
            "last_interaction": fields.Datetime.to_string(partner.gdpr_last_interaction)
            or False,
        }

    @api.model
    def _gdpr_access_report_pdf(self, partner, lang=None):
        """The Art. 15 report of ``partner``, in ``lang`` (the contact's
        language by default). Returns ``(content, format)``: 'pdf', or 'html'
        where Odoo does not render PDFs (test mode)."""
        partner.ensure_one()
        reports = self.env["ir.actions.report"].with_context(
            lang=lang or partner.lang or "en_US"
        )
        return reports.sudo()._render_qweb_pdf(
            "gdpr_compliance.gdpr_access_report", partner.ids
        )

    @api.model
    def _gdpr_portability_schema(self):
        with file_open("gdpr_compliance/data/gdpr_portability_schema.json") as handle:
            return json.load(handle)

    @api.model
    def _gdpr_portability_data(self, partner, schema=None):
        """The data ``partner`` provided, shaped by the portability schema
        (read from its file unless given): what the schema does not list is
        not exported."""
        partner.ensure_one()
        schema = schema or self._gdpr_portability_schema()
        held = self._gdpr_personal_data(partner)
        properties = schema["properties"]

        def project(values, spec):
            # Odoo's False for "no value" is JSON null, except for booleans
            return {
                key: values.get(key)
                if prop.get("type") == "boolean"
                else values.get(key) or None
                for key, prop in spec["properties"].items()
            }

        data = {
            "schema_version": properties["schema_version"]["const"],
            "generated_at": fields.Datetime.to_string(fields.Datetime.now()),
            "controller": self.env.company.name,
        }
        for key in ("contact", "source"):
            data[key] = project(held[key], properties[key])
        for key in ("consents", "processing", "leads", "subscriptions"):
            data[key] = [project(row, properties[key]["items"]) for row in held[key]]
        return data

    @api.model
    def _gdpr_portability_archive(self, partner):
        """Art. 20: a ZIP with data.json, one CSV per section and the schema
        both follow."""
        schema = self._gdpr_portability_schema()
        data = self._gdpr_portability_data(partner, schema)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "data.json", json.dumps(data, indent=2, ensure_ascii=False)
            )
            archive.writestr(
                "schema.json", json.dumps(schema, indent=2, ensure_ascii=False)
            )
            sections = {
                "contact": ([data["contact"]], schema["properties"]["contact"]),
                "source": ([data["source"]], schema["properties"]["source"]),
                **{
                    key: (data[key], schema["properties"][key]["items"])
                    for key in ("consents", "processing", "leads", "subscriptions")
                },
            }
            for key, (rows, spec) in sections.items():
                text = io.StringIO()
                writer = csv.DictWriter(text, fieldnames=list(spec["properties"]))
                writer.writeheader()
                writer.writerows(rows)
                archive.writestr(f"{key}.csv", text.getvalue())
        return buffer.getvalue()
