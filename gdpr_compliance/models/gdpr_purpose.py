# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io

from odoo import api, fields, models
from odoo.exceptions import ValidationError

LEGAL_BASIS_SELECTION = [
    ("consent", "Consent (Art. 6(1)(a))"),
    ("contract", "Contract or pre-contractual measures (Art. 6(1)(b))"),
    ("legal_obligation", "Legal obligation (Art. 6(1)(c))"),
    ("vital_interest", "Vital interests (Art. 6(1)(d))"),
    ("public_interest", "Public interest or official authority (Art. 6(1)(e))"),
    ("legitimate_interest", "Legitimate interest (Art. 6(1)(f))"),
]

# How firmly a basis holds, weakest first: the one a contact keeps when a
# second source (an imported file) offers another. Legitimate and public
# interest give way to an objection at any time (Art. 21(1)); consent is the
# person's own choice but can be withdrawn (Art. 7(3)); vital interests, a
# contract and a legal obligation hold whatever the person later says.
LEGAL_BASIS_STRENGTH = {
    "legitimate_interest": 1,
    "public_interest": 2,
    "consent": 3,
    "vital_interest": 4,
    "contract": 5,
    "legal_obligation": 6,
}

RETENTION_ANCHOR_SELECTION = [
    ("last_interaction", "Last interaction"),
    ("creation", "Collection date"),
    ("end_of_relationship", "End of relationship"),
]

RETENTION_ACTION_SELECTION = [
    ("marketing_removal", "Remove from marketing"),
    ("anonymise", "Anonymise"),
    ("delete", "Delete"),
    ("archive", "Archive"),
]

RETENTION_SCOPE_SELECTION = [
    ("everyone", "Every contact"),
    ("consent", "Contacts who gave consent"),
    ("customers", "Customers"),
]

# The stronger action wins when two purposes end on the same day.
RETENTION_ACTION_STRENGTH = {
    "marketing_removal": 1,
    "archive": 2,
    "anonymise": 3,
    "delete": 4,
}

TRANSFER_SAFEGUARD_SELECTION = [
    ("adequacy", "Adequacy decision (Art. 45)"),
    ("scc", "Standard contractual clauses (Art. 46(2)(c))"),
    ("bcr", "Binding corporate rules (Art. 47)"),
    ("certification", "Code of conduct or certification (Art. 46(2)(e)-(f))"),
    ("derogation", "Derogation for specific situations (Art. 49)"),
]

# Column order of the CSV register: a stable, documented layout that a DPO
# can hand to the authority or diff between two years.
REGISTER_CSV_COLUMNS = [
    "code",
    "name",
    "description",
    "legal_basis",
    "data_categories",
    "recipients",
    "processors",
    "transfer_outside_eu",
    "transfer_countries",
    "transfer_safeguard",
    "retention_months",
    "retention_anchor",
    "retention_action",
    "company",
]


