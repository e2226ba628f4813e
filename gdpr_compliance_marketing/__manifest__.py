# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "GDPR Compliance for Email Marketing",
    "summary": "Consent-aware mailings and marketing personal data classification",
    "version": "18.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "website": "https://github.com/gdpr-crm-compliance/odoo-gdpr",
    "author": "GDPR CRM Compliance",
    "maintainers": ["gdpr-crm-compliance"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "installable": True,
    "auto_install": True,
    "post_init_hook": "post_init_hook",
    "depends": ["gdpr_compliance", "mass_mailing", "mass_mailing_crm"],
    "data": [
        "security/ir.model.access.csv",
        "data/gdpr_data_category_data.xml",
        "data/ir_cron_data.xml",
        "views/gdpr_objection_views.xml",
        "views/subscription_confirmation_templates.xml",
        "views/res_config_settings_views.xml",
        "views/mailing_mailing_views.xml",
        "views/gdpr_retention_run_views.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
    ],
}
