# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestMailingRecipients(TransactionCase):
    """Every mailing skips whoever may not receive direct marketing, whatever
    its recipient model, and says how many and why."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        source = cls.env.ref("gdpr_compliance.gdpr_source_newsletter")

        def person(name, **vals):
            return Partner.create(
                dict(
                    {
                        "name": name,
                        "email": f"{name.lower().replace(' ', '.')}@example.org",
                        "gdpr_legal_basis": "consent",
                        "gdpr_source_id": source.id,
                    },
                    **vals,
                )
            )

        cls.consenting = person("Anna Consent")
        cls.consenting._gdpr_record_consent("marketing", "given", "web_form")
        cls.withdrawn = person("Bruno Withdrawn")
        cls.withdrawn._gdpr_record_consent("marketing", "given", "web_form")
        cls.withdrawn._gdpr_record_consent("marketing", "withdrawn", "unsubscribe")
        cls.restricted = person("Carla Restricted", gdpr_restricted=True)
        cls.restricted._gdpr_record_consent("marketing", "given", "web_form")
        cls.prospect = person("Dario Prospect")
        cls.customer = person("Elsa Customer", gdpr_legal_basis="contract")
        won = cls.env["crm.lead"].create(
            {"name": "Won deal", "partner_id": cls.customer.id}
        )
        won.action_set_won()
        cls.partners = (
            cls.consenting
            | cls.withdrawn
            | cls.restricted
            | cls.prospect
            | cls.customer
        )

    def _mailing(self, model, domain=None, lists=None):
        values = {
            "subject": "Offers",
            "body_html": "<p>Offers</p>",
            "mailing_model_id": self.env["ir.model"]._get_id(model),
        }
        if lists:
            values["contact_list_ids"] = [(6, 0, lists.ids)]
        else:
            values["mailing_domain"] = repr(domain)
        return self.env["mailing.mailing"].create(values)

    def test_partner_mailing_excludes_by_reason(self):
        mailing = self._mailing("res.partner", [("id", "in", self.partners.ids)])
        excluded = mailing._gdpr_excluded_recipients(self.partners.ids)
        self.assertEqual(
            excluded,
            {
                self.withdrawn.id: "withdrawn",
                self.restricted.id: "restricted",
                self.prospect.id: "no_basis",
            },
        )
        self.assertEqual(
            set(mailing._get_recipients()), {self.consenting.id, self.customer.id}
        )
        mailing.action_gdpr_count_exclusions()
        self.assertEqual(mailing.gdpr_excluded_count, 3)
        self.assertIn(
            "Processing restricted (Art. 18): 1", mailing.gdpr_exclusion_summary
        )
        self.assertIn("No consent (prospect)", mailing.gdpr_exclusion_summary)
        # counted on demand: other recipients clear the count
        mailing.mailing_domain = repr([("id", "in", self.consenting.ids)])
        self.assertFalse(mailing.gdpr_exclusions_counted)
        self.assertFalse(mailing.gdpr_excluded_count)
        mailing.mailing_domain = repr([("id", "in", self.partners.ids)])
        mailing.action_gdpr_count_exclusions()
        self.assertTrue(mailing.gdpr_exclusions_counted)
        self.assertEqual(mailing.gdpr_excluded_count, 3)
        action = mailing.action_view_gdpr_excluded()
        self.assertEqual(
            set(action["domain"][0][2]),
            {self.withdrawn.id, self.restricted.id, self.prospect.id},
        )
        mailing.action_send_mail()
        self.assertEqual(
            set(mailing.mailing_trace_ids.mapped("res_id")),
            {self.consenting.id, self.customer.id},
        )

    def test_set_based_rule_matches_can_process(self):
        partners = self.partners | self.env["res.partner"].search([], limit=50)
        excluded = self.env["gdpr.processing.rule"]._gdpr_refusals(
            partners.ids, "marketing"
        )
        for partner in partners:
            allowed, _reason = partner._gdpr_can_process("marketing")
            self.assertEqual(allowed, partner.id not in excluded, partner.name)

    def test_explicit_recipients_are_filtered_too(self):
        mailing = self._mailing("res.partner", [("id", "in", self.partners.ids)])
        with self.assertRaises(UserError):
            mailing.action_send_mail(res_ids=self.prospect.ids)
        mailing.action_send_mail(res_ids=(self.prospect | self.consenting).ids)
        self.assertEqual(mailing.mailing_trace_ids.res_id, self.consenting.id)

    def test_lead_mailing(self):
        Lead = self.env["crm.lead"]
        with_partner = Lead.create({"name": "L1", "partner_id": self.withdrawn.id})
        consenting_lead = Lead.create({"name": "L2", "email_from": "l2@example.org"})
        consenting_lead._gdpr_record_consent("marketing", "given", "checkbox")
        silent_lead = Lead.create({"name": "L3", "email_from": "l3@example.org"})
        leads = with_partner | consenting_lead | silent_lead
        mailing = self._mailing("crm.lead", [("id", "in", leads.ids)])
        self.assertEqual(
            mailing._gdpr_excluded_recipients(leads.ids),
            {with_partner.id: "withdrawn", silent_lead.id: "no_basis"},
        )
        self.assertEqual(mailing._get_recipients(), consenting_lead.ids)
        consenting_lead._gdpr_record_consent("marketing", "withdrawn", "email")
        self.assertEqual(
            mailing._gdpr_excluded_recipients(consenting_lead.ids),
            {consenting_lead.id: "withdrawn"},
        )

    def test_mailing_list_contacts(self):
        mailing_list = self.env["mailing.list"].create({"name": "GDPR list"})
        Contact = self.env["mailing.contact"]
        as_partner = Contact.create(
            {
                "name": "Bruno Withdrawn",
                "email": self.withdrawn.email,
                "list_ids": [(4, mailing_list.id)],
            }
        )
        own_consent = Contact.create(
            {
                "name": "Fiona Subscriber",
                "email": "fiona@example.org",
                "list_ids": [(4, mailing_list.id)],
            }
        )
        own_consent._gdpr_record_consent("marketing", "given", "double_opt_in")
        self.env.invalidate_all()
        self.env["mailing.subscription"].search(
            [("contact_id", "=", own_consent.id)]
        ).gdpr_confirmation_state = "confirmed"
        no_consent = Contact.create(
            {
                "name": "Gino Unknown",
                "email": "gino@example.org",
                "list_ids": [(4, mailing_list.id)],
            }
        )
        mailing = self._mailing("mailing.list", lists=mailing_list)
        self.assertEqual(mailing.mailing_model_real, "mailing.contact")
        self.assertEqual(
            mailing._gdpr_excluded_recipients(
                (as_partner | own_consent | no_consent).ids
            ),
            {as_partner.id: "withdrawn", no_consent.id: "no_basis"},
        )
        self.assertEqual(mailing._get_recipients(), own_consent.ids)
        mailing.action_gdpr_count_exclusions()
        self.assertEqual(mailing.gdpr_excluded_count, 2)
        # the consent of a contact matching a partner lands on the partner
        self.assertEqual(self.withdrawn.gdpr_consent_ids.state, "withdrawn")

    def test_consent_of_a_contact_lands_where_the_rules_look(self):
        """Two contacts share an address (a duplicate): the rules read the
        newest one, so a subscriber's consent must be recorded there."""
        older = self.env["res.partner"].create(
            {"name": "Aaron Twin", "email": "twin@example.org"}
        )
        newer = self.env["res.partner"].create(
            {"name": "Zeno Twin", "email": "twin@example.org"}
        )
        self.assertLess(older.id, newer.id)
        mailing_list = self.env["mailing.list"].create({"name": "Twins"})
        contact = self.env["mailing.contact"].create(
            {"name": "Twin", "email": "twin@example.org"}
        )
        self.env["mailing.subscription"].create(
            {
                "contact_id": contact.id,
                "list_id": mailing_list.id,
                "gdpr_confirmation_state": "confirmed",
            }
        )
        contact._gdpr_record_consent("marketing", "given", "double_opt_in")
        self.assertEqual(newer.gdpr_consent_ids.state, "given")
        self.assertFalse(older.gdpr_consent_ids)
        mailing = self._mailing("mailing.list", lists=mailing_list)
        self.assertEqual(mailing._get_recipients(), contact.ids)
        self.assertFalse(mailing._gdpr_excluded_recipients(contact.ids))

    def test_list_rules_in_the_search_agree_with_the_set_based_rule(self):
        """List mailings apply the rules inside mass_mailing's search; they
        must keep exactly whom the rule keeps, reason by reason."""
        mailing_list = self.env["mailing.list"].create({"name": "All reasons"})
        lapsed = self.env["res.partner"].create(
            {
                "name": "Lia Lapsed",
                "email": "lia.lapsed@example.org",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": self.consenting.gdpr_source_id.id,
            }
        )
        lapsed._gdpr_record_consent("marketing", "given", "web_form")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_last_interaction = now() - interval "
            "'30 months', create_date = now() - interval '30 months' WHERE id = %s",
            [lapsed.id],
        )
        Contact = self.env["mailing.contact"]
        contacts = Contact.create(
            [
                {"name": p.name, "email": p.email, "list_ids": [(4, mailing_list.id)]}
                for p in self.partners | lapsed
            ]
            + [
                {
                    "name": name,
                    "email": f"{name}@example.org",
                    "list_ids": [(4, mailing_list.id)],
                }
                for name in ("own", "pending", "suppressed", "erased", "nobody")
            ]
        )
        by_name = {c.email.split("@")[0]: c for c in contacts}
        for name in ("own", "pending", "suppressed", "erased"):
            by_name[name]._gdpr_record_consent("marketing", "given", "double_opt_in")
        self.env.invalidate_all()
        subscriptions = self.env["mailing.subscription"].search(
            [("list_id", "=", mailing_list.id)]
        )
        subscriptions.filtered(
            lambda s: s.contact_id != by_name["pending"]
        ).gdpr_confirmation_state = "confirmed"
        Suppression = self.env["gdpr.suppression"]
        Suppression._gdpr_suppress("suppressed@example.org", "not_interested")
        Suppression._gdpr_suppress("erased@example.org", "erased")
        mailing = self._mailing("mailing.list", lists=mailing_list)
        self.assertTrue(mailing._gdpr_rules_in_search())
        excluded = mailing._gdpr_excluded_recipients(contacts.ids)
        kept = mailing._get_recipients()
        self.assertEqual(set(kept), set(contacts.ids) - set(excluded))
        self.assertEqual(
            {Contact.browse(i).email.split("@")[0] for i in kept},
            {"anna.consent", "elsa.customer", "own"},
        )
        self.assertEqual(
            {Contact.browse(i).email.split("@")[0]: r for i, r in excluded.items()},
            {
                "bruno.withdrawn": "withdrawn",
                "carla.restricted": "restricted",
                "dario.prospect": "no_basis",
                "lia.lapsed": "lapsed",
                "pending": "unconfirmed",
                "suppressed": "suppressed",
                "erased": "suppressed",
                "nobody": "no_basis",
            },
        )
