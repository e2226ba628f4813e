# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL

from odoo.addons.gdpr_compliance.models.gdpr_erasure import normalize_email


class GdprErasure(models.AbstractModel):
    """Marketing data go with the person: mailing contacts, the address in
    mailing traces, blocklist entries and objections. An address the person
    objected with, or asked to erase, stays on the suppression list as a keyed
    hash only, so that no later import can bring it back."""

    _inherit = "gdpr.erasure"

    @api.model
    def _gdpr_marketing_emails(self, partners):
        """Normalised addresses of the people and of their leads."""
        return self._gdpr_memoized(
            "marketing_emails",
            partners,
            lambda: self._gdpr_compute_marketing_emails(partners),
        )

    @api.model
    def _gdpr_compute_marketing_emails(self, partners):
        columns = self._gdpr_column_values(partners, ("email", "email_normalized"))
        emails = set(columns["email_normalized"])
        emails |= set(
            self._gdpr_column_values(self._gdpr_leads(partners), ("email_normalized",))[
                "email_normalized"
            ]
        )
        for email in columns["email"]:
            normalized = normalize_email(email)
            if normalized:
                emails.add(normalized)
        return {email for email in emails if email}

    @api.model
    def _gdpr_mailing_contacts(self, partners):
        return self._gdpr_memoized(
            "mailing_contacts",
            partners,
            lambda: self._gdpr_search_mailing_contacts(partners),
        )

    @api.model
    def _gdpr_search_mailing_contacts(self, partners):
        emails = self._gdpr_marketing_emails(partners)
        if not emails:
            return self.env["mailing.contact"]
        return (
            self.env["mailing.contact"]
            .sudo()
            .search([("email_normalized", "in", list(emails))])
        )

    @api.model
    def _gdpr_identifier_values(self, partners):
        values = super()._gdpr_identifier_values(partners)
        for contact in self._gdpr_mailing_contacts(partners):
            if contact.name:
                values["name"].add(contact.name)
            if contact.email:
                values["email"].add(contact.email)
        return values

    @api.model
    def _gdpr_scope(self, partners):
        scope = super()._gdpr_scope(partners)
        scope["mailing.contact"] = self._gdpr_mailing_contacts(partners).ids
        emails = list(self._gdpr_marketing_emails(partners))
        scope["mail.blacklist"] = self._gdpr_search_all(
            "mail.blacklist", [("email", "in", emails)]
        ).ids
        return scope

    @api.model
    def _gdpr_process_related(self, partners, scope, mode, keep_fields):
        emails = sorted(self._gdpr_marketing_emails(partners))
        result = super()._gdpr_process_related(partners, scope, mode, keep_fields)
        self._gdpr_suppress_erased(emails, scope)
        self._gdpr_anonymise_traces(emails, scope)
        self._gdpr_anonymise_objections(emails, partners)
        self.env["mail.blacklist"].browse(scope.get("mail.blacklist", [])).unlink()
        self.env["mailing.contact"].browse(scope.get("mailing.contact", [])).unlink()
        return result

    @api.model
    def _gdpr_suppress_erased(self, emails, scope):
        """At the person's request every address is suppressed by hash; when
        retention removes the data, only the addresses that objected are (an
        objection outlives the data, a lapsed subscription does not)."""
        Suppression = self.env["gdpr.suppression"]
        if self.env.context.get("gdpr_retention"):
            objected = Suppression._gdpr_suppressed(emails)
            objected |= set(
                self.env["gdpr.objection"]
                .sudo()
                .search([("email_normalized", "in", emails)])
                .mapped("email_normalized")
            )
            objected |= set(
                self.env["mail.blacklist"]
                .browse(scope.get("mail.blacklist", []))
                .mapped("email")
            )
            emails = [email for email in emails if email in objected]
        for email in emails:
            Suppression._gdpr_suppress(email, "erased")

    @api.model
    def _gdpr_anonymise_traces(self, emails, scope):
        """Mailing statistics stay; the address they were sent to goes."""
        condition = self._gdpr_scope_condition(scope, SQL("model"), SQL("res_id"))
        self.env.cr.execute(
            SQL(
                "UPDATE mailing_trace SET email = NULL "
                "WHERE email IS NOT NULL AND (lower(email) = ANY(%s) OR %s)",
                list(emails),
                condition,
            )
        )

    @api.model
    def _gdpr_anonymise_objections(self, emails, partners):
        """An objection is kept as evidence that the person objected, under
        the keyed hash of the address; where and how they did it goes."""
        Suppression = self.env["gdpr.suppression"]
        self.env.cr.execute(
            SQL(
                "SELECT id, email_normalized FROM gdpr_objection "
                "WHERE email_normalized = ANY(%s) OR partner_id = ANY(%s)",
                list(emails),
                partners.ids,
            )
        )
        for objection_id, email in self.env.cr.fetchall():
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE gdpr_objection
                       SET email_normalized = %s, ip_address = NULL,
                           user_agent = NULL, reason = NULL
                     WHERE id = %s
                    """,
                    Suppression._gdpr_hash_normalized(email),
                    objection_id,
                )
            )
        self.env["gdpr.objection"].invalidate_model()

    @api.model
    def _gdpr_remove_mailing_contacts(self, contacts):
        """Remove mailing contacts whose marketing period is over, with what
        stands for them: their traces keep their figures without the
        address; blocklist entries and objections of an address nobody else
        holds keep only its keyed hash."""
        contacts = contacts.sudo()
        Erasure = self.with_context(gdpr_retention=True)
        emails = sorted(set(contacts.mapped("email_normalized")) - {False})
        # addresses nobody else in the database stands for any more: their
        # blocklist entries and objections keep only the keyed hash
        orphan = sorted(set(emails) - self._gdpr_addresses_in_use(emails, contacts))
        blacklist = Erasure._gdpr_search_all(
            "mail.blacklist", [("email", "in", orphan)]
        )
        scope = {contacts._name: contacts.ids, "mail.blacklist": blacklist.ids}
        Erasure._gdpr_suppress_erased(emails, scope)
        Erasure._gdpr_anonymise_objections(orphan, self.env["res.partner"])
        # traces keep their figures; only this contact's lose the address
        Erasure._gdpr_anonymise_traces([], {contacts._name: contacts.ids})
        self.env["mail.message"].sudo().search(
            Erasure._gdpr_scope_domain(scope, "model", "res_id")
        ).unlink()
        self.env["ir.attachment"].sudo()._gdpr_remove_for_erasure(scope)
        # the evidence of the consents recorded on the contacts (IP address,
        # browser) goes with them: their keys are destroyed
        self.env["gdpr.subject.key"]._gdpr_forget_records(
            {contacts._name: contacts.ids}
        )
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
