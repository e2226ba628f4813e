# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from odoo.addons.gdpr_compliance.models.gdpr_consent_event import (
    CONSENT_ACTION_SELECTION,
)

# What keeps the contact's person and own consent current (see
# MailingContact._gdpr_create_person_triggers); the uninstall hook drops them.
# The partner triggers, one per event: {name: (event, transition tables)}.
PARTNER_TRIGGERS = {
    "gdpr_mailing_person_on_insert": ("INSERT", "NEW TABLE AS gdpr_new"),
    "gdpr_mailing_person_on_update": (
        "UPDATE",
        "OLD TABLE AS gdpr_old NEW TABLE AS gdpr_new",
    ),
    "gdpr_mailing_person_on_delete": ("DELETE", "OLD TABLE AS gdpr_old"),
}
PERSON_TRIGGERS = {
    **dict.fromkeys(PARTNER_TRIGGERS, "res_partner"),
    "gdpr_mailing_contact_person": "mailing_contact",
    "gdpr_mailing_contact_own_consent": "gdpr_consent_event",
}
PERSON_FUNCTIONS = (
    "gdpr_mailing_person_sync",
    "gdpr_mailing_contact_person",
    "gdpr_mailing_contact_own_consent",
)
PERSON_INDEXES = (
    "mailing_contact_gdpr_email_normalized_index",
    "res_partner_gdpr_active_email_index",
)


