# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    # Counted on demand: at 100,000 recipients the count takes most of a
    # second, which the marketer would wait for at every opening of the form.
    # A change of the recipients clears it.
    gdpr_exclusions_counted = fields.Boolean(
        string="Exclusions Counted",
        compute="_compute_gdpr_exclusions",
        store=True,
        copy=False,
    )
    gdpr_excluded_count = fields.Integer(
        string="Excluded (GDPR)",
        compute="_compute_gdpr_exclusions",
        store=True,
        copy=False,
        help="Recipients of the mailing's domain that will not be mailed "
        "because they may not receive direct marketing, when last counted.",
    )
    gdpr_exclusion_summary = fields.Text(
        string="Exclusions",
        compute="_compute_gdpr_exclusions",
        store=True,
        copy=False,
    )

    @api.depends("mailing_model_id", "mailing_domain", "contact_list_ids")
    def _compute_gdpr_exclusions(self):
        self.gdpr_exclusions_counted = False
        self.gdpr_excluded_count = 0
        self.gdpr_exclusion_summary = False

    def action_gdpr_count_exclusions(self):
        """Count who the mailing will skip and why, now."""
        for mailing in self:
            if mailing.state == "done" or not mailing.mailing_model_real:
                continue
            excluded = mailing._gdpr_excluded_recipients(
                mailing._gdpr_domain_recipients(),
                targets=mailing._gdpr_domain_targets(),
            )
            mailing.write(
                {
                    "gdpr_exclusions_counted": True,
                    "gdpr_excluded_count": len(excluded),
                    "gdpr_exclusion_summary": "\n".join(
                        mailing._gdpr_exclusion_counts(excluded)
                    )
                    or False,
                }
            )
        return True

    @api.model
    def _gdpr_exclusion_counts(self, excluded):
        """``["<reason>: <count>", ...]`` for ``{res_id: reason_key}``."""
        return self.env["gdpr.processing.rule"]._gdpr_refusal_counts(excluded)

    # ------------------------------------------------------------------
    # Recipients
    # ------------------------------------------------------------------

    def _gdpr_domain_recipients(self):
        """The recipients as mass_mailing computes them, before our rules."""
        return super()._get_recipients()

    def _get_recipients(self):
        if self._gdpr_rules_in_search():
            # the rules are part of mass_mailing's own search: one query, and
            # only the recipients who may be mailed come back. The persons'
            # stored decisions are made current first.
            self.env["gdpr.marketing.decision"]._gdpr_refresh()
            res_ids = super(
                MailingMailing, self.with_context(gdpr_recipient_rules=self.id)
            )._get_recipients()
            if not self._gdpr_has_erased_suppression():
                return res_ids
            erased = self._gdpr_suppressed_recipients(
                SQL("(SELECT unnest(%s::int[]) AS id)", list(res_ids))
            )
            return [res_id for res_id in res_ids if res_id not in erased]
        res_ids = super()._get_recipients()
        excluded = self._gdpr_excluded_recipients(
            res_ids, targets=self._gdpr_domain_targets()
        )
        return [res_id for res_id in res_ids if res_id not in excluded]

    def _gdpr_domain_targets(self):
        """The recipients' own query as an SQL sub-query, whose size the
        planner knows, which it cannot guess for a list of ids; None under A/B
        testing, whose recipients are a random sample."""
        if self.ab_testing_enabled:
            return None
        return (
            self.env[self.mailing_model_real]
            ._search(self._get_recipients_domain())
            .subselect()
        )

    def _get_recipients_domain(self):
        domain = super()._get_recipients_domain()
        if self.env.context.get("gdpr_recipient_rules") == self.id:
            domain = self._gdpr_with_list_rules(domain)
        return domain

    def _gdpr_with_list_rules(self, domain):
        """``domain`` and the list rules. When the domain is a plain
        conjunction holding mass_mailing's "on the lists" leaf, the
        confirmed-subscription leaf, which implies it, takes its place: one
        look at the subscriptions instead of two."""
        rules = self._gdpr_list_rules_domain()
        on_lists = ("list_ids", "in", self.contact_list_ids.ids)
        if all(isinstance(term, (list, tuple)) for term in domain) and any(
            tuple(term) == on_lists for term in domain
        ):
            domain = [term for term in domain if tuple(term) != on_lists]
        return expression.AND([domain, rules])

    def _gdpr_rules_in_search(self):
        """List mailings (the usual case) apply the rules inside the recipient
        search; other target models filter what the search returned."""
        return (
            self.mailing_model_real == "mailing.contact"
            and bool(self.contact_list_ids)
            and not self.ab_testing_enabled
        )

    def _gdpr_has_erased_suppression(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT 1 FROM gdpr_suppression WHERE email_normalized IS NULL LIMIT 1"
        )
        return bool(self.env.cr.fetchone())

    def _gdpr_list_rules_domain(self):
        """The recipient rules for the contacts of the mailing's lists, on
        columns of the contacts themselves (their person and own consent are
        kept by the database): a confirmed subscription to one of the lists,
        an address not suppressed, and a marketing basis, that of the person
        (the newest contact with the address) or else the contact's own
        consent. The person's answer is the processing rule's, stored on the
        contact and brought up to date just before the search (see
        gdpr.marketing.decision). Erased addresses, kept as keyed hashes
        only, are checked on what this lets through."""
        return [
            (
                "subscription_ids",
                "any",
                [
                    ("list_id", "in", self.contact_list_ids.ids),
                    ("opt_out", "=", False),
                    ("gdpr_confirmation_state", "=", "confirmed"),
                ],
            ),
            (
                "email_normalized",
                "not in",
                SQL(
                    "(SELECT su.email_normalized FROM gdpr_suppression su "
                    "WHERE su.email_normalized IS NOT NULL)"
                ),
            ),
            "|",
            "&",
            ("gdpr_partner_id", "=", False),
            ("gdpr_own_consent", "=", "given"),
            "&",
            ("gdpr_partner_id", "!=", False),
            ("gdpr_marketing_refusal", "=", False),
        ]

    def _action_send_mail(self, res_ids=None):
        if res_ids:
            # explicit recipients (e.g. a resend) obey the same rules
            for mailing in self:
                excluded = mailing._gdpr_excluded_recipients(res_ids)
                self.env["gdpr.mailing.exclusion"]._gdpr_record(mailing, excluded)
                allowed = [res_id for res_id in res_ids if res_id not in excluded]
                if not allowed:
                    raise mailing._gdpr_all_excluded_error(len(res_ids), excluded)
                super(MailingMailing, mailing)._action_send_mail(allowed)
            return True
        for mailing in self:
            # who the rules leave out is counted now: they get no trace
            self.env["gdpr.mailing.exclusion"]._gdpr_record(
                mailing,
                mailing._gdpr_excluded_recipients(
                    mailing._gdpr_domain_recipients(),
                    targets=mailing._gdpr_domain_targets(),
                ),
            )
            remaining = mailing._get_remaining_recipients()
            if not remaining:
                mailing._gdpr_check_not_all_excluded()
            # None: nobody left for another reason, Odoo says so
            super(MailingMailing, mailing)._action_send_mail(remaining or None)
        return True

    def _gdpr_check_not_all_excluded(self):
        """When nobody is left to mail and the privacy rules excluded some of
        the recipients, say how many and why rather than Odoo's "There are no
        recipients selected": the marketer learns that the law, not a wrong
        filter, stopped the mailing."""
        self.ensure_one()
        res_ids = (
            self.env[self.mailing_model_real].search(self._get_recipients_domain()).ids
        )
        excluded = self._gdpr_excluded_recipients(res_ids)
        if excluded:
            raise self._gdpr_all_excluded_error(len(res_ids), excluded)

    def _gdpr_all_excluded_error(self, total, excluded):
        """The error of a mailing none of whose ``total`` recipients may be
        mailed, ``excluded`` (``{res_id: reason_key}``) by the privacy rules
        and the others already mailed."""
        self.ensure_one()
        values = {
            "mailing": self.subject or self.name,
            "excluded": len(excluded),
            "total": total,
            "others": total - len(excluded),
            "reasons": "\n".join(self._gdpr_exclusion_counts(excluded)),
        }
        if values["others"]:
            reason = self.env._(
                'Nobody may receive "%(mailing)s": the privacy rules exclude '
                "%(excluded)s of its %(total)s recipients, the other %(others)s "
                "already received it.\n%(reasons)s",
                **values,
            )
        else:
            reason = self.env._(
                'Nobody may receive "%(mailing)s": the privacy rules exclude '
                "all its %(total)s recipients.\n%(reasons)s",
                **values,
            )
        return UserError(
            reason
            + "\n\n"
            + self.env._(
                "Direct marketing needs, for each person, a consent (or, for a "
                "customer, no objection) and no restriction or suppression "
                "(GDPR Art. 6, 7 and 21; Italian Privacy Code art. 130)."
            )
        )

    def _gdpr_excluded_recipients(self, res_ids, targets=None):
        """``{res_id: reason_key}`` for the records of the mailing's target
        model that may not receive direct marketing. Set-based: one query per
        kind of recipient, whatever the size of the mailing. ``targets`` is an
        optional SQL sub-query returning the same ids."""
        self.ensure_one()
        if not res_ids:
            return {}
        if targets is None:
            targets = SQL("(SELECT unnest(%s::int[]) AS id)", list(res_ids))
        self.env.flush_all()
        excluded = self._gdpr_excluded_by_consent(res_ids, targets)
        for res_id in self._gdpr_suppressed_recipients(targets):
            excluded.setdefault(res_id, "suppressed")
        for res_id in self._gdpr_unconfirmed_recipients(targets):
            excluded.setdefault(res_id, "unconfirmed")
        return excluded

    def _gdpr_unconfirmed_recipients(self, targets):
        """Mailing contacts of the mailing's lists whose subscription to those
        lists is not confirmed (double opt-in)."""
        if self.mailing_model_real != "mailing.contact" or not self.contact_list_ids:
            return set()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT t.id FROM %s AS t
                 WHERE NOT EXISTS (
                       SELECT 1 FROM mailing_subscription s
                        WHERE s.contact_id = t.id AND s.list_id = ANY(%s)
                          AND s.opt_out IS NOT TRUE
                          AND s.gdpr_confirmation_state = 'confirmed')
                """,
                targets,
                self.contact_list_ids.ids,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _gdpr_suppressed_recipients(self, targets):
        """Records of the mailing's target model whose address is on the
        suppression list."""
        return self.env["gdpr.suppression"]._gdpr_suppressed_records(
            self.mailing_model_real, targets
        )

    def _gdpr_excluded_by_consent(self, res_ids, targets):
        """The processing rule's refusals for direct marketing, of whatever
        stands for a person in the mailing's target model."""
        return self.env["gdpr.processing.rule"]._gdpr_record_refusals(
            self.mailing_model_real, res_ids, "marketing", targets=targets
        )

    def action_view_gdpr_excluded(self):
        self.ensure_one()
        excluded = self._gdpr_excluded_recipients(
            self._gdpr_domain_recipients(), targets=self._gdpr_domain_targets()
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Excluded recipients"),
            "res_model": self.mailing_model_real,
            "view_mode": "list,form",
            "domain": [("id", "in", list(excluded))],
        }
