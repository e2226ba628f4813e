# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo import fields

from .models.gdpr_chained_log_mixin import drop_chain_guards


def post_init_hook(env):
    """Flag the individuals and leads already in the database (nobody has yet
    confirmed why the company holds their data) and compute their last
    interaction from the history already there."""
    env.cr.execute(
        """
        UPDATE res_partner
           SET gdpr_basis_to_review = TRUE
         WHERE gdpr_legal_basis IS NULL
           AND COALESCE(is_company, FALSE) = FALSE
           AND id NOT IN (SELECT partner_id FROM res_company)
        """
    )
    env.cr.execute(
        """
        UPDATE crm_lead
           SET gdpr_basis_to_review = TRUE
         WHERE gdpr_legal_basis IS NULL
        """
    )
    started = fields.Datetime.now()
    env["res.partner"]._gdpr_catch_up_last_interaction(datetime.min)
    env["ir.config_parameter"].sudo().set_param(
        "gdpr_compliance.last_interaction_since", fields.Datetime.to_string(started)
    )


def uninstall_hook(env):
    """Uninstalling removes the privacy data: release what would block the
    removal of the addon's records (the append-only trigger, the ledger's
    and the retention runs' references to contacts, purposes and notices, the
    sources of contacts), and drop what the ORM does not know about."""
    for table in ("gdpr_consent_event", "gdpr_audit_log"):
        drop_chain_guards(env.cr, table)
    env.cr.execute(
        """
        DROP TABLE IF EXISTS gdpr_audit_subject_key;
        DROP TABLE IF EXISTS gdpr_subject_key_erasure;
        DROP TABLE IF EXISTS gdpr_pseudonym_alias;
        DELETE FROM gdpr_consent;
        DELETE FROM gdpr_consent_event;
        DELETE FROM gdpr_retention_run_line;
        UPDATE res_partner SET gdpr_source_id = NULL
         WHERE gdpr_source_id IS NOT NULL;
        UPDATE crm_lead SET gdpr_source_id = NULL WHERE gdpr_source_id IS NOT NULL;
        """
    )
