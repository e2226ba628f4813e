# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class MailingContact(models.Model):
    _name = "mailing.contact"
    _inherit = ["mailing.contact", "gdpr.audited.mixin"]

    gdpr_last_interaction = fields.Datetime(
        string="Last Interaction",
        index=True,
        readonly=True,
        copy=False,
        help="Last open, click or reply of this contact to a mailing, or its "
        "subscription. Marketing retention runs from this date.",
    )

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

    def _gdpr_touch_interaction(self, when=None):
        """Same forward-only rule as for partners."""
        self.env["res.partner"]._gdpr_touch_rows(self, when)

    def _gdpr_record_consent(
        self, purpose, action, channel, notice=None, evidence=None, **kwargs
    ):
        """Record a consent given on a mailing list: on the partner with the
        same address when there is one (the newest, the one the recipient
        rules read), else on the mailing contact."""
        self.ensure_one()
        partner = (
            self.env["res.partner"]
            .sudo()
            .search(
                [("email_normalized", "=", self.email_normalized)],
                order="id desc",
                limit=1,
            )
            if self.email_normalized
            else self.env["res.partner"]
        )
        return self.env["gdpr.consent.event"]._gdpr_record_for(
            self,
            partner,
            purpose,
            action,
            channel,
            notice=notice,
            evidence=evidence,
            **kwargs,
        )

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
        action, it goes, and its traces keep their figures without its
        address."""
        contacts = self.sudo()
        Erasure = self.env["gdpr.erasure"].with_context(gdpr_retention=True)
        emails = sorted(set(contacts.mapped("email_normalized")) - {False})
        # addresses nobody else in the database stands for any more: their
        # blocklist entries and objections keep only the keyed hash
        orphan = sorted(set(emails) - self._gdpr_addresses_in_use(emails, contacts))
        blacklist = Erasure._gdpr_search_all(
            "mail.blacklist", [("email", "in", orphan)]
        )
        scope = {self._name: contacts.ids, "mail.blacklist": blacklist.ids}
        Erasure._gdpr_suppress_erased(emails, scope)
        Erasure._gdpr_anonymise_objections(orphan, self.env["res.partner"])
        # traces keep their figures; only this contact's lose the address
        Erasure._gdpr_anonymise_traces([], {self._name: contacts.ids})
        self.env["mail.message"].sudo().search(
            Erasure._gdpr_scope_domain(scope, "model", "res_id")
        ).unlink()
        Erasure._gdpr_remove_attachments(scope)
        blacklist.unlink()
        contacts.unlink()
        return True

    @api.model
    def _gdpr_addresses_in_use(self, emails, leaving):
        """The addresses of ``emails`` that a contact, a lead or another
        mailing contact than ``leaving`` still holds."""
        if not emails:
            return set()
        self.env.cr.execute(
            SQL(
                """
                SELECT email_normalized FROM res_partner
                 WHERE email_normalized = ANY(%(emails)s)
                 UNION
                SELECT email_normalized FROM crm_lead
                 WHERE email_normalized = ANY(%(emails)s)
                 UNION
                SELECT email_normalized FROM mailing_contact
                 WHERE email_normalized = ANY(%(emails)s)
                   AND NOT (id = ANY(%(leaving)s))
                """,
                emails=list(emails),
                leaving=leaving.ids,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}
