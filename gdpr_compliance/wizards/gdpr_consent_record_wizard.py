# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..models.gdpr_consent_event import (
    CONSENT_ACTION_SELECTION,
    CONSENT_CHANNEL_SELECTION,
)


class GdprConsentRecordWizard(models.TransientModel):
    _name = "gdpr.consent.record.wizard"
    _description = "Record Consent"

    partner_id = fields.Many2one(comodel_name="res.partner", readonly=True)
    lead_id = fields.Many2one(comodel_name="crm.lead", readonly=True)
    purpose_id = fields.Many2one(comodel_name="gdpr.purpose", required=True)
    action = fields.Selection(
        selection=[item for item in CONSENT_ACTION_SELECTION if item[0] != "expired"],
        required=True,
        default="given",
    )
    channel = fields.Selection(
        selection=[item for item in CONSENT_CHANNEL_SELECTION if item[0] != "system"],
        required=True,
    )
    notice_id = fields.Many2one(
        comodel_name="gdpr.privacy.notice",
        string="Notice Version Shown",
        compute="_compute_notice_id",
        store=True,
        readonly=False,
        domain="[('purpose_ids', 'in', purpose_id)]",
    )
    evidence = fields.Text(
        help="What proves the consent: the text of the checkbox, who said what "
        "on the phone and when, the reference of the paper form...",
    )
    evidence_file = fields.Binary(string="Evidence Document")
    evidence_filename = fields.Char()
    evidence_required = fields.Boolean(related="purpose_id.consent_evidence_required")

    @api.depends("purpose_id")
    def _compute_notice_id(self):
        Notice = self.env["gdpr.privacy.notice"]
        for wizard in self:
            wizard.notice_id = (
                Notice._gdpr_current_for(wizard.purpose_id)
                if wizard.purpose_id
                else False
            )

    @api.model
    def _gdpr_open_for(self, record):
        key = "default_lead_id" if record._name == "crm.lead" else "default_partner_id"
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record consent"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {key: record.id},
        }

    def action_record(self):
        self.ensure_one()
        attachment = None
        subject = self.lead_id or self.partner_id
        if self.evidence_file:
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": self.evidence_filename or "consent-evidence",
                        "datas": self.evidence_file,
                        "res_model": subject._name,
                        "res_id": subject.id,
                    }
                )
            )
        subject._gdpr_record_consent(
            self.purpose_id,
            self.action,
            self.channel,
            notice=self.notice_id,
            evidence=self.evidence,
            attachment=attachment,
        )
        return {"type": "ir.actions.act_window_close"}
