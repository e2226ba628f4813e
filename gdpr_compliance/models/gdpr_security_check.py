# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import logging
from datetime import timedelta
from urllib.parse import urlparse

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, config, format_datetime
from odoo.tools.config import crypt_context

from .gdpr_overview import CHAIN_VERIFICATION_DAYS

_logger = logging.getLogger(__name__)

CHECK_STATUS_SELECTION = [
    ("ok", "OK"),
    ("warning", "Warning"),
    ("failing", "Failing"),
]

# 8 characters is the floor the Italian Privacy Code's former technical
# annex (Allegato B, rule 5) set and Odoo's password policy proposes; current
# guidance asks for longer passphrases (NIST SP 800-63B: 15 when the password
# is the only factor), hence a warning between the two.
PASSWORD_MIN_LENGTH = 8
PASSWORD_GOOD_LENGTH = 12
# The retention cron runs daily: two days without a run means it stopped.
RETENTION_CRON_HOURS = 48
# Countries of the EEA outside the EU (Iceland, Liechtenstein, Norway): the
# GDPR applies there, so sending data there is no transfer (Art. 44).
EEA_NON_EU_CODES = ("IS", "LI", "NO")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class GdprSecurityCheck(models.Model):
    """A security or configuration check of the database: its status, what
    was found, why it matters (the GDPR article) and how to fix it. Each
    check is the method ``_gdpr_check_<code>`` returning ``(status,
    finding)``, and ``_gdpr_fix_<code>`` opens the setting that fixes it."""

    _name = "gdpr.security.check"
    _description = "Security and Configuration Check"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, readonly=True)
    code = fields.Char(required=True, readonly=True)
    sequence = fields.Integer(readonly=True)
    article = fields.Char(string="GDPR Article", readonly=True)
    why = fields.Text(string="Why It Matters", translate=True, readonly=True)
    how_to_fix = fields.Text(string="How to Fix", translate=True, readonly=True)
    status = fields.Selection(
        selection=CHECK_STATUS_SELECTION, readonly=True, index=True
    )
    finding = fields.Text(readonly=True)
    checked_on = fields.Datetime(readonly=True)
    digest_status = fields.Selection(
        selection=CHECK_STATUS_SELECTION,
        string="Status at the Last Digest",
        readonly=True,
        help="What the daily scheduled action found last time: it mails the "
        "DPO only about the checks that turned red since.",
    )

    password_memo = fields.Json(
        groups="base.group_system",
        copy=False,
        help="Technical: which stored password hashes were found to be a "
        "default password, so that only new ones are verified again.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A check's code is unique."),
    ]

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------

    def _gdpr_evaluate(self):
        """Run the checks now and store what they found."""
        now = fields.Datetime.now()
        for check in self.sudo():
            try:
                with self.env.cr.savepoint():
                    status, finding = getattr(check, f"_gdpr_check_{check.code}")()
            except Exception as error:  # noqa: BLE001 - a check that cannot run fails
                _logger.exception("Security check %s could not run", check.code)
                status, finding = (
                    "failing",
                    self.env._("The check could not run: %(error)s", error=error),
                )
            check.write({"status": status, "finding": finding, "checked_on": now})
        return True

    def action_run(self):
        """Run the checks (all of them when none is selected) on demand."""
        self._gdpr_check_officer()
        (self or self.search([]))._gdpr_evaluate()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _cron_gdpr_security_checks(self):
        """Daily: count the retention forecast, run every check, and mail
        the DPO a digest when a check turned red since the last run."""
        self.env["gdpr.retention.forecast"]._gdpr_refresh()
        lang = self.env.company.partner_id.lang or self.env.lang
        checks = self.sudo().with_context(lang=lang).search([])
        checks._gdpr_evaluate()
        turned_red = checks.filtered(
            lambda check: check.status == "failing" and check.digest_status != "failing"
        )
        if turned_red:
            checks._gdpr_send_digest(turned_red)
        for check in checks:
            check.digest_status = check.status
        return turned_red

    @api.model
    def _gdpr_digest_recipients(self):
        """The Data Protection Officers who can read a mail."""
        officers = self.env.ref("gdpr_compliance.group_gdpr_officer").sudo().users
        return officers.filtered(
            lambda user: (
                user.active
                and not user.share
                and user.email
                and not user._is_superuser()
            )
        )

    def _gdpr_send_digest(self, turned_red):
        """One mail per language to the DPOs: the checks that turned red, then
        every check failing."""
        officers = self._gdpr_digest_recipients()
        mails = self.env["mail.mail"]
        for lang in set(officers.mapped("lang")):
            recipients = officers.filtered(lambda user, lang=lang: user.lang == lang)
            checks = self.with_context(lang=lang)
            body = (
                self.env["ir.qweb"]
                .with_context(lang=lang)
                ._render(
                    "gdpr_compliance.gdpr_security_check_digest",
                    {
                        "turned_red": turned_red.with_context(lang=lang),
                        "failing": checks.filtered(
                            lambda check: check.status == "failing"
                        ),
                        "company": self.env.company,
                    },
                )
            )
            mails |= mails.sudo().create(
                {
                    "subject": checks.env._(
                        "Privacy: %(count)s security check(s) turned red",
                        count=len(turned_red),
                    ),
                    "body_html": body,
                    "email_from": self.env.company.email_formatted
                    or self.env.user.email_formatted,
                    "recipient_ids": [(6, 0, recipients.partner_id.ids)],
                    "auto_delete": True,
                }
            )
        return mails

    # ------------------------------------------------------------------
    # Fixing
    # ------------------------------------------------------------------

    def _gdpr_check_officer(self):
        if not self.env.user.has_group("gdpr_compliance.group_gdpr_officer"):
            raise AccessError(
                self.env._("The security checks are for the Data Protection Officer.")
            )

    def action_fix(self):
        """Open the setting that fixes the check."""
        self.ensure_one()
        self._gdpr_check_officer()
        action = getattr(self, f"_gdpr_fix_{self.code}")()
        model = action.get("res_model")
        # most settings are for administrators only: say what to change
        # rather than open a screen that would refuse to show
        if model and not self.env[model].has_access("read"):
            raise UserError(
                self.env._(
                    "Only an administrator can change this setting. %(how)s",
                    how=self.how_to_fix or "",
                )
            )
        return action

    def _gdpr_settings_action(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "base_setup.action_general_configuration"
        )

    def _gdpr_list_action(self, xmlid, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update(domain=domain, context={}, view_mode="list,form")
        action["views"] = [
            (view_id, kind)
            for view_id, kind in action.get("views") or []
            if kind in ("list", "form")
        ]
        return action

    def _gdpr_explanation_action(self):
        """For a setting outside the database (the server's configuration
        file): say what to change."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": self.name,
                "message": self.how_to_fix,
            },
        }

    # ------------------------------------------------------------------
    # The checks: ``(status, finding)``
    # ------------------------------------------------------------------

    def _gdpr_internal_users(self):
        return (
            self.env["res.users"]
            .sudo()
            .search([("share", "=", False)])
            .filtered(lambda user: not user._is_superuser())
        )

    def _gdpr_check_totp_policy(self):
        policy = self.env["ir.config_parameter"].sudo().get_param("auth_totp.policy")
        if policy in ("employee_required", "all_required"):
            return "ok", self.env._("Two-factor authentication is enforced.")
        without = self._gdpr_internal_users().filtered(
            lambda user: not user.totp_enabled
        )
        if not without:
            return "warning", self.env._(
                "Not enforced: every internal user turned it on, but new users "
                "will not have to."
            )
        return "failing", self.env._(
            "Not enforced; %(count)s internal users log in with a password "
            "only: %(users)s.",
            count=len(without),
            users=", ".join(without.mapped("login")[:10]),
        )

    def _gdpr_fix_totp_policy(self):
        return self._gdpr_settings_action()

    def _gdpr_check_password_length(self):
        length = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("auth_password_policy.minlength", 0)
            or 0
        )
        finding = self.env._(
            "Minimum password length: %(length)s characters.", length=length
        )
        if length >= PASSWORD_GOOD_LENGTH:
            return "ok", finding
        if length >= PASSWORD_MIN_LENGTH:
            return "warning", finding
        return "failing", finding

    def _gdpr_fix_password_length(self):
        return self._gdpr_settings_action()

    def _gdpr_default_password_users(self):
        """Internal users whose password is ``admin`` or their own login.

        Verifying a password against Odoo's hash costs what a login costs
        (hundreds of thousands of PBKDF2 rounds, on purpose): the outcome is
        remembered per stored hash, and only new or changed passwords are
        verified again."""
        self.ensure_one()
        users = self._gdpr_internal_users()
        self.env.cr.execute(
            SQL(
                "SELECT id, password FROM res_users WHERE id = ANY(%s) "
                "AND password IS NOT NULL",
                users.ids,
            )
        )
        hashes = dict(self.env.cr.fetchall())
        context = users._crypt_context()
        memo = self.sudo().password_memo or {}
        outcomes = {}
        found = users.browse()
        for user in users.filtered(lambda user: user.id in hashes):
            # the login is a candidate: a new login is a new question
            key = hashlib.sha256(
                f"{user.id}\0{user.login}\0{hashes[user.id]}".encode()
            ).hexdigest()
            if key in memo:
                outcomes[key] = memo[key]
            else:
                outcomes[key] = any(
                    context.verify(candidate, hashes[user.id])
                    for candidate in ("admin", user.login)
                )
            if outcomes[key]:
                found |= user
        if outcomes != memo:
            self.sudo().password_memo = outcomes
        return found

    def _gdpr_check_default_passwords(self):
        found = self._gdpr_default_password_users()
        if not found:
            return "ok", self.env._("No internal user keeps a default password.")
        admins = found.filtered(lambda user: user.has_group("base.group_system"))
        finding = self.env._(
            "Users whose password is 'admin' or their login: %(users)s.",
            users=", ".join(found.mapped("login")),
        )
        return ("failing" if admins else "warning"), finding

    def _gdpr_fix_default_passwords(self):
        return self._gdpr_list_action(
            "base.action_res_users",
            [("id", "in", self._gdpr_default_password_users().ids)],
        )

    def _gdpr_check_database_manager(self):
        if not config["list_db"]:
            return "ok", self.env._("The database manager is hidden (list_db off).")
        if crypt_context.verify("admin", config["admin_passwd"] or "!"):
            return "failing", self.env._(
                "The database manager is reachable and its master password is "
                "the default one: anybody can copy or drop the database."
            )
        return "warning", self.env._(
            "The database manager is reachable (list_db on), behind a master password."
        )

    def _gdpr_fix_database_manager(self):
        return self._gdpr_explanation_action()

    def _gdpr_check_base_url_https(self):
        url = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        parsed = urlparse(url)
        finding = self.env._("The database is served at %(url)s.", url=url)
        if parsed.scheme == "https":
            return "ok", finding
        if (parsed.hostname or "") in LOCAL_HOSTS:
            return "warning", self.env._(
                "%(finding)s Plain HTTP is acceptable only while it stays on "
                "this machine.",
                finding=finding,
            )
        return "failing", finding

    def _gdpr_fix_base_url_https(self):
        return self._gdpr_list_action(
            "base.ir_config_list_action", [("key", "=", "web.base.url")]
        )

    def _gdpr_check_mail_tls(self):
        servers = self.env["ir.mail_server"].sudo().search([])
        if servers:
            plain = servers.filtered(lambda server: server.smtp_encryption == "none")
            if plain:
                return "failing", self.env._(
                    "Outgoing mail servers without encryption: %(servers)s.",
                    servers=", ".join(plain.mapped("name")),
                )
            return "ok", self.env._("Every outgoing mail server uses TLS.")
        if config["smtp_ssl"]:
            return "ok", self.env._(
                "Mail leaves through the server of the configuration file, over TLS."
            )
        if (config["smtp_server"] or "") in LOCAL_HOSTS:
            return "warning", self.env._(
                "Mail leaves through a relay on this machine, without TLS to "
                "it; whether the relay encrypts cannot be seen from here."
            )
        return "failing", self.env._(
            "Mail leaves through %(server)s without TLS.", server=config["smtp_server"]
        )

    def _gdpr_fix_mail_tls(self):
        return self._gdpr_list_action("base.action_ir_mail_server_list", [])

    def _gdpr_purposes_without_notice(self):
        Notice = self.env["gdpr.privacy.notice"].sudo()
        return (
            self.env["gdpr.purpose"]
            .sudo()
            .search([])
            .filtered(lambda purpose: not Notice._gdpr_current_for(purpose))
        )

    def _gdpr_check_purpose_notices(self):
        missing = self._gdpr_purposes_without_notice()
        if not missing:
            return "ok", self.env._("Every purpose has a privacy notice in force.")
        finding = self.env._(
            "Purposes without a privacy notice in force: %(purposes)s.",
            purposes=", ".join(missing.mapped("name")),
        )
        # without a notice, consent cannot even be recorded (Art. 7(1));
        # other bases still owe the information of Art. 13-14
        if missing.filtered("requires_consent"):
            return "failing", finding
        return "warning", finding

    def _gdpr_fix_purpose_notices(self):
        action = self._gdpr_list_action(
            "gdpr_compliance.gdpr_privacy_notice_action", []
        )
        action["context"] = {
            "default_purpose_ids": self._gdpr_purposes_without_notice().ids
        }
        return action

    def _gdpr_purposes_without_retention(self):
        return self.env["gdpr.purpose"].sudo().search([("retention_months", "=", 0)])

    def _gdpr_check_purpose_retention(self):
        unlimited = self._gdpr_purposes_without_retention()
        if not unlimited:
            return "ok", self.env._("Every purpose has a retention period.")
        finding = self.env._(
            "Purposes without a retention period: %(purposes)s.",
            purposes=", ".join(unlimited.mapped("name")),
        )
        # consent and legitimate interest have no outer limit but the
        # purpose itself (Art. 5(1)(e)); contracts and laws set their own,
        # which the register states "where possible" (Art. 30(1)(f))
        if unlimited.filtered(
            lambda purpose: purpose.legal_basis in ("consent", "legitimate_interest")
        ):
            return "failing", finding
        return "warning", finding

    def _gdpr_fix_purpose_retention(self):
        return self._gdpr_list_action(
            "gdpr_compliance.gdpr_purpose_action",
            [("id", "in", self._gdpr_purposes_without_retention().ids)],
        )

    def _gdpr_eea_countries(self):
        eu = self.env.ref("base.europe").sudo().country_ids
        return eu | self.env["res.country"].sudo().search(
            [("code", "in", EEA_NON_EU_CODES)]
        )

    def _gdpr_transfer_problems(self):
        """``(failing, warning)``: purposes whose processors send data out
        of the EEA undeclared (or a declared transfer without safeguard), and
        purposes whose transfers are vague (no country, a processor of
        unknown country, only a derogation of Art. 49)."""
        eea = self._gdpr_eea_countries()
        failing = warning = self.env["gdpr.purpose"].sudo()
        for purpose in self.env["gdpr.purpose"].sudo().search([]):
            declared = (
                purpose.transfer_country_ids
                if purpose.transfer_outside_eu
                else eea.browse()
            )
            processors = purpose.processor_ids.commercial_partner_id
            outside = processors.country_id - eea
            if (outside - declared) or (
                purpose.transfer_outside_eu and not purpose.transfer_safeguard
            ):
                failing |= purpose
            elif (
                processors.filtered(lambda partner: not partner.country_id)
                or (purpose.transfer_outside_eu and not purpose.transfer_country_ids)
                or purpose.transfer_safeguard == "derogation"
            ):
                warning |= purpose
        return failing, warning

    def _gdpr_check_transfers(self):
        failing, warning = self._gdpr_transfer_problems()
        if failing:
            return "failing", self.env._(
                "Processors outside the EEA without a declared transfer and "
                "safeguard: %(purposes)s.",
                purposes=", ".join(failing.mapped("name")),
            )
        if warning:
            return "warning", self.env._(
                "Transfers to check (processor without country, no destination, "
                "or only a derogation): %(purposes)s.",
                purposes=", ".join(warning.mapped("name")),
            )
        return "ok", self.env._(
            "Processors and transfers outside the EEA are declared with their "
            "safeguards."
        )

    def _gdpr_fix_transfers(self):
        failing, warning = self._gdpr_transfer_problems()
        return self._gdpr_list_action(
            "gdpr_compliance.gdpr_purpose_action",
            [("id", "in", (failing | warning).ids)],
        )

    def _gdpr_retention_cron(self):
        return self.env.ref(
            "gdpr_compliance.ir_cron_gdpr_retention", raise_if_not_found=False
        )

    def _gdpr_check_retention_cron(self):
        cron = self._gdpr_retention_cron()
        if not cron or not cron.sudo().active:
            return "failing", self.env._(
                "The scheduled action 'Privacy: apply retention' is off: nothing "
                "is deleted or anonymised when its period ends."
            )
        last_run = (
            self.env["gdpr.retention.run"]
            .sudo()
            .search(
                [("scheduled", "=", True)], order="date_start desc, id desc", limit=1
            )
        )
        if last_run.state == "failed":
            return "failing", self.env._(
                "The last scheduled retention run failed: %(error)s",
                error=last_run.error_message or "",
            )
        lastcall = cron.sudo().lastcall
        if not lastcall or lastcall < fields.Datetime.now() - timedelta(
            hours=RETENTION_CRON_HOURS
        ):
            return "warning", self.env._(
                "The retention scheduled action has not run in the last %(hours)s "
                "hours (last run: %(date)s).",
                hours=RETENTION_CRON_HOURS,
                date=format_datetime(self.env, lastcall)
                if lastcall
                else self.env._("never"),
            )
        return "ok", self.env._(
            "The retention scheduled action is on and ran on %(date)s.",
            date=format_datetime(self.env, lastcall),
        )

    def _gdpr_fix_retention_cron(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("base.ir_cron_act")
        action.update(
            res_id=self._gdpr_retention_cron().id,
            views=[(False, "form")],
            view_mode="form",
            context={},
        )
        return action

    def _gdpr_check_chain_verification(self):
        Verification = self.env["gdpr.chain.verification"]
        latest = Verification._gdpr_latest()
        labels = dict(Verification._selection_log_model())
        tampered = [labels[name] for name, found in latest.items() if not found.intact]
        if tampered:
            return "failing", self.env._(
                "The last verification found tampering: %(logs)s.",
                logs=", ".join(tampered),
            )
        limit = fields.Datetime.now() - timedelta(days=CHAIN_VERIFICATION_DAYS)
        stale = [
            label
            for name, label in labels.items()
            if name not in latest or latest[name].date < limit
        ]
        if stale:
            return "warning", self.env._(
                "Not verified in the last %(days)s days: %(logs)s.",
                days=CHAIN_VERIFICATION_DAYS,
                logs=", ".join(stale),
            )
        return "ok", self.env._(
            "The consent ledger and the audit log were verified intact in the "
            "last %(days)s days.",
            days=CHAIN_VERIFICATION_DAYS,
        )

    def _gdpr_fix_chain_verification(self):
        return self._gdpr_list_action(
            "gdpr_compliance.gdpr_chain_verification_action", []
        )