class GdprPurpose(models.Model):
    _name = "gdpr.purpose"
    _description = "Processing Purpose (Register of Processing Activities)"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable technical key (e.g. 'marketing') used by the code that asks "
        "whether a processing is allowed.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        help="Leave empty when the purpose applies to every company.",
    )
    legal_basis = fields.Selection(
        selection=LEGAL_BASIS_SELECTION,
        required=True,
        default="consent",
    )
    data_category_ids = fields.Many2many(
        comodel_name="gdpr.data.category",
        relation="gdpr_purpose_data_category_rel",
        column1="purpose_id",
        column2="category_id",
        string="Data Categories",
    )
    recipients = fields.Text(
        string="Categories of Recipients",
        translate=True,
        help="Who receives the data (Art. 30(1)(d)): e.g. couriers, banks, "
        "accountants, public authorities.",
    )
    processor_ids = fields.Many2many(
        comodel_name="res.partner",
        relation="gdpr_purpose_processor_rel",
        column1="purpose_id",
        column2="partner_id",
        string="Processors",
        check_company=True,
        help="External processors (Art. 28) handling the data for this purpose.",
    )
    transfer_outside_eu = fields.Boolean(string="Transfer Outside the EU/EEA")
    transfer_country_ids = fields.Many2many(
        comodel_name="res.country",
        relation="gdpr_purpose_transfer_country_rel",
        column1="purpose_id",
        column2="country_id",
        string="Destination Countries",
    )
    transfer_safeguard = fields.Selection(selection=TRANSFER_SAFEGUARD_SELECTION)
    transfer_notes = fields.Text()
    retention_months = fields.Integer(
        string="Retention (months)",
        help="How long the data may be kept after the anchor date. "
        "0 means no time limit is set.",
    )
    retention_anchor = fields.Selection(
        selection=RETENTION_ANCHOR_SELECTION,
        required=True,
        default="last_interaction",
        help="The date from which the retention period runs.",
    )
    retention_action = fields.Selection(
        selection=RETENTION_ACTION_SELECTION,
        required=True,
        default="anonymise",
        help="What happens to the data when the retention period is over.",
    )
    retention_scope = fields.Selection(
        selection=RETENTION_SCOPE_SELECTION,
        string="Applies To",
        compute="_compute_retention_scope",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        help="Whose data this purpose keeps: every contact, only those with a "
        "current consent for it, or only customers (a won opportunity, a "
        "confirmed order or a posted invoice). The retention engine keeps a "
        "contact's data as long as one purpose that applies to them does.",
    )
    consent_validity_months = fields.Integer(
        string="Consent Validity (months)",
        help="A given consent lapses after this many months (0: no lapse); a "
        "scheduled action then records it as expired.",
    )
    consent_evidence_required = fields.Boolean(
        string="Evidence Required",
        help="Giving consent for this purpose must come with evidence (a text "
        "or a document).",
    )
    customer_legitimate_interest = fields.Boolean(
        string="Existing Customers on Legitimate Interest",
        help="Existing customers may be processed without consent until they "
        "object (Italian Privacy Code art. 130(4), 'soft spam'). Prospects and "
        "leads always need an explicit consent.",
    )
    requires_consent = fields.Boolean(
        compute="_compute_requires_consent",
        store=True,
        help="Processing for this purpose rests on the data subject's consent.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a purpose must be unique."),
        (
            "consent_validity_positive",
            "CHECK(consent_validity_months >= 0)",
            "The consent validity cannot be negative.",
        ),
        (
            "retention_months_positive",
            "CHECK(retention_months >= 0)",
            "The retention period cannot be negative.",
        ),
    ]

    @api.depends("legal_basis")
    def _compute_retention_scope(self):
        for purpose in self:
            if purpose.legal_basis == "consent":
                purpose.retention_scope = "consent"
            elif purpose.legal_basis in ("contract", "legal_obligation"):
                purpose.retention_scope = "customers"
            else:
                purpose.retention_scope = "everyone"

    @api.depends("legal_basis")
    def _compute_requires_consent(self):
        for purpose in self:
            purpose.requires_consent = purpose.legal_basis == "consent"

    @api.constrains("transfer_outside_eu", "transfer_safeguard")
    def _check_transfer_safeguard(self):
        for purpose in self:
            if purpose.transfer_outside_eu and not purpose.transfer_safeguard:
                raise ValidationError(
                    self.env._(
                        "Purpose %(purpose)s transfers data outside the EU: "
                        "state the safeguard (Art. 44-49 GDPR).",
                        purpose=purpose.name,
                    )
                )

    @api.constrains("code")
    def _check_code_format(self):
        for purpose in self:
            code = purpose.code or ""
            if not code.replace("_", "").isalnum() or code != code.lower():
                raise ValidationError(
                    self.env._(
                        "The code %(code)r of purpose %(purpose)s may contain "
                        "only lowercase letters, digits and underscores.",
                        code=code,
                        purpose=purpose.name,
                    )
                )

    @api.model
    def _gdpr_get(self, purpose):
        """Resolve a purpose given as record or code; raise when unknown."""
        if isinstance(purpose, models.BaseModel):
            if purpose._name != self._name or len(purpose) != 1:
                raise ValidationError(self.env._("Expected exactly one purpose."))
            return purpose
        record = (
            self.sudo()
            .with_context(active_test=False)
            .search([("code", "=", purpose)], limit=1)
        )
        if not record:
            raise ValidationError(
                self.env._("Unknown processing purpose %(code)r.", code=purpose)
            )
        # the caller's rights, sudo or not, apply to what it reads next
        return record.with_env(self.env)

    def _gdpr_register_rows(self):
        """The register as a list of dicts, one per purpose, in CSV order."""
        basis = dict(self._fields["legal_basis"]._description_selection(self.env))
        anchors = dict(
            self._fields["retention_anchor"]._description_selection(self.env)
        )
        actions = dict(
            self._fields["retention_action"]._description_selection(self.env)
        )
        safeguards = dict(
            self._fields["transfer_safeguard"]._description_selection(self.env)
        )
        rows = []
        for purpose in self:
            rows.append(
                {
                    "code": purpose.code,
                    "name": purpose.name,
                    "description": purpose.description or "",
                    "legal_basis": basis.get(purpose.legal_basis, ""),
                    "data_categories": "; ".join(
                        purpose.data_category_ids.mapped("name")
                    ),
                    "recipients": purpose.recipients or "",
                    "processors": "; ".join(
                        purpose.processor_ids.mapped("display_name")
                    ),
                    "transfer_outside_eu": "yes"
                    if purpose.transfer_outside_eu
                    else "no",
                    "transfer_countries": "; ".join(
                        purpose.transfer_country_ids.mapped("name")
                    ),
                    "transfer_safeguard": safeguards.get(
                        purpose.transfer_safeguard, ""
                    ),
                    "retention_months": purpose.retention_months,
                    "retention_anchor": anchors.get(purpose.retention_anchor, ""),
                    "retention_action": actions.get(purpose.retention_action, ""),
                    "company": purpose.company_id.name or "",
                }
            )
        return rows

    def _gdpr_register_csv(self):
        """The register of processing activities as CSV text (Art. 30)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=REGISTER_CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(self._gdpr_register_rows())
        return buffer.getvalue()

    def action_export_register_csv(self):
        ids = ",".join(str(i) for i in self.ids)
        return {
            "type": "ir.actions.act_url",
            "url": f"/gdpr/register.csv?ids={ids}" if ids else "/gdpr/register.csv",
            "target": "download",
        }
