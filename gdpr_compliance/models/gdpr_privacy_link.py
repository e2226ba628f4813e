# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import email_normalize

EMAIL_KEY_SCOPE = "gdpr-privacy-centre.email"


class GdprPrivacyLink(models.Model):
    """A link to the privacy centre asked from the public page: what the
    rate limits count. The address itself is not kept, only its keyed hash;
    kept a week, then purged."""

    _name = "gdpr.privacy.link"
    _description = "Privacy Centre Link Asked"
    _order = "id desc"

    email_key = fields.Char(readonly=True, index=True)
    ip_address = fields.Char(string="IP Address", readonly=True, index=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        readonly=True,
        ondelete="cascade",
        help="The contact the link was mailed to; empty when nobody has the "
        "address (then nothing was sent).",
    )

    @api.model
    def _gdpr_email_key(self, email):
        return self.env["gdpr.public.input"]._gdpr_sign(
            EMAIL_KEY_SCOPE, email_normalize(email)
        )

    @api.model
    def _gdpr_check_rate(self, email_key, ip_address):
        """At most N links per address a day and M per IP address an hour:
        the page cannot be used to flood someone's mailbox."""
        Centre = self.env["gdpr.privacy.centre"]
        self.env["gdpr.public.input"]._gdpr_check_rate(
            self,
            email_key,
            ip_address,
            Centre._gdpr_param("links_per_email", 3),
            Centre._gdpr_param("links_per_ip", 10),
        )

    @api.model
    def _gdpr_purge(self):
        self.sudo().search(
            [("create_date", "<", fields.Datetime.now() - timedelta(days=7))]
        ).unlink()
