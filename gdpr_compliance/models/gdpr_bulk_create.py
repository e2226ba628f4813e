# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import SQL

# Rows inserted per statement.
INSERT_BATCH = 5000


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
    def _gdpr_access_values(self, model):
        """Who created the records and when, as create() records it."""
        now = self.env.cr.now()
        return {
            "create_uid": model.env.uid,
            "create_date": now,
            "write_uid": model.env.uid,
            "write_date": now,
        }

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
        access = self._gdpr_access_values(model)
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

    @api.model
    def _gdpr_insert_rows(self, model, vals_list):
        """Insert complete rows of a model of this addon that has no logic on
        creation and no computed stored field (the consent ledger, the audit
        log, the consent states): one statement per batch, without the
        record-by-record cache work of ``_create``. Fields not given are
        empty. Returns the records, in the order of ``vals_list``."""
        if not vals_list:
            return model.browse()
        access = self._gdpr_access_values(model)
        names = sorted({name for vals in vals_list for name in vals} | set(access))
        columns = [model._fields[name] for name in names]
        ids = []
        for start in range(0, len(vals_list), INSERT_BATCH):
            rows = []
            for vals in vals_list[start : start + INSERT_BATCH]:
                vals = {**vals, **access}
                rows.append(
                    tuple(
                        field.convert_to_column_insert(
                            vals.get(field.name), model, vals
                        )
                        for field in columns
                    )
                )
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (%s) VALUES %s RETURNING id",
                    SQL.identifier(model._table),
                    SQL(", ").join(SQL.identifier(field.name) for field in columns),
                    SQL(", ").join(rows),
                )
            )
            ids.extend(row[0] for row in self.env.cr.fetchall())
        records = model.browse(ids)
        # what create() does after inserting: the lists on the other side of
        # the many2one fields forget what they held, and the fields that
        # depend on the new records are computed again
        for field in columns:
            for inverse in model.pool.field_inverses[field]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        records.modified(names, create=True)
        return records
