# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.http import request, route

from odoo.addons.web.controllers.export import Export


class GdprExport(Export):
    """The export dialog lists only the fields the user's role may see:
    exporting a hidden field is refused by the field guard anyway, and
    listing it would tell the user that the data exist (Art. 25(2) GDPR,
    data protection by default)."""

    @route()
    def get_fields(self, model, domain, prefix="", parent_name="", **kwargs):
        fields = super().get_fields(
            model, domain, prefix=prefix, parent_name=parent_name, **kwargs
        )
        hidden = request.env["gdpr.field.guard"]._gdpr_hidden_fields_of(
            request.env[model]
        )
        if not hidden:
            return fields
        return [field for field in fields if field["id"].split("/")[-1] not in hidden]
