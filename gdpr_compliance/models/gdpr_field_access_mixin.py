# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import api, models


class GdprFieldAccessMixin(models.AbstractModel):
    """The views and names of a model whose fields follow their data
    category: fields a role may not see are hidden in its views, and its
    display name leaves them out whatever the context asks for. What comes
    out of the model through the ORM is guarded for every model by
    ``gdpr.field.guard`` (see ``base``)."""

    _name = "gdpr.field.access.mixin"
    _description = "Field Access by Data Category"

    # Context keys that add fields to the display name, with those fields:
    # a key is left out when the user may not see one of its fields.
    _gdpr_display_context_fields = {}

    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        result = super().get_view(view_id, view_type, **options)
        hidden = self._gdpr_hidden_fields()
        if hidden:
            result = dict(
                result, arch=self._gdpr_hide_in_arch(result["arch"], view_type, hidden)
            )
        return result

    @api.model
    def _gdpr_hide_in_arch(self, arch, view_type, hidden):
        """Hide the contact's own fields of categories the user may not see;
        they stay in the view, invisible, so that nothing referring to them
        breaks, and web_read gives them no value."""
        tree = etree.fromstring(arch)
        for node in tree.iter("field"):
            if node.get("name") not in hidden or any(
                ancestor.tag == "field" for ancestor in node.iterancestors()
            ):
                continue
            # these views read every field of their arch with search_read or
            # read_group, which refuse hidden fields: the node goes
            if view_type in ("search", "pivot", "graph", "calendar"):
                node.getparent().remove(node)
            elif node.getparent().tag == "list":
                node.set("column_invisible", "True")
            else:
                node.set("invisible", "True")
        for label in tree.iter("label"):
            if label.get("for") in hidden:
                label.set("invisible", "True")
        for progressbar in tree.iter("progressbar"):
            if progressbar.get("sum_field") in hidden:
                del progressbar.attrib["sum_field"]
        if view_type == "search":
            for node in tree.iter("filter"):
                if any(f"'{name}'" in (node.get("context") or "") for name in hidden):
                    node.getparent().remove(node)
        return etree.tostring(tree, encoding="unicode")

    def _gdpr_display_without_hidden(self):
        """Compute the display names without the context keys that would add
        a field the user may not see; ``False`` when none does, and the
        model's own computation applies. Called by the model's
        ``_compute_display_name``, which names the same record differently
        for users who see different categories (``depends_context("uid")``)."""
        hidden = self.env["gdpr.field.guard"]._hidden_fields_for_display(self)
        keys = {
            key: False
            for key, names in self._gdpr_display_context_fields.items()
            if self.env.context.get(key) and hidden & set(names)
        }
        if not keys:
            return False
        for record, shown in zip(self, self.with_context(**keys), strict=True):
            record.display_name = shown.display_name
        return True
