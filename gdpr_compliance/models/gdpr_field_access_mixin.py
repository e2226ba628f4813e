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
        hidden = self._gdpr_fields_hidden_from_user()
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

    def _gdpr_display_records(self):
        """The records whose context a display name is computed in: without
        the context keys that would add a field the user may not see. The
        model's ``_compute_display_name`` computes on them, then calls
        ``_gdpr_display_names_from``; it names the same record differently
        for users who see different categories (``depends_context("uid")``)."""
        hidden = self.env["gdpr.field.guard"]._hidden_fields_for_display(self)
        keys = {
            key: False
            for key, names in self._gdpr_display_context_fields.items()
            if self.env.context.get(key) and hidden & set(names)
        }
        return self.with_context(**keys) if keys else self

    def _gdpr_display_names_from(self, computed):
        if computed.env is self.env:
            return
        # the records are being computed (protected): their names in the
        # other context are read from the cache, where the computation put
        # them, not through the field
        field = self._fields["display_name"]
        for record, other in zip(self, computed, strict=True):
            record.display_name = self.env.cache.get(other, field, False)
