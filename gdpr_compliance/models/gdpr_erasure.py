# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.res_partner import ADDRESS_FIELDS

# the address rules are the sweep's; importers use them from here too
from .gdpr_erasure_pattern import PLAIN_ADDRESS, normalize_email  # noqa: F401

_logger = logging.getLogger(__name__)

# Where an erasure keeps, for the duration of one call, the records it
# looked up for its partners (see ``_gdpr_lookups_memoized``).
MEMO_KEY = "gdpr_erasure_lookups"

# Partner fields a legal hold keeps (what fiscal documents need: who, where,
# tax number, bank account); everything else personal goes.
HOLD_KEPT_PARTNER_FIELDS = ("name", *ADDRESS_FIELDS, "vat", "parent_id", "bank_ids")

# Stored computed fields of a contact that are empty once all of their
# sources are.
EMPTIED_WITH = {
    "email_normalized": ("email",),
    "phone_sanitized": ("phone", "mobile"),
}

# ... and those a contact detached from its company (no parent, no company
# name) gets from its own row, as base computes them: it is its own
# commercial entity, its company name is its name if it is a company, and it
# keeps its salesperson (base only ever copies the parent's). None: unchanged.
DETACHED_BY = ("parent_id", "company_name")
DETACHED = {
    "commercial_partner_id": "p.id",
    "commercial_company_name": "CASE WHEN p.is_company THEN n.name END",
    "gdpr_commercial_user_id": "p.user_id",
    "user_id": None,
}


