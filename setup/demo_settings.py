# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run by setup/run inside `odoo shell` on the demo database: settings of the
demo that belong to no addon.

CRM's lead enrichment (crm_iap_enrich, installed with CRM) sends the email
domain of every new lead to Odoo's IAP service, from a scheduled action that
runs within the first minute of the server: the demo runs without an IAP
account and possibly offline, so the action only fills the log with an error.
Enrichment stays available on demand from a lead."""

# `env` is provided by `odoo shell`
cron = env.ref(  # noqa: F821
    "crm_iap_enrich.ir_cron_lead_enrichment", raise_if_not_found=False
)
if cron:
    cron.active = False
    # what Settings > CRM > Lead Enrichment shows and new leads follow
    env["ir.config_parameter"].set_param(  # noqa: F821
        "crm.iap.lead.enrich.setting", "manual"
    )
env.cr.commit()  # noqa: F821  # pylint: disable=invalid-commit
print("demo settings: lead enrichment", "off" if cron else "not installed")
