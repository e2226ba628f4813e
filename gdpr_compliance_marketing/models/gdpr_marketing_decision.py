# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import create_index, table_exists

# The persons whose stored decision may be out of date, marked by the
# triggers below and recomputed by the rule before a mailing reads it.
QUEUE_TABLE = "gdpr_marketing_decision_stale"
# Tables whose rows name the persons a change concerns:
# {table: SQL rows of partner ids, from the transition table aliased ``t``}.
PERSON_SOURCES = {
    # a person's own columns (restriction, address, last interaction, company)
    "res_partner": "SELECT t.id FROM %(rows)s t",
    "gdpr_consent": "SELECT t.partner_id FROM %(rows)s t",
    # the suppression list names addresses: the persons of the contacts
    # with that address (a person has its contacts' address)
    "gdpr_suppression": "SELECT mc.gdpr_partner_id FROM mailing_contact mc "
    "WHERE mc.email_normalized IN (SELECT t.email_normalized FROM %(rows)s t)",
}
# A customer document concerns its partner and the people of that company
# (the buyer's documents make its contacts customers).
DOCUMENT_SOURCE = (
    "SELECT rp.id FROM res_partner rp "
    "WHERE rp.id IN (SELECT t.partner_id FROM %(rows)s t) "
    "OR rp.commercial_partner_id IN (SELECT t.partner_id FROM %(rows)s t)"
)
# A mailing contact that stands for a person it did not stand for (new, or
# another address); the stored decision's own updates do not count.
CONTACT_SOURCE = {
    "INSERT": "SELECT n.gdpr_partner_id FROM gdpr_new n",
    "UPDATE": "SELECT n.gdpr_partner_id FROM gdpr_new n JOIN gdpr_old o "
    "ON o.id = n.id WHERE o.gdpr_partner_id IS DISTINCT FROM n.gdpr_partner_id",
}
# Tables whose change may move everybody's decision: the purpose's settings
# and the won flag of the CRM stages, which the customer check reads.
EVERYONE_SOURCES = ("gdpr_purpose", "crm_stage")
# {event: transition tables}: PostgreSQL gives transition tables only to
# single-event triggers.
EVENTS = {
    "INSERT": "NEW TABLE AS gdpr_new",
    "UPDATE": "OLD TABLE AS gdpr_old NEW TABLE AS gdpr_new",
    "DELETE": "OLD TABLE AS gdpr_old",
}


