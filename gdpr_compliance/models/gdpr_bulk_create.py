# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.models import LOG_ACCESS_COLUMNS


class GdprBulkCreate(models.AbstractModel):
    """Creates many records of a model at once, for batch work (an import
    of 100,000 contacts, their consent events).

    ``create()`` completes each record's values one at a time: defaults
    looked up per record, precomputed fields evaluated on a new record each,
    then the overrides of every installed module. Here the defaults are
    looked up once for the whole batch and the values go to Odoo's lower
    layer (``_create``), which inserts them, computes the stored fields of
    all the records together and checks the constraints and access rights,
    as ``create()`` does after its preparation."""

    _name = "gdpr.bulk.create"
    _description = "Bulk Record Creation"

    @api.model
    def _gdpr_create_many(self, model, vals_list, protected=()):
        """Create ``vals_list`` as records of ``model`` (a recordset giving the
        environment). For values that need none of what the model's
        ``create()`` overrides add: the caller makes sure of it. The fields
        ``protected`` are not computed: the caller writes them."""
        if not vals_list:
            return model.browse()
        defaults = model.default_get(
            [
                name
                for name, field in model._fields.items()
                if field.store
                and field.column_type
                and not field.compute
                and name not in LOG_ACCESS_COLUMNS
                and name not in ("id", "parent_path")
            ]
        )
        now = self.env.cr.now()
        access = {
            "create_uid": model.env.uid,
            "create_date": now,
            "write_uid": model.env.uid,
            "write_date": now,
        }
        return model._create(
            [
                {
                    "stored": {**defaults, **vals, **access},
                    "inversed": {},
                    "inherited": {},
                    "protected": set(protected),
                }
                for vals in vals_list
            ]
        )
