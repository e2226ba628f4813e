# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

# Default classification of the standard personal-data fields (seed 003).
# Fields of modules that are not installed are skipped, so the same table
# serves every combination of apps; re-run it after installing one.
DEFAULT_CLASSIFICATION = {
    "contact": {
        "res.partner": [
            "name",
            "email",
            "phone",
            "mobile",
            "street",
            "street2",
            "zip",
            "city",
            "state_id",
            "country_id",
            "title",
            "function",
            "lang",
            "website",
            "image_1920",
            "parent_id",
        ],
        "crm.lead": [
            "contact_name",
            "partner_name",
            "email_from",
            "email_cc",
            "phone",
            "mobile",
            "street",
            "street2",
            "zip",
            "city",
            "state_id",
            "country_id",
            "title",
            "function",
            "lang_id",
            "website",
        ],
        "mailing.contact": ["name", "email", "company_name", "title_id", "country_id"],
        "res.partner.bank": ["acc_holder_name"],
    },
    "profiling": {
        "res.partner": ["comment", "category_id", "industry_id"],
        "crm.lead": ["description", "tag_ids", "priority"],
        "mailing.contact": ["tag_ids"],
    },
    "financial": {
        "res.partner": [
            "vat",
            "bank_ids",
            "credit",
            "debit",
            "credit_limit",
            "use_partner_credit_limit",
            "total_invoiced",
            "total_due",
            "total_overdue",
            "property_payment_term_id",
            "property_supplier_payment_term_id",
            "property_account_position_id",
        ],
        "crm.lead": ["expected_revenue", "prorated_revenue", "recurring_revenue"],
        # the sanitized number is the number without its spaces
        "res.partner.bank": ["acc_number", "sanitized_acc_number"],
    },
    "marketing": {
        "res.partner": ["message_bounce", "email_normalized"],
        "crm.lead": [
            "campaign_id",
            "medium_id",
            "source_id",
            "referred",
            "message_bounce",
            "email_normalized",
        ],
        "mailing.contact": [
            "message_bounce",
            "email_normalized",
            "list_ids",
            "subscription_ids",
        ],
        "mailing.trace": ["email", "open_datetime", "links_click_datetime"],
        "mail.blacklist": ["email"],
    },
}