class GdprErasure(models.AbstractModel):
    """One service that erases or anonymises a person, used by retention and
    by data-subject requests. Set-based: it takes many partners at once and
    runs one sweep of the database for all of them."""

    _name = "gdpr.erasure"
    _description = "Personal Data Erasure Service"

    @api.model
    def _gdpr_apply(self, partners, mode, keep_fields=()):
        """Erase (``mode='erase'``) or anonymise (``'anonymise'``) ``partners``
        and their child contacts. ``keep_fields`` are the partner fields a
        legal hold keeps: those stay, the rest goes, the partner is restricted
        and never deleted. Returns the ids of the partners deleted."""
        if mode not in ("erase", "anonymise"):
            raise UserError(self.env._("Unknown erasure mode %(mode)r.", mode=mode))
        partners = self._gdpr_people(partners)
        if not partners:
            return []
        self._gdpr_check_erasable(partners)
        self.env["gdpr.audit.log"]._gdpr_log(
            "erasure",
            f"{mode} (legal hold: minimised)" if keep_fields else mode,
            subjects=partners,
        )
        self = self.sudo().with_context(
            active_test=False,
            tracking_disable=True,
            mail_notrack=True,
            mail_create_nolog=True,
            gdpr_erasing=True,
        )
        partners = partners.with_env(self.env)
        self.env.flush_all()
        with self._gdpr_lookups_memoized():
            identifiers = self._gdpr_identifiers(partners, keep_fields)
            scope = self._gdpr_scope(partners)
            # what the logs hold encrypted about them (rectifications, consents'
            # evidence, also on their leads and mailing contacts) becomes unreadable
            self.env["gdpr.subject.key"]._gdpr_forget_records(scope)
            # before their messages lose their author
            own_rows = identifiers["local"] and self._gdpr_own_rows(partners, scope)
            self.env["mail.message"]._gdpr_clear_for_erasure(partners, scope)
            self.env["ir.attachment"]._gdpr_remove_for_erasure(scope)
            self._gdpr_process_related(partners, scope, mode, keep_fields)
        self._gdpr_anonymise_partners(partners, keep_fields)
        self.env.flush_all()
        Sweep = self.env["gdpr.erasure.sweep"]
        if own_rows:
            Sweep._gdpr_sweep_rows(own_rows, identifiers["local"])
        if self.env.context.get("gdpr_defer_sweep"):
            Sweep._gdpr_defer_sweep(identifiers)
        else:
            Sweep._gdpr_sweep(identifiers)
        self.env.invalidate_all()
        if mode == "erase" and not keep_fields:
            return self._gdpr_delete_partners(partners)
        return []

    @api.model
    def _gdpr_search_all(self, model, domain):
        """Every record of ``model`` matching ``domain``, archived ones
        included, whatever the caller may read: erasure misses nothing."""
        return self.env[model].sudo().with_context(active_test=False).search(domain)

    @api.model
    def _gdpr_people(self, partners):
        """The partners and every contact below them, archived ones included."""
        if not partners:
            return partners
        return self._gdpr_search_all("res.partner", [("id", "child_of", partners.ids)])

    @api.model
    def _gdpr_check_erasable(self, partners):
        users = self._gdpr_search_all("res.users", [("partner_id", "in", partners.ids)])
        if users:
            raise UserError(
                self.env._(
                    "%(names)s have a user account: close the account (and "
                    "reassign its documents) before erasing the person.",
                    names=", ".join(users.mapped("partner_id.display_name")),
                )
            )
        companies = (
            self.env["res.company"].sudo().search([("partner_id", "in", partners.ids)])
        )
        if companies:
            raise UserError(
                self.env._(
                    "%(names)s is the contact of a company of this database "
                    "and cannot be erased.",
                    names=", ".join(companies.mapped("name")),
                )
            )

    # ------------------------------------------------------------------
    # What identifies the person, and where they are
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_identifier_values(self, partners):
        """Raw texts identifying the people: names, addresses, phones of the
        partners and of the records standing for them. Extended by other
        addons (mailing contacts)."""
        leads = self._gdpr_leads(partners)
        values = {"name": set(), "email": set(), "phone": set()}
        for record, name_fields, email_fields, phone_fields in (
            (partners, ("name",), ("email", "email_normalized"), ("phone", "mobile")),
            (
                leads,
                ("contact_name",),
                ("email_from", "email_normalized"),
                ("phone", "mobile", "phone_sanitized"),
            ),
        ):
            columns = self._gdpr_column_values(
                record, (*name_fields, *email_fields, *phone_fields)
            )
            for kind, names in (
                ("name", name_fields),
                ("email", email_fields),
                ("phone", phone_fields),
            ):
                for field_name in names:
                    values[kind].update(
                        value for value in columns.get(field_name, ()) if value
                    )
        return values

    @api.model
    def _gdpr_column_values(self, records, names):
        """``{name: [value of each record]}`` of the fields ``names`` the
        model has, the stored plain columns read in one query: loading a
        batch of thousands of people into the ORM's cache, a record at a
        time, costs more than the rest of the lookup."""
        names = [name for name in names if name in records._fields]
        columns = [
            name
            for name in names
            if records._fields[name].store
            and records._fields[name].column_type
            and not records._fields[name].translate
        ]
        found = {name: records.mapped(name) for name in names if name not in columns}
        found.update((name, []) for name in columns)
        if records and columns:
            records.flush_recordset(columns)
            self.env.cr.execute(
                SQL(
                    "SELECT %s FROM %s WHERE id = ANY(%s)",
                    SQL(", ").join(SQL.identifier(name) for name in columns),
                    SQL.identifier(records._table),
                    records.ids,
                )
            )
            rows = self.env.cr.fetchall()
            # empty as the ORM gives it
            found.update(
                (name, [False if row[index] is None else row[index] for row in rows])
                for index, name in enumerate(columns)
            )
        return found

    @api.model
    def _gdpr_identifiers(self, partners, keep_fields=()):
        """What the sweep searches for (see ``gdpr.erasure.pattern``):
        addresses, phones and long full names everywhere, short or one-word
        names only in the person's own records and messages."""
        return self.env["gdpr.erasure.pattern"]._gdpr_identifiers(
            self._gdpr_identifier_values(partners), keep_name="name" in keep_fields
        )

    @contextlib.contextmanager
    def _gdpr_lookups_memoized(self):
        """Within this block, each lookup of the person's records (leads,
        and in other addons their addresses and mailing contacts) made through
        ``_gdpr_memoized`` runs once per set of partners: the identifiers,
        the scope and the related records all need them, before any of them
        is changed. The memo lives with the cursor for the block only."""
        cache = self.env.cr.cache
        previous = cache.get(MEMO_KEY)
        cache[MEMO_KEY] = {}
        try:
            yield
        finally:
            if previous is None:
                cache.pop(MEMO_KEY, None)
            else:
                cache[MEMO_KEY] = previous

    @api.model
    def _gdpr_memoized(self, name, partners, compute):
        """``compute()``, or what it returned for the same ``name`` and
        partners earlier in the ``_gdpr_lookups_memoized`` block."""
        memo = self.env.cr.cache.get(MEMO_KEY)
        if memo is None:
            return compute()
        key = (name, partners._name, tuple(partners.ids))
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    @api.model
    def _gdpr_leads(self, partners):
        return self._gdpr_memoized(
            "leads",
            partners,
            lambda: self._gdpr_search_all(
                "crm.lead", [("partner_id", "in", partners.ids)]
            ),
        )

    @api.model
    def _gdpr_scope(self, partners):
        """``{model: ids}`` of the records that stand for the person: their
        chatter, activities, followers and attachments go with them. Extended
        by other addons."""
        return {
            "res.partner": partners.ids,
            "crm.lead": self._gdpr_leads(partners).ids,
        }

    # ------------------------------------------------------------------
    # Related records
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_own_rows(self, partners, scope):
        """``{table: ids}`` of the person's own records and of the messages
        linked to them (on their records, written by them, sent to them) with
        their tracked values: where a short or one-word name is searched."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT id FROM mail_message WHERE author_id = ANY(%s) OR %s
                 UNION
                SELECT mail_message_id FROM mail_message_res_partner_rel
                 WHERE res_partner_id = ANY(%s)
                """,
                partners.ids,
                self._gdpr_scope_condition(scope, SQL("model"), SQL("res_id")),
                partners.ids,
            )
        )
        messages = [row[0] for row in cr.fetchall()]
        cr.execute(
            SQL(
                "SELECT id FROM mail_tracking_value WHERE mail_message_id = ANY(%s)",
                messages,
            )
        )
        rows = {
            "mail_message": messages,
            "mail_tracking_value": [row[0] for row in cr.fetchall()],
        }
        for model, ids in scope.items():
            rows.setdefault(self.env[model]._table, []).extend(ids)
        return rows

    @api.model
    def _gdpr_scope_condition(self, scope, model_column, id_column):
        return SQL(" OR ").join(
            SQL("(%s = %s AND %s = ANY(%s))", model_column, model, id_column, ids)
            for model, ids in scope.items()
            if ids
        ) or SQL("FALSE")

    @api.model
    def _gdpr_scope_domain(self, scope, model_field="res_model", id_field="res_id"):
        domains = [
            [(model_field, "=", model), (id_field, "in", ids)]
            for model, ids in scope.items()
            if ids
        ]
        if not domains:
            return [("id", "=", 0)]
        domain = ["|"] * (len(domains) - 1)
        for part in domains:
            domain += ["&", *part]
        return domain

    @api.model
    def _gdpr_process_related(self, partners, scope, mode, keep_fields):
        """Leads (and, in other addons, mailing data) of the person. Erasing
        deletes the leads nobody else needs; won ones stay, anonymised, for
        the sales history."""
        leads = self.env["crm.lead"].browse(scope.get("crm.lead", []))
        if mode == "erase" and not keep_fields:
            won = leads.filtered(lambda lead: lead.stage_id.is_won)
            (leads - won).unlink()
            leads = won
        if leads:
            leads.write(self._gdpr_cleared_vals(leads, ()))
        self.env["res.partner.bank"].search(
            [("partner_id", "in", partners.ids)]
        ).filtered(lambda bank: "bank_ids" not in keep_fields).unlink()
        # the reports and exports sent to the person hold their data; the
        # requests themselves stay, as proof they were answered
        requests = self._gdpr_search_all(
            "gdpr.request", [("partner_id", "in", partners.ids)]
        )
        self.env["ir.attachment"].search(
            [
                ("res_model", "=", "gdpr.request"),
                ("res_id", "in", requests.ids),
                # the reports are the request's field attachments, which a
                # search leaves out unless asked for
                ("res_field", "in", [False, "attachment_id"]),
            ]
        ).unlink()

    @api.model
    def _gdpr_cleared_vals(self, records, keep_fields):
        vals = {}
        for name in self.env["gdpr.data.category"]._gdpr_stored_fields_of(
            records._name
        ):
            if name in keep_fields:
                continue
            field = records._fields[name]
            if field.type == "one2many":
                continue
            if field.type == "many2many":
                vals[name] = [fields.Command.clear()]
            elif field.required:
                continue
            elif field.type in ("integer", "float", "monetary"):
                vals[name] = 0
            else:
                vals[name] = False
        return vals

    @api.model
    def _gdpr_anonymise_partners(self, partners, keep_fields):
        vals = self._gdpr_cleared_vals(partners, keep_fields)
        vals.update(
            {
                "company_name": False,
                "ref": False,
                "gdpr_restricted": True,
                "gdpr_anonymised_date": fields.Datetime.now(),
            }
        )
        if not keep_fields:
            vals["active"] = False
        if "name" not in keep_fields:
            vals["name"] = self.env._("Anonymised contact")
        # pictures are attachments: clear them only where there are some,
        # each empty one costs lookups for nothing
        pictures = [name for name in vals if partners._fields[name].type == "binary"]
        vals = {k: v for k, v in vals.items() if k not in pictures}
        # each their own pseudonymous name
        names = (
            None
            if "name" in keep_fields
            else [
                self.env._("Anonymised contact %(key)s", key=key[:10])
                for key in self.env["gdpr.keyed.hash"]._gdpr_pseudonyms_of(
                    partners._name, partners.ids
                )
            ]
        )
        if keep_fields:
            # under a legal hold what stays decides what follows: the ORM
            partners.write(vals)
            if names:
                self._gdpr_write_names(partners, names)
        else:
            vals.update(
                gdpr_retention_state="anonymised",
                gdpr_retention_date=fields.Datetime.now(),
            )
            self._gdpr_write_cleared_partners(partners, vals, names)
        if pictures:
            self.env.cr.execute(
                SQL(
                    "SELECT DISTINCT res_id FROM ir_attachment "
                    "WHERE res_model = 'res.partner' AND res_id = ANY(%s) "
                    "AND res_field = ANY(%s)",
                    partners.ids,
                    pictures,
                )
            )
            pictured = partners.browse([row[0] for row in self.env.cr.fetchall()])
            pictured.write(dict.fromkeys(pictures, False))

    @api.model
    def _gdpr_write_names(self, partners, names):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p SET name = n.name, complete_name = n.name
                  FROM unnest(%s::int[], %s::text[]) AS n(id, name)
                 WHERE p.id = n.id
                """,
                partners.ids,
                names,
            )
        )
        partners.invalidate_recordset(["name", "complete_name", "display_name"])

    @api.model
    def _gdpr_write_cleared_partners(self, partners, vals, names):
        """``partners.write(vals)`` for a whole batch with nothing kept, each
        partner named by ``names``: one statement sets the plain columns, the
        many2many links go in one statement each, the stored fields computed
        from them that are known to follow (empty, or the name) are set with
        them, every other field depending on them is recomputed by the ORM. A
        write through the ORM would sync each contact with its relatives one
        by one, which erasing the whole family makes moot."""
        fields_map = partners._fields
        columns = {
            name: value
            for name, value in vals.items()
            if fields_map[name].column_type
            and fields_map[name].store
            and not fields_map[name].compute
            and not fields_map[name].translate
            and not fields_map[name].company_dependent
        }
        cleared_links = [
            name
            for name, value in vals.items()
            if fields_map[name].type == "many2many"
            and fields_map[name].store
            and value == [fields.Command.clear()]
        ]
        emptied = [
            name
            for name, sources in EMPTIED_WITH.items()
            if name in fields_map
            and fields_map[name].store
            and all(columns.get(source, True) is False for source in sources)
        ]
        self.env.flush_all()
        assignments = [
            SQL(
                "%s = %s",
                SQL.identifier(name),
                None
                if value is False
                else fields_map[name].convert_to_column(value, partners),
            )
            for name, value in columns.items()
            if not (names and name == "name")
        ]
        assignments += [SQL("%s = NULL", SQL.identifier(name)) for name in emptied]
        if names:
            assignments += [SQL("name = n.name"), SQL("complete_name = n.name")]
            emptied.append("complete_name")
            if all(columns.get(source, True) is False for source in DETACHED_BY):
                for name, expression in DETACHED.items():
                    if name in fields_map and fields_map[name].store:
                        if expression:
                            assignments.append(
                                SQL("%s = %s", SQL.identifier(name), SQL(expression))
                            )
                        emptied.append(name)
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p SET %s, write_uid = %s, write_date = %s
                  FROM unnest(%s::int[], %s::text[]) AS n(id, name)
                 WHERE p.id = n.id
                """,
                SQL(", ").join(assignments),
                self.env.uid,
                self.env.cr.now(),
                partners.ids,
                names or [None] * len(partners),
            )
        )
        for name in cleared_links:
            field = fields_map[name]
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE %s = ANY(%s)",
                    SQL.identifier(field.relation),
                    SQL.identifier(field.column1),
                    partners.ids,
                )
            )
        changed = [*columns, *cleared_links]
        partners.invalidate_recordset(
            [*changed, *emptied, "display_name", "write_date", "write_uid"]
        )
        # the fields set above from the row itself are right already: the
        # ORM must not recompute them, which it would do row by row for the
        # commercial entity (to search the contacts depending on it), nor
        # look through them for the contacts below, who are all in the batch
        with self.env.protecting([fields_map[name] for name in emptied], partners):
            partners.modified(changed)
        for name in emptied:
            self.env.remove_to_compute(fields_map[name], partners)
        rest = {
            name: value
            for name, value in vals.items()
            if name not in columns and name not in cleared_links
        }
        if rest:
            partners.write(rest)

    @api.model
    def _gdpr_delete_partners(self, partners):
        """Delete what nobody else needs; a partner other records point to
        (an invoice, a consent in the ledger) stays anonymised."""
        deleted = []
        # contacts before the companies they belong to
        for partner in partners.sorted(lambda p: p.parent_id in partners, reverse=True):
            try:
                with self.env.cr.savepoint():
                    partner.unlink()
                    self.env.flush_all()
            except Exception:  # noqa: BLE001 - kept anonymised, by design
                self.env.invalidate_all()
                continue
            deleted.append(partner.id)
        return deleted
