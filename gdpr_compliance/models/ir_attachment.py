# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """Odoo refuses the attachment of a field the user may not read in
        ``check()`` (write, unlink, portal downloads) but not in the search
        every read and download by id goes through: a data-subject request's
        report (all of a person's data) would be readable by whoever reads
        the request. The attachments of such fields are left out here too."""
        query = super()._search(domain, offset, limit, order)
        if self.env.su or self.env.is_system():
            return query
        rows = self.env.execute_query(
            SQL(
                "SELECT id, res_model, res_field FROM ir_attachment "
                "WHERE id IN %s AND res_field IS NOT NULL",
                query.subselect(),
            )
        )
        hidden = {
            attachment_id
            for attachment_id, res_model, res_field in rows
            if res_model in self.env
            and res_field in self.env[res_model]._fields
            and not self.env[res_model]._fields[res_field].is_accessible(self.env)
        }
        if not hidden:
            return query
        return self.browse(
            [attachment_id for attachment_id in query if attachment_id not in hidden]
        )._as_query(order)

    @api.model
    def _gdpr_remove_for_erasure(self, scope):
        """Erasure: the documents attached to the person's records (``scope``:
        see ``gdpr.erasure._gdpr_scope``). The consent ledger's
        evidence documents stay as records (the chain names them), emptied
        like the evidence text its destroyed key hid: only a document
        another person's consent also rests on keeps its content."""
        attachments = self.search(self.env["gdpr.erasure"]._gdpr_scope_domain(scope))
        self.env.cr.execute(
            SQL(
                "SELECT evidence_attachment_id, bool_and(partner_id IS NULL "
                "OR partner_id = ANY(%s)) FROM gdpr_consent_event "
                "WHERE evidence_attachment_id = ANY(%s) "
                "GROUP BY evidence_attachment_id",
                scope.get("res.partner", []),
                attachments.ids,
            )
        )
        evidence = dict(self.env.cr.fetchall())
        own = attachments.filtered(lambda a: evidence.get(a.id))
        own.write({"datas": False, "name": self.env._("Erased evidence")})
        attachments.filtered(lambda a: a.id not in evidence).unlink()
