# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Checks that need both addons installed together."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCrossAddons(TransactionCase):
    def test_personal_fields_classified_once_across_models(self):
        categories = self.env["gdpr.data.category"].search([])
        fields = categories.field_ids
        self.assertEqual(len(fields), sum(len(c.field_ids) for c in categories))
        classified = {(field.model, field.name) for field in fields}
        for model in ("res.partner", "crm.lead", "mailing.contact"):
            email = "email_from" if model == "crm.lead" else "email"
            self.assertIn((model, email), classified)
            self.assertIn(
                (model, "name" if model != "crm.lead" else "contact_name"), classified
            )

    def test_classified_fields_are_stored_or_relational(self):
        for field in self.env["gdpr.data.category"].search([]).field_ids:
            model_field = self.env[field.model]._fields[field.name]
            self.assertTrue(
                model_field.store or model_field.type in ("one2many", "many2many"),
                f"{field.model}.{field.name} is neither stored nor a relation",
            )

    def test_lead_from_mailing_reply_flow_keeps_basis_rules(self):
        # mass_mailing_crm creates leads from mailings' UTM data: a lead
        # created by code gets a source and a review flag, never an error
        campaign = self.env["utm.campaign"].create({"name": "Autumn 2026"})
        lead = self.env["crm.lead"].create(
            {
                "name": "Reply to autumn mailing",
                "campaign_id": campaign.id,
                "email_from": "reader@example.org",
            }
        )
        self.assertTrue(lead.gdpr_basis_to_review)
        self.assertEqual(
            lead.gdpr_source_id, self.env.ref("gdpr_compliance.gdpr_source_auto_other")
        )