class MailingContact(models.Model):
    _name = "mailing.contact"
    _inherit = ["mailing.contact", "gdpr.audited.mixin", "gdpr.last.interaction.mixin"]

    # Both are kept by the database (triggers, see init): whatever writes a
    # partner, an address or a consent event, the ORM or SQL, the recipient
    # rules of a mailing read these two columns and nothing else.
    gdpr_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Person",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The newest active contact with the same address. Mailings apply "
        "this contact's consent, objection and restriction to the mailing "
        "contact.",
    )
    gdpr_own_consent = fields.Selection(
        selection=CONSENT_ACTION_SELECTION,
        string="Own Marketing Consent",
        readonly=True,
        copy=False,
        help="The last marketing consent event recorded on the mailing contact "
        "itself. It counts only when no contact has the same address.",
    )

    # The processing rule's direct-marketing answer for the contact's person,
    # stored for mailings and kept current by gdpr.marketing.decision.
    gdpr_marketing_refusal = fields.Selection(
        selection="_selection_gdpr_marketing_refusal",
        string="Person's Marketing Refusal",
        readonly=True,
        copy=False,
        help="Why the contact's person may not receive direct marketing, as the "
        "processing rule last decided it (empty: they may).",
    )
    gdpr_marketing_until = fields.Datetime(
        string="Person's Marketing Decision Until",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the marketing purpose's retention period of the contact's "
        "person ends: the rule decides again then.",
    )

    def init(self):
        result = super().init()
        self._gdpr_create_person_triggers()
        self._gdpr_refresh_persons()
        self.env["gdpr.marketing.decision"]._gdpr_install()
        return result

    @api.model
    def _selection_gdpr_marketing_refusal(self):
        return self.env["gdpr.processing.rule"]._gdpr_decision_selection()

    @api.model_create_multi
    def create(self, vals_list):
        self._gdpr_check_not_erased([vals.get("email") for vals in vals_list])
        contacts = super().create(vals_list)
        contacts._gdpr_new_subscriptions()
        return contacts

    def write(self, vals):
        if vals.get("email"):
            self._gdpr_check_not_erased([vals["email"]])
        result = super().write(vals)
        if "list_ids" in vals or "subscription_ids" in vals:
            self._gdpr_new_subscriptions()
        return result

    def _gdpr_new_subscriptions(self):
        """Subscriptions written through the contact's lists bypass the
        subscription model: give them their double opt-in state and link."""
        if not self:
            return
        self.env.flush_all()
        state = (
            "confirmed"
            if self.env.context.get("gdpr_subscription_confirmed")
            else "pending"
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mailing_subscription SET gdpr_confirmation_state = %s
                 WHERE contact_id = ANY(%s) AND gdpr_confirmation_state IS NULL
             RETURNING id
                """,
                state,
                self.ids,
            )
        )
        new_ids = [row[0] for row in self.env.cr.fetchall()]
        subscriptions = self.env["mailing.subscription"].browse(new_ids)
        subscriptions.invalidate_recordset()
        self.invalidate_recordset(["subscription_ids"])
        subscriptions._gdpr_send_confirmations()

    @api.model
    def _gdpr_check_not_erased(self, emails):
        """An erased person's address may not come back through an import or
        a subscription: only its keyed hash is known, which is enough."""
        erased = self.env["gdpr.suppression"]._gdpr_suppressed(
            [email for email in emails if email], reasons=["erased"]
        )
        if erased:
            raise ValidationError(
                self.env._(
                    "%(count)s address(es) belong to people whose data were erased "
                    "at their request: they cannot be added to mailing lists again.",
                    count=len(erased),
                )
            )

    def _gdpr_record_consent(
        self, purpose, action, channel, notice=None, evidence=None, **values
    ):
        """Record a consent given on a mailing list: on the partner with the
        same address when there is one (the newest, the one the recipient
        rules read), else on the mailing contact."""
        self.ensure_one()
        self.env.flush_all()
        self.invalidate_recordset(["gdpr_partner_id"])
        partner = self.sudo().gdpr_partner_id
        event = self.env["gdpr.consent.event"]._gdpr_record_for(
            self,
            partner,
            purpose,
            action,
            channel,
            notice=notice,
            evidence=evidence,
            **values,
        )
        # the database set it when the event was written
        self.invalidate_recordset(["gdpr_own_consent"])
        return event

    # ------------------------------------------------------------------
    # The person and the own consent, kept by the database
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_newest_partner_sql(self, email):
        """SQL: the id of the newest active partner with the address
        ``email`` (an SQL expression), the partner a mailing contact stands
        for; NULL when there is none."""
        return SQL(
            "(SELECT p.id FROM res_partner p WHERE p.active "
            "AND p.email_normalized = %s ORDER BY p.id DESC LIMIT 1)",
            email,
        )

    @api.model
    def _gdpr_create_person_triggers(self):
        """A mailing contact's person follows every change of an address or
        of a partner's active flag, and its own consent every consent event
        recorded on it. Statement-level triggers do it set-based: a batch of
        a thousand partners costs one update, not a thousand; and no path
        (ORM, SQL, import, merge, erasure) can leave them stale."""
        cr = self.env.cr
        create_index(
            cr,
            PERSON_INDEXES[0],
            "mailing_contact",
            ["email_normalized"],
            where="email_normalized IS NOT NULL",
        )
        create_index(
            cr,
            PERSON_INDEXES[1],
            "res_partner",
            ["email_normalized", "id"],
            where="active AND email_normalized IS NOT NULL",
        )
        newest = self._gdpr_newest_partner_sql(SQL("c.email_normalized"))
        cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION gdpr_mailing_person_sync()
                RETURNS trigger AS $$
                DECLARE
                    emails varchar[];
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        SELECT array_agg(DISTINCT n.email_normalized) INTO emails
                          FROM gdpr_new n
                         WHERE n.email_normalized IS NOT NULL AND n.active;
                    ELSIF TG_OP = 'DELETE' THEN
                        SELECT array_agg(DISTINCT o.email_normalized) INTO emails
                          FROM gdpr_old o
                         WHERE o.email_normalized IS NOT NULL AND o.active;
                    ELSE
                        SELECT array_agg(DISTINCT v.email) INTO emails
                          FROM gdpr_old o
                          JOIN gdpr_new n ON n.id = o.id
                         CROSS JOIN LATERAL (VALUES (o.email_normalized),
                                                    (n.email_normalized)) v(email)
                         WHERE v.email IS NOT NULL
                           AND (o.email_normalized IS DISTINCT FROM n.email_normalized
                                OR o.active IS DISTINCT FROM n.active);
                    END IF;
                    IF emails IS NOT NULL THEN
                        UPDATE mailing_contact c SET gdpr_partner_id = %(newest)s
                         WHERE c.email_normalized = ANY(emails)
                           AND c.gdpr_partner_id IS DISTINCT FROM %(newest)s;
                    END IF;
                    RETURN NULL;
                END;
                $$ LANGUAGE plpgsql;

                CREATE OR REPLACE FUNCTION gdpr_mailing_contact_person()
                RETURNS trigger AS $$
                BEGIN
                    NEW.gdpr_partner_id := %(newest_new)s;
                    RETURN NEW;
                END;
                $$ LANGUAGE plpgsql;

                CREATE OR REPLACE FUNCTION gdpr_mailing_contact_own_consent()
                RETURNS trigger AS $$
                BEGIN
                    UPDATE mailing_contact c SET gdpr_own_consent = e.action
                      FROM (SELECT DISTINCT ON (n.origin_id) n.origin_id, n.action
                              FROM gdpr_new n
                              JOIN gdpr_purpose pu
                                ON pu.id = n.purpose_id AND pu.code = 'marketing'
                             WHERE n.origin_model = 'mailing.contact'
                               AND n.partner_id IS NULL
                          ORDER BY n.origin_id, n.sequence DESC) e
                     WHERE c.id = e.origin_id;
                    RETURN NULL;
                END;
                $$ LANGUAGE plpgsql;

                DROP TRIGGER IF EXISTS gdpr_mailing_contact_person ON mailing_contact;
                CREATE TRIGGER gdpr_mailing_contact_person
                    BEFORE INSERT OR UPDATE OF email_normalized, gdpr_partner_id
                    ON mailing_contact
                    FOR EACH ROW EXECUTE FUNCTION gdpr_mailing_contact_person();
                DROP TRIGGER IF EXISTS gdpr_mailing_contact_own_consent
                    ON gdpr_consent_event;
                CREATE TRIGGER gdpr_mailing_contact_own_consent
                    AFTER INSERT ON gdpr_consent_event
                    REFERENCING NEW TABLE AS gdpr_new
                    FOR EACH STATEMENT
                    EXECUTE FUNCTION gdpr_mailing_contact_own_consent();
                """,
                newest=newest,
                newest_new=self._gdpr_newest_partner_sql(SQL("NEW.email_normalized")),
            )
        )
        # one trigger per event: PostgreSQL gives transition tables only to
        # single-event triggers
        for trigger, (event, tables) in PARTNER_TRIGGERS.items():
            name = SQL.identifier(trigger)
            cr.execute(
                SQL(
                    """
                    DROP TRIGGER IF EXISTS %(name)s ON res_partner;
                    CREATE TRIGGER %(name)s AFTER %(event)s ON res_partner
                        REFERENCING %(tables)s
                        FOR EACH STATEMENT EXECUTE FUNCTION gdpr_mailing_person_sync();
                    """,
                    name=name,
                    event=SQL(event),
                    tables=SQL(tables),
                )
            )

    @api.model
    def _gdpr_refresh_persons(self):
        """Set every mailing contact's person and own consent from the data
        (on install and update: what the triggers would have done)."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE mailing_contact c SET gdpr_partner_id = %(newest)s
                 WHERE c.gdpr_partner_id IS DISTINCT FROM %(newest)s;
                UPDATE mailing_contact c SET gdpr_own_consent = own.action
                  FROM (SELECT c2.id, last.action
                          FROM mailing_contact c2
                     LEFT JOIN (%(last)s) last ON last.origin_id = c2.id) own
                 WHERE own.id = c.id
                   AND c.gdpr_own_consent IS DISTINCT FROM own.action
                """,
                newest=self._gdpr_newest_partner_sql(SQL("c.email_normalized")),
                last=self.env["gdpr.processing.rule"]._gdpr_own_consent_sql(
                    self._name, self.env["gdpr.purpose"]._gdpr_get("marketing")
                ),
            )
        )
        self.invalidate_model(["gdpr_partner_id", "gdpr_own_consent"])

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_retention_due(self, as_of, limit=None, exclude_ids=(), contact_ids=None):
        """Mailing contacts whose marketing retention is over at ``as_of``:
        no open, click, reply or subscription of theirs, and no interaction
        of a contact with the same address, within the period."""
        purpose = self.env["gdpr.purpose"]._gdpr_get("marketing")
        if not purpose.active or not purpose.retention_months:
            return []
        self.env.flush_all()
        only = (
            SQL("AND mc.id = ANY(%s)", list(contact_ids))
            if contact_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT mc.id, last.at + make_interval(months => %(months)s)
                  FROM mailing_contact mc
                 CROSS JOIN LATERAL (
                       SELECT GREATEST(
                                  mc.gdpr_last_interaction, mc.create_date,
                                  (SELECT MAX(rp.gdpr_last_interaction)
                                     FROM res_partner rp
                                    WHERE rp.email_normalized = mc.email_normalized
                                      AND rp.active)
                              ) AS at
                       ) last
                 WHERE last.at + make_interval(months => %(months)s) < %(as_of)s
                   AND NOT (mc.id = ANY(%(exclude)s))
                   %(only)s
              ORDER BY mc.id
                 LIMIT %(limit)s
                """,
                months=purpose.retention_months,
                as_of=as_of,
                exclude=list(exclude_ids),
                only=only,
                limit=limit,
            )
        )
        return [
            {
                "model": self._name,
                "res_id": contact_id,
                "purpose_id": purpose.id,
                "action": purpose.retention_action,
                "keep_until": keep_until,
                "hold": False,
            }
            for contact_id, keep_until in self.env.cr.fetchall()
        ]

    def _gdpr_retention_apply(self, purpose, action, hold=False):
        """A mailing contact holds nothing but marketing data: whatever the
        action, the erasure service removes it."""
        return self.env["gdpr.erasure"]._gdpr_remove_mailing_contacts(self)