class GdprDataCategory(models.Model):
    _name = "gdpr.data.category"
    _description = "Personal Data Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical key used by access rules, exports and erasure.",
    )
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    field_ids = fields.Many2many(
        comodel_name="ir.model.fields",
        relation="gdpr_data_category_field_rel",
        column1="category_id",
        column2="field_id",
        string="Personal Data Fields",
        domain="[('store', '=', True)]",
        help="Fields holding personal data of this category. A field belongs to "
        "one category only.",
    )
    field_count = fields.Integer(compute="_compute_field_count")
    purpose_ids = fields.Many2many(
        comodel_name="gdpr.purpose",
        relation="gdpr_purpose_data_category_rel",
        column1="category_id",
        column2="purpose_id",
        string="Purposes",
        readonly=True,
    )

    group_ids = fields.Many2many(
        comodel_name="res.groups",
        relation="gdpr_data_category_group_rel",
        column1="category_id",
        column2="group_id",
        string="Visible To",
        help="Who sees the contacts' fields of this category. Empty: every "
        "internal user. The Data Protection Officer sees every category.",
    )
    external_agents = fields.Boolean(
        string="Visible to External Agents",
        help="External agents and resellers see only the categories ticked here.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a data category must be unique."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        categories = super().create(vals_list)
        self.env.registry.clear_cache()
        return categories

    def write(self, vals):
        result = super().write(vals)
        if {"group_ids", "external_agents", "field_ids", "active"} & set(vals):
            # who sees which field is cached per user
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    def _gdpr_visible_to(self, user):
        """Whether ``user`` may see the fields of this category."""
        self.ensure_one()
        if self.group_ids and not self.group_ids & user.groups_id:
            return False
        return self.external_agents or not user.has_group(
            "gdpr_compliance.group_gdpr_external_agent"
        )

    @api.model
    @tools.ormcache("self.env.uid")
    def _gdpr_hidden_by_model(self):
        """``{model name: field names}`` the current user may not see, from
        the categories the fields belong to."""
        user = self.env.user
        if user._is_superuser() or user.has_group("gdpr_compliance.group_gdpr_officer"):
            return {}
        return self._gdpr_fields_of_categories(
            lambda category: not category._gdpr_visible_to(user)
        )

    @api.model
    def _gdpr_fields_of_categories(self, hides):
        """``{model name: field names}`` of the active categories ``hides``
        accepts."""
        fields_by_model = {}
        for model_name in self._gdpr_classified_models():
            classification = self._gdpr_classification(model_name)
            for category, model_fields in classification.items():
                if category.active and hides(category):
                    fields_by_model.setdefault(model_name, set()).update(
                        model_fields.mapped("name")
                    )
        return {model: frozenset(names) for model, names in fields_by_model.items()}

    @api.model
    @tools.ormcache()
    def _gdpr_classified_models(self):
        """Names of the models holding classified personal data."""
        categories = self.sudo().with_context(active_test=False).search([])
        return frozenset(categories.field_ids.mapped("model"))

    @api.model
    def _gdpr_user_hides_any(self):
        """Whether some classified field is hidden from the current user:
        when none is, the field guard has nothing to check."""
        return bool(self._gdpr_hidden_by_model())

    @api.model
    @tools.ormcache("self.env.uid", "model_name")
    def _gdpr_hidden_fields(self, model_name):
        """Names of the fields of ``model_name`` the current user may not
        see."""
        return self._gdpr_fields_reaching(model_name, self._gdpr_hidden_by_model())

    @api.model
    @tools.ormcache("model_name")
    def _gdpr_restricted_fields(self, model_name):
        """Names of the fields of ``model_name`` that some role may not see.
        Notification emails leave their tracked changes out: an email is
        rendered once for all its recipients and read outside Odoo's access
        rights."""
        restricted = self._gdpr_fields_of_categories(
            lambda category: category.group_ids or not category.external_agents
        )
        return self._gdpr_fields_reaching(model_name, restricted)

    @api.model
    def _gdpr_fields_reaching(self, model_name, by_model):
        """The fields of ``model_name`` in ``by_model`` (``{model name: field
        names}``), and the fields that show one of those under another name
        (a related field, such as a user's ``vat``, which is their
        contact's)."""
        if not by_model or model_name not in self.env:
            return frozenset()
        hidden = set(by_model.get(model_name, ()))
        model = self.env[model_name]
        for name, field in model._fields.items():
            if name not in hidden and field.related:
                if self._gdpr_related_reaches(model, field.related, by_model):
                    hidden.add(name)
        return frozenset(hidden)

    @api.model
    def _gdpr_related_reaches(self, model, path, by_model):
        """Whether a related field's path ends on, or passes through, a
        hidden classified field."""
        for name in path.split("."):
            if name in by_model.get(model._name, ()):
                return True
            field = model._fields.get(name)
            if field is None or not field.relational:
                return False
            model = self.env[field.comodel_name]
        return False

    @api.depends("field_ids")
    def _compute_field_count(self):
        for category in self:
            category.field_count = len(category.field_ids)

    @api.constrains("field_ids")
    def _check_field_single_category(self):
        if not self.field_ids:
            return
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT rel.field_id
              FROM gdpr_data_category_field_rel rel
             WHERE rel.field_id = ANY(%s)
          GROUP BY rel.field_id
            HAVING COUNT(*) > 1
            """,
            [self.field_ids.ids],
        )
        duplicated = self.env["ir.model.fields"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )
        if duplicated:
            raise ValidationError(
                self.env._(
                    "A personal-data field can belong to one category only. "
                    "Already classified elsewhere: %(fields)s",
                    fields=", ".join(
                        f"{field.model}.{field.name}" for field in duplicated
                    ),
                )
            )

    @api.model
    def _gdpr_classification(self, model_name):
        """``{category: ir.model.fields}``: the fields of ``model_name`` each
        data category classifies, categories in their order, archived ones
        included (each caller says whether they count). The one reading of
        the classification: field access, the subject export and erasure
        all go through it."""
        categories = (
            self.sudo()
            .with_context(active_test=False)
            .search([("field_ids.model", "=", model_name)])
        )
        known = self.env[model_name]._fields if model_name in self.env else {}
        return {
            category: category.field_ids.filtered(
                lambda field: field.model == model_name and field.name in known
            )
            for category in categories
        }

    @api.model
    def _gdpr_fields_of(self, model_name, category_codes=None):
        """Names of the classified fields of a model, optionally per category."""
        return {
            name
            for category, model_fields in self._gdpr_classification(model_name).items()
            if not category_codes or category.code in category_codes
            for name in model_fields.mapped("name")
        }

    @api.model
    def _gdpr_stored_fields_of(self, model_name):
        """The classified fields of a model that hold a value of their own
        (stored, not related): what erasure clears."""
        names = self._gdpr_fields_of(model_name)
        Model = self.env[model_name]
        return [
            name
            for name in sorted(names)
            if name in Model._fields
            and Model._fields[name].store
            and not Model._fields[name].related
            # computed fields count only when people can set them
            and not (Model._fields[name].compute and Model._fields[name].readonly)
        ]

    @api.model
    def _gdpr_category_of_field(self, model_name, field_name):
        field = self.env["ir.model.fields"]._get(model_name, field_name)
        if not field:
            return self.browse()
        return self.sudo().search([("field_ids", "in", field.ids)], limit=1)

    @api.model
    def _gdpr_apply_default_classification(self):
        """Link the standard personal fields of installed models to their
        category, leaving fields a DPO classified otherwise untouched."""
        IrFields = self.env["ir.model.fields"].sudo()
        categories = self.sudo().with_context(active_test=False)
        classified = categories.search([]).field_ids
        for code, models_fields in DEFAULT_CLASSIFICATION.items():
            category = categories.search([("code", "=", code)], limit=1)
            if not category:
                continue
            to_add = IrFields.browse()
            for model_name, field_names in models_fields.items():
                if model_name not in self.env:
                    continue
                # computed, non-stored fields hold no data of their own
                to_add |= IrFields.search(
                    [
                        ("model", "=", model_name),
                        ("name", "in", field_names),
                        ("store", "=", True),
                    ]
                )
            to_add -= classified
            if to_add:
                category.write({"field_ids": [(4, field.id) for field in to_add]})
        return True

    def action_apply_default_classification(self):
        self._gdpr_apply_default_classification()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Standard personal-data fields of the installed apps are "
                    "classified."
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_fields(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Fields of %(category)s", category=self.name),
            "res_model": "ir.model.fields",
            "view_mode": "list,form",
            "domain": [("id", "in", self.field_ids.ids)],
        }
