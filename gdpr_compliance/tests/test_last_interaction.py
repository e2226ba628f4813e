# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import tagged

from ..hooks import post_init_hook
from .common import GdprCommon


@tagged("post_install", "-at_install")
class TestLastInteraction(GdprCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.Partner.create(
            {
                "name": "Ornella Vanoni",
                "email": "ornella@example.com",
                "gdpr_legal_basis": "consent",
                "gdpr_source_id": cls.source_fair.id,
            }
        )

    def _set_last(self, value):
        self.env.cr.execute(
            "UPDATE res_partner SET gdpr_last_interaction = %s WHERE id = %s",
            [value, self.partner.id],
        )
        self.partner.invalidate_recordset(["gdpr_last_interaction"])

    def test_email_from_the_person(self):
        self._set_last(None)
        self.partner.message_post(
            body="Hello", message_type="email", author_id=self.partner.id
        )
        self.assertTrue(self.partner.gdpr_last_interaction)

    def test_message_to_the_person(self):
        self._set_last(None)
        other = self.env.ref("gdpr_compliance.res_partner_elena_bruno_demo")
        other.message_post(
            body="Copy for Ornella",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.partner.ids,
        )
        self.assertTrue(self.partner.gdpr_last_interaction)

    def test_internal_note_is_not_an_interaction(self):
        self._set_last(None)
        self.partner.message_post(
            body="Internal remark", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(self.partner.gdpr_last_interaction)

    def test_lead_creation_and_stage_change(self):
        self._set_last(None)
        lead = self.Lead.create({"name": "Desk", "partner_id": self.partner.id})
        self.assertTrue(self.partner.gdpr_last_interaction)
        old = datetime(2020, 1, 1)
        self._set_last(old)
        stages = self.env["crm.stage"].search([], limit=2)
        lead.stage_id = stages[-1]
        self.assertGreater(self.partner.gdpr_last_interaction, old)

    def test_message_on_the_persons_lead(self):
        lead = self.Lead.create({"name": "Chairs", "partner_id": self.partner.id})
        old = datetime(2020, 1, 1)
        self._set_last(old)
        lead.message_post(body="Quote sent", message_type="email")
        self.assertGreater(self.partner.gdpr_last_interaction, old)

    def test_never_moves_backwards(self):
        recent = fields.Datetime.now()
        self._set_last(recent)
        self.partner._gdpr_touch_interaction(recent - timedelta(days=400))
        self.assertEqual(self.partner.gdpr_last_interaction, recent)

    def test_catch_up_and_backfill_are_set_based(self):
        when = datetime(2025, 3, 1, 10, 0)
        self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": self.partner.id,
                "message_type": "email",
                "body": "Old email",
                "date": when,
            }
        )
        self._set_last(None)
        moved = self.Partner._gdpr_catch_up_last_interaction(datetime.min)
        self.assertGreaterEqual(moved, 1)
        self.assertEqual(self.partner.gdpr_last_interaction, when)
        # a second pass over the same sources has nothing to move
        self.assertEqual(self.Partner._gdpr_catch_up_last_interaction(datetime.min), 0)
        self.assertEqual(self.partner.gdpr_last_interaction, when)
        self._set_last(None)
        post_init_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(self.partner.gdpr_last_interaction, when)

    def test_cron_resumes_from_previous_run(self):
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("gdpr_compliance.last_interaction_since", "2000-01-01 00:00:00")
        self._set_last(None)
        self.Lead.create({"name": "Lamp", "partner_id": self.partner.id})
        self._set_last(None)
        self.env.ref(
            "gdpr_compliance.ir_cron_gdpr_last_interaction"
        ).method_direct_trigger()
        self.assertTrue(self.partner.gdpr_last_interaction)
        since = icp.get_param("gdpr_compliance.last_interaction_since")
        self.assertGreater(since, "2000-01-01 00:00:00")
