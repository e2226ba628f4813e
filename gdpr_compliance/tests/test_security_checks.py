# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from passlib.context import CryptContext

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import config, mute_logger

from .common import GdprCommon


class SecurityCheckCommon(GdprCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Check = cls.env["gdpr.security.check"]
        cls.icp = cls.env["ir.config_parameter"].sudo()

    def _check(self, code):
        check = self.Check.search([("code", "=", code)])
        self.assertEqual(len(check), 1, code)
        return check

    def _status(self, code):
        """Run one check as the DPO would, and read what it stored."""
        check = self._check(code)
        check.with_user(self.user_dpo).action_run()
        check.invalidate_recordset()
        return check.status

    def _only_internal_users(self, users):
        """Archive every other internal user: checks that weigh each user's
        password then verify only these."""
        self.env["res.users"].search(
            [("share", "=", False), ("id", "not in", users.ids)]
        ).write({"active": False})


@tagged("post_install", "-at_install")
class TestSecurityChecks(SecurityCheckCommon):
    def test_totp_policy(self):
        self.icp.set_param("auth_totp.policy", False)
        person = new_test_user(self.env, login="gdpr_totp_user")
        self._only_internal_users(self.user_dpo | person)
        self.assertEqual(self._status("totp_policy"), "failing")
        self.assertIn("gdpr_totp_user", self._check("totp_policy").finding)
        (self.user_dpo | person).sudo().write({"totp_secret": "JBSWY3DPEHPK3PXP"})
        self.assertEqual(self._status("totp_policy"), "warning")
        person.sudo().write({"totp_secret": False})
        self.icp.set_param("auth_totp.policy", "employee_required")
        self.assertEqual(self._status("totp_policy"), "ok")
        self.icp.set_param("auth_totp.policy", "all_required")
        self.assertEqual(self._status("totp_policy"), "ok")

    def test_password_length(self):
        for length, status in (("0", "failing"), ("7", "failing"), ("8", "warning")):
            self.icp.set_param("auth_password_policy.minlength", length)
            self.assertEqual(self._status("password_length"), status, length)
        self.icp.set_param("auth_password_policy.minlength", "12")
        self.assertEqual(self._status("password_length"), "ok")
        self.assertIn("12", self._check("password_length").finding)

    def test_default_passwords(self):
        self.icp.set_param("auth_password_policy.minlength", "0")
        admin = new_test_user(
            self.env,
            login="gdpr_sysadmin",
            password="a long and private sentence",
            groups="base.group_system,gdpr_compliance.group_gdpr_officer",
        )
        clerk = new_test_user(
            self.env, login="gdpr_clerk", password="another private sentence"
        )
        self._only_internal_users(admin | clerk)
        self.assertEqual(self._status("default_passwords"), "ok")
        clerk.password = "gdpr_clerk"
        self.assertEqual(self._status("default_passwords"), "warning")
        self.assertIn("gdpr_clerk", self._check("default_passwords").finding)
        admin.password = "admin"
        self.assertEqual(self._status("default_passwords"), "failing")
        check = self._check("default_passwords")
        self.assertIn("gdpr_sysadmin", check.finding)
        # a remembered outcome: the hashes are not verified again
        verified = []
        verify = CryptContext.verify

        def counting_verify(context, *args, **kwargs):
            verified.append(args)
            return verify(context, *args, **kwargs)

        with patch.object(CryptContext, "verify", counting_verify):
            self.assertEqual(self._status("default_passwords"), "failing")
        self.assertEqual(verified, [])
        self.assertIn("gdpr_sysadmin", check.finding)
        action = check.with_user(admin).action_fix()
        self.assertEqual(action["res_model"], "res.users")
        self.assertEqual(
            self.env["res.users"]
            .with_context(active_test=False)
            .search(action["domain"]),
            admin | clerk,
        )
        # the DPO sees who; changing passwords stays the administrators'
        self.assertEqual(
            check.with_user(self.user_dpo).action_fix()["domain"], action["domain"]
        )

    def test_database_manager(self):
        with patch.dict(config.options, {"list_db": False}):
            self.assertEqual(self._status("database_manager"), "ok")
        with patch.dict(config.options, {"list_db": True, "admin_passwd": "admin"}):
            self.assertEqual(self._status("database_manager"), "failing")
        with patch.dict(
            config.options, {"list_db": True, "admin_passwd": "a private master key"}
        ):
            self.assertEqual(self._status("database_manager"), "warning")
        action = self._check("database_manager").with_user(self.user_dpo).action_fix()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("list_db = False", action["params"]["message"])

    def test_base_url_https(self):
        for url, status in (
            ("https://crm.example.com", "ok"),
            ("http://localhost:8069", "warning"),
            ("http://127.0.0.1:8069", "warning"),
            ("http://crm.example.com", "failing"),
        ):
            self.icp.set_param("web.base.url", url)
            self.assertEqual(self._status("base_url_https"), status, url)

    def test_mail_tls(self):
        Server = self.env["ir.mail_server"]
        Server.search([]).write({"active": False})
        options = {"smtp_server": "localhost", "smtp_ssl": False}
        with patch.dict(config.options, options):
            self.assertEqual(self._status("mail_tls"), "warning")
        with patch.dict(config.options, dict(options, smtp_server="smtp.example.com")):
            self.assertEqual(self._status("mail_tls"), "failing")
        with patch.dict(config.options, dict(options, smtp_ssl=True)):
            self.assertEqual(self._status("mail_tls"), "ok")
        server = Server.create(
            {
                "name": "Provider",
                "smtp_host": "smtp.example.com",
                "smtp_encryption": "starttls",
            }
        )
        self.assertEqual(self._status("mail_tls"), "ok")
        server.smtp_encryption = "none"
        self.assertEqual(self._status("mail_tls"), "failing")
        self.assertIn("Provider", self._check("mail_tls").finding)

    def test_purpose_notices(self):
        Notice = self.env["gdpr.privacy.notice"]
        Purpose = self.Purpose.sudo()
        Notice.create(
            {
                "name": "Everything v1",
                "valid_from": fields.Date.today() - timedelta(days=2),
                "purpose_ids": [(6, 0, Purpose.search([]).ids)],
            }
        )
        self.assertEqual(self._status("purpose_notices"), "ok")
        Purpose.create(
            {"name": "Events", "code": "events_test", "legal_basis": "contract"}
        )
        self.assertEqual(self._status("purpose_notices"), "warning")
        self.assertIn("Events", self._check("purpose_notices").finding)
        survey = Purpose.create(
            {"name": "Surveys", "code": "surveys_test", "legal_basis": "consent"}
        )
        self.assertEqual(self._status("purpose_notices"), "failing")
        # a version that starts tomorrow is not in force yet
        Notice.create(
            {
                "name": "Surveys v1",
                "valid_from": fields.Date.today() + timedelta(days=1),
                "purpose_ids": [(6, 0, survey.ids)],
            }
        )
        self.assertEqual(self._status("purpose_notices"), "failing")
        action = self._check("purpose_notices").with_user(self.user_dpo).action_fix()
        self.assertEqual(action["res_model"], "gdpr.privacy.notice")
        self.assertIn(survey.id, action["context"]["default_purpose_ids"])

    def test_purpose_retention(self):
        Purpose = self.Purpose.sudo()
        Purpose.search([("retention_months", "=", 0)]).write({"retention_months": 24})
        self.assertEqual(self._status("purpose_retention"), "ok")
        contract = self.env.ref("gdpr_compliance.gdpr_purpose_contract")
        contract.retention_months = 0
        self.assertEqual(self._status("purpose_retention"), "warning")
        self.purpose_marketing.retention_months = 0
        self.assertEqual(self._status("purpose_retention"), "failing")
        action = self._check("purpose_retention").with_user(self.user_dpo).action_fix()
        self.assertEqual(
            self.Purpose.search(action["domain"]), contract | self.purpose_marketing
        )

    def test_transfers(self):
        Purpose = self.Purpose.sudo()
        Purpose.search([]).write({"active": False})
        germany, usa = self.env.ref("base.de"), self.env.ref("base.us")
        eu_processor = self.Partner.create(
            {"name": "Mailer GmbH", "is_company": True, "country_id": germany.id}
        )
        us_processor = self.Partner.create(
            {"name": "Cloud Inc", "is_company": True, "country_id": usa.id}
        )
        norway = self.Partner.create(
            {
                "name": "Fjord AS",
                "is_company": True,
                "country_id": self.env.ref("base.no").id,
            }
        )
        purpose = Purpose.create(
            {
                "name": "Newsletter",
                "code": "newsletter_test",
                "retention_months": 24,
                "processor_ids": [(6, 0, (eu_processor | norway).ids)],
            }
        )
        self.assertEqual(self._status("transfers"), "ok")
        purpose.processor_ids = [(4, us_processor.id)]
        self.assertEqual(self._status("transfers"), "failing")
        self.assertIn("Newsletter", self._check("transfers").finding)
        purpose.write(
            {
                "transfer_outside_eu": True,
                "transfer_safeguard": "derogation",
                "transfer_country_ids": [(6, 0, usa.ids)],
            }
        )
        self.assertEqual(self._status("transfers"), "warning")
        purpose.transfer_safeguard = "scc"
        self.assertEqual(self._status("transfers"), "ok")
        self.Partner.create({"name": "Somewhere Ltd", "is_company": True}).write(
            {"country_id": False}
        )
        purpose.processor_ids = [
            (4, self.Partner.search([("name", "=", "Somewhere Ltd")]).id)
        ]
        self.assertEqual(self._status("transfers"), "warning")
        action = self._check("transfers").with_user(self.user_dpo).action_fix()
        self.assertEqual(self.Purpose.search(action["domain"]), purpose)

    def test_retention_cron(self):
        cron = self.env.ref("gdpr_compliance.ir_cron_gdpr_retention")
        cron.write({"active": True, "lastcall": fields.Datetime.now()})
        self.env["gdpr.retention.run"].sudo().search(
            [("scheduled", "=", True), ("state", "=", "failed")]
        ).write({"state": "done"})
        self.assertEqual(self._status("retention_cron"), "ok")
        cron.lastcall = fields.Datetime.now() - timedelta(hours=49)
        self.assertEqual(self._status("retention_cron"), "warning")
        cron.lastcall = False
        self.assertEqual(self._status("retention_cron"), "warning")
        cron.active = False
        self.assertEqual(self._status("retention_cron"), "failing")
        cron.write({"active": True, "lastcall": fields.Datetime.now()})
        run = self.env["gdpr.retention.run"]._gdpr_start(scheduled=True)
        run.write({"state": "failed", "error_message": "disk full"})
        self.assertEqual(self._status("retention_cron"), "failing")
        self.assertIn("disk full", self._check("retention_cron").finding)
        # the cron's form is for administrators
        with self.assertRaises(UserError):
            self._check("retention_cron").with_user(self.user_dpo).action_fix()
        self.user_dpo.groups_id = [(4, self.env.ref("base.group_system").id)]
        action = self._check("retention_cron").with_user(self.user_dpo).action_fix()
        self.assertEqual((action["res_model"], action["res_id"]), ("ir.cron", cron.id))

    def test_chain_verification(self):
        Verification = self.env["gdpr.chain.verification"]
        Verification.sudo().search([]).unlink()
        self.assertEqual(self._status("chain_verification"), "warning")
        Verification.with_user(self.user_dpo).action_verify_all()
        self.assertEqual(self._status("chain_verification"), "ok")
        Verification._gdpr_record(
            "gdpr.audit.log",
            {
                "ok": False,
                "checked": 2,
                "sequence": 3,
                "problem": "entry #3 was altered",
            },
        )
        self.assertEqual(self._status("chain_verification"), "failing")
        Verification.with_user(self.user_dpo).action_verify_all()
        Verification.sudo().create(
            {
                "log_model": "gdpr.consent.event",
                "intact": True,
                "date": fields.Datetime.now() - timedelta(days=31),
            }
        )
        self.assertEqual(self._status("chain_verification"), "warning")
        action = self._check("chain_verification").with_user(self.user_dpo).action_fix()
        self.assertEqual(action["res_model"], "gdpr.chain.verification")

    def test_a_check_that_cannot_run_fails(self):
        """A check that breaks (here: its query) is reported failing, and
        the others still run in the same transaction."""
        checks = self._check("password_length") | self._check("base_url_https")

        def broken(check):
            self.env.cr.execute("SELECT no_such_column FROM res_users")

        with (
            patch.object(type(self.Check), "_gdpr_check_password_length", broken),
            mute_logger("odoo.sql_db", "odoo.addons.gdpr_compliance.models"),
        ):
            checks._gdpr_evaluate()
        self.assertEqual(checks[0].status, "failing")
        self.assertIn("could not run", checks[0].finding)
        self.assertTrue(checks[1].status)
        self.env["res.users"].search_count([])

    def test_only_the_dpo_runs_and_fixes(self):
        check = self._check("base_url_https")
        with self.assertRaises(AccessError):
            check.with_user(self.user_sales).action_run()
        with self.assertRaises(AccessError):
            check.with_user(self.user_sales).action_fix()
        with self.assertRaises(AccessError):
            check.with_user(self.user_dpo).write({"status": "ok"})


@tagged("post_install", "-at_install")
class TestSecurityDigest(SecurityCheckCommon):
    def _digests(self):
        return self.env["mail.mail"].search(
            [("subject", "like", "turned red")], order="id"
        )

    def test_daily_digest_only_when_a_check_turns_red(self):
        self._only_internal_users(self.user_dpo | self.user_sales)
        cron = self.env.ref("gdpr_compliance.ir_cron_gdpr_security_checks")
        self.icp.set_param("web.base.url", "https://crm.example.com")
        self.env["gdpr.retention.forecast"].sudo().search([]).unlink()
        cron.method_direct_trigger()
        # the daily run counts the retention forecast too
        self.assertTrue(self.env["gdpr.retention.forecast"].sudo().search([]))
        first = self._digests()
        self.assertEqual(
            bool(first),
            bool(self.Check.search([("status", "=", "failing")])),
            "the first run mails about whatever fails",
        )
        cron.method_direct_trigger()
        self.assertEqual(self._digests(), first, "nothing new: no mail")

        self.icp.set_param("web.base.url", "http://crm.example.com")
        cron.method_direct_trigger()
        digest = self._digests() - first
        self.assertEqual(len(digest), 1)
        self.assertEqual(digest.recipient_ids, self.user_dpo.partner_id)
        self.assertIn("1 security check(s) turned red", digest.subject)
        self.assertIn("Served over HTTPS", digest.body_html)
        self.assertIn("http://crm.example.com", digest.body_html)
        self.assertNotIn("Password policy", digest.body_html)

        cron.method_direct_trigger()
        self.assertEqual(len(self._digests() - first), 1, "still red: no new mail")
        self.icp.set_param("web.base.url", "https://crm.example.com")
        cron.method_direct_trigger()
        self.icp.set_param("web.base.url", "http://crm.example.com")
        cron.method_direct_trigger()
        self.assertEqual(len(self._digests() - first), 2, "red again: a new mail")
