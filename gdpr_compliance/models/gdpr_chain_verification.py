# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

CHAINED_LOG_MIXIN = "gdpr.chained.log.mixin"


class GdprChainVerification(models.Model):
    """One verification of a hash-chained log (the consent ledger, the audit
    log): when, by whom, how many entries, and what was found. Being able to
    show that the evidence was checked, and when, is part of demonstrating
    compliance (Art. 5(2) and 7(1) GDPR)."""

    _name = "gdpr.chain.verification"
    _description = "Verification of a Hash-chained Log"
    _order = "date desc, id desc"
    _rec_name = "log_model"

    log_model = fields.Selection(
        selection="_selection_log_model",
        string="Log",
        required=True,
        readonly=True,
        index=True,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Verified By",
        readonly=True,
        ondelete="set null",
        default=lambda self: self.env.user,
    )
    intact = fields.Boolean(readonly=True)
    entry_count = fields.Integer(
        string="Entries Verified",
        readonly=True,
        help="Entries found correct, from the first one on.",
    )
    broken_sequence = fields.Integer(
        string="First Bad Entry",
        readonly=True,
        help="Position of the first entry altered, removed or inserted.",
    )
    problem = fields.Char(readonly=True)

    @api.model
    def _selection_log_model(self):
        return [
            (name, self.env[name]._gdpr_chain_label())
            for name in self._gdpr_log_models()
        ]

    @api.model
    def _gdpr_log_models(self):
        """The hash-chained logs of the database, in a stable order."""
        children = self.env.registry[CHAINED_LOG_MIXIN]._inherit_children
        return sorted(name for name in children if not self.env[name]._abstract)

    @api.depends("log_model", "date")
    def _compute_display_name(self):
        labels = dict(self._selection_log_model())
        for verification in self:
            verification.display_name = (
                f"{labels.get(verification.log_model, '')} "
                f"{fields.Datetime.to_string(verification.date) or ''}"
            ).strip()

    @api.model
    def _gdpr_record(self, log_model, result):
        """Keep the outcome of ``_gdpr_verify_chain`` of ``log_model``."""
        return self.sudo().create(
            {
                "log_model": log_model,
                "intact": result["ok"],
                "entry_count": result["checked"],
                "broken_sequence": result.get("sequence") or 0,
                "problem": result.get("problem") or False,
            }
        )

    @api.model
    def _gdpr_latest(self):
        """``{log model: its last verification}``, one query."""
        groups = self.sudo()._read_group([], ["log_model"], ["id:max"])
        latest = self.browse(last_id for _model, last_id in groups)
        return {verification.log_model: verification for verification in latest}

    def write(self, vals):  # pylint: disable=method-required-super
        raise AccessError(
            self.env._("A verification is a record of fact: it cannot be changed.")
        )

    @api.model
    def action_verify_all(self):
        """Verify every hash-chained log now and show the outcome."""
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._("Only the Data Protection Officer verifies the logs.")
            )
        messages = []
        intact = True
        for name in self._gdpr_log_models():
            result = self.env[name].sudo()._gdpr_verify_chain()
            self._gdpr_record(name, result)
            intact = intact and result["ok"]
            messages.append(
                self.env._(
                    "%(log)s: %(count)s entries intact.",
                    log=self.env[name]._gdpr_chain_label(),
                    count=result["checked"],
                )
                if result["ok"]
                else self.env._(
                    "%(log)s TAMPERED: %(problem)s.",
                    log=self.env[name]._gdpr_chain_label(),
                    problem=result["problem"],
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if intact else "danger",
                "sticky": not intact,
                "title": self.env._("Log verification"),
                "message": " ".join(messages),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