class GdprMarketingDecision(models.AbstractModel):
    """The processing rule's direct-marketing answer for the person of each
    mailing contact, stored on the contact so that a mailing to 100,000
    contacts reads a column instead of weighing every person again (which
    costs as much as the rest of the recipient search).

    Only the rule derives it (``gdpr.processing.rule._gdpr_verdict_rows_sql``):
    database triggers merely mark the persons an event concerns (a consent,
    an objection, a restriction, a suppression, a customer document, a
    change of the purpose), whatever writes it, the ORM or SQL; the marked
    persons, and those whose "allowed" has reached the end of its retention
    period, are decided again, set-based, right before a mailing reads the
    column. The answer a mailing reads is therefore always the rule's."""

    _name = "gdpr.marketing.decision"
    _description = "Stored Marketing Decisions"

    # ------------------------------------------------------------------
    # Database objects
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_sources(self):
        """``{table: {event: SQL rows of the partner ids a change concerns}}``
        for the tables the rule reads, the customer documents of installed
        apps included (their rows in the transition tables ``gdpr_new`` and
        ``gdpr_old``)."""

        def by_event(source):
            new, old = source % {"rows": "gdpr_new"}, source % {"rows": "gdpr_old"}
            return {"INSERT": new, "UPDATE": f"{new} UNION {old}", "DELETE": old}

        sources = {table: by_event(source) for table, source in PERSON_SOURCES.items()}
        for table, _condition, _date in self.env[
            "gdpr.processing.rule"
        ]._gdpr_customer_documents():
            sources[table] = by_event(DOCUMENT_SOURCE)
        sources["mailing_contact"] = CONTACT_SOURCE
        return sources

    @api.model
    def _gdpr_trigger_names(self):
        """The names of the triggers marking persons."""
        return {
            f"gdpr_marketing_stale_{table}_{event.lower()}"
            for table in [*self._gdpr_sources(), *EVERYONE_SOURCES]
            for event in EVENTS
        }

    def _register_hook(self):
        result = super()._register_hook()
        # an app installed after this addon (Sales, Invoicing) brings customer
        # documents of its own: their triggers are created and everybody is
        # decided again
        names = self._gdpr_trigger_names()
        self.env.cr.execute(
            SQL("SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)", list(names))
        )
        if self.env.cr.fetchone()[0] < len(names):
            self._gdpr_install()
        return result

    @api.model
    def _gdpr_install(self):
        """Create the queue and the triggers (again: the customer documents
        depend on the installed apps), then decide for everybody."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS %s (partner_id integer NOT NULL)",
                SQL.identifier(QUEUE_TABLE),
            )
        )
        create_index(cr, f"{QUEUE_TABLE}_partner_index", QUEUE_TABLE, ["partner_id"])
        everyone = SQL(
            "INSERT INTO %s SELECT DISTINCT mc.gdpr_partner_id "
            "FROM mailing_contact mc WHERE mc.gdpr_partner_id IS NOT NULL;",
            SQL.identifier(QUEUE_TABLE),
        )
        sources = self._gdpr_sources()
        for table in [*sources, *EVERYONE_SOURCES]:
            if not table_exists(cr, table):
                # created later in the same installation: _register_hook
                # completes the triggers
                continue
            if table in sources:
                # only persons of a mailing contact: the others have no
                # stored decision
                body = SQL(" ").join(
                    SQL(
                        "IF TG_OP = %s THEN INSERT INTO %s SELECT p.id "
                        "FROM (%s) AS p(id) WHERE EXISTS (SELECT 1 FROM "
                        "mailing_contact mc WHERE mc.gdpr_partner_id = p.id); "
                        "END IF;",
                        event,
                        SQL.identifier(QUEUE_TABLE),
                        SQL(rows),
                    )
                    for event, rows in sources[table].items()
                )
            else:
                body = everyone
            function = SQL.identifier(f"gdpr_marketing_stale_{table}")
            cr.execute(
                SQL(
                    "CREATE OR REPLACE FUNCTION %s() RETURNS trigger AS $$ "
                    "BEGIN %s RETURN NULL; END; $$ LANGUAGE plpgsql",
                    function,
                    body,
                )
            )
            for event, tables in EVENTS.items():
                name = SQL.identifier(f"gdpr_marketing_stale_{table}_{event.lower()}")
                cr.execute(
                    SQL(
                        """
                        DROP TRIGGER IF EXISTS %(name)s ON %(table)s;
                        CREATE TRIGGER %(name)s AFTER %(event)s ON %(table)s
                            REFERENCING %(tables)s
                            FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
                        """,
                        name=name,
                        event=SQL(event),
                        table=SQL.identifier(table),
                        tables=SQL(tables),
                        function=function,
                    )
                )
        self._gdpr_recompute_all()

    @api.model
    def _gdpr_uninstall(self):
        """Drop the triggers, their functions and the queue: on tables that
        stay, they would break every write once the columns are gone."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT t.tgname, c.relname, p.proname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname LIKE %s",
                "gdpr\\_marketing\\_stale\\_%",
            )
        )
        functions = set()
        for trigger, table, function in cr.fetchall():
            cr.execute(
                SQL(
                    "DROP TRIGGER IF EXISTS %s ON %s",
                    SQL.identifier(trigger),
                    SQL.identifier(table),
                )
            )
            functions.add(function)
        for function in functions:
            cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(function)))
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(QUEUE_TABLE)))

    # ------------------------------------------------------------------
    # Deciding
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_store(self, persons):
        """Decide, with the rule, for the persons the SQL ``persons`` returns
        and store the answer on their mailing contacts: the reason (NULL when
        allowed) and, while it is ahead, the end of the person's retention
        period, the one moment when time alone can change the rule's answer.
        Returns how many contacts held another answer."""
        rule = self.env["gdpr.processing.rule"]
        purpose = self.env["gdpr.purpose"]._gdpr_get("marketing")
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH decided AS (
                     SELECT d.id, d.reason,
                            CASE WHEN d.keep_until > %(now)s
                                 THEN NULLIF(d.keep_until, 'infinity') END AS until
                       FROM (%(rows)s) AS d(id, reason, ground, keep_until))
                UPDATE mailing_contact mc
                   SET gdpr_marketing_refusal = d.reason,
                       gdpr_marketing_until = d.until
                  FROM decided d
                 WHERE mc.gdpr_partner_id = d.id
                   AND (mc.gdpr_marketing_refusal IS DISTINCT FROM d.reason
                        OR mc.gdpr_marketing_until IS DISTINCT FROM d.until)
                """,
                rows=rule._gdpr_verdict_rows_sql(purpose, persons, as_of=now),
                now=now,
            )
        )
        changed = self.env.cr.rowcount
        self.env["mailing.contact"].invalidate_model(
            ["gdpr_marketing_refusal", "gdpr_marketing_until"]
        )
        return changed

    @api.model
    def _gdpr_refresh(self):
        """Bring the stored decisions up to date before they are read: the
        marked persons, and those whose "allowed" ran out, are decided again
        by the rule. Cheap when nothing happened since the last time."""
        self.env.flush_all()
        now = fields.Datetime.now()
        queue = SQL.identifier(QUEUE_TABLE)
        # the earliest end of an "allowed": min() reads one entry of the
        # column's index, whatever the planner's statistics say
        self.env.cr.execute(
            SQL(
                "SELECT EXISTS (SELECT 1 FROM %s), "
                "(SELECT min(gdpr_marketing_until) FROM mailing_contact)",
                queue,
            )
        )
        marked, first_end = self.env.cr.fetchone()
        if not marked and not (first_end and first_end < now):
            return 0
        self.env.cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE gdpr_marketing_refresh ON COMMIT DROP AS
                SELECT q.partner_id AS id FROM %(queue)s q
                 UNION
                SELECT mc.gdpr_partner_id FROM mailing_contact mc
                 WHERE mc.gdpr_marketing_until < %(now)s
                   AND mc.gdpr_partner_id IS NOT NULL;
                DELETE FROM %(queue)s q
                 USING gdpr_marketing_refresh r WHERE q.partner_id = r.id;
                -- a contact that stands for nobody any more has no decision
                UPDATE mailing_contact SET gdpr_marketing_until = NULL
                 WHERE gdpr_marketing_until < %(now)s AND gdpr_partner_id IS NULL;
                """,
                queue=queue,
                now=now,
            )
        )
        changed = self._gdpr_store(SQL("SELECT id FROM gdpr_marketing_refresh"))
        self.env.cr.execute("DROP TABLE gdpr_marketing_refresh")
        return changed

    @api.model
    def _gdpr_recompute_all(self):
        """Decide again for the person of every mailing contact; returns how
        many stored answers differed from the rule's (none, unless the
        column was written behind the rule's back)."""
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(QUEUE_TABLE)))
        return self._gdpr_store(
            SQL(
                "SELECT DISTINCT gdpr_partner_id FROM mailing_contact "
                "WHERE gdpr_partner_id IS NOT NULL"
            )
        )

    @api.model
    def _gdpr_recompute_by_officer(self):
        """The data protection officer's repair: every stored decision made
        again by the rule; returns how many were different."""
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._(
                    "Only the data protection officer may recompute the stored "
                    "marketing decisions."
                )
            )
        return self._gdpr_recompute_all()
