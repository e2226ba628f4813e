# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup, escape

from odoo import models, tools


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _prepare_outgoing_list(
        self, mail_server=False, recipients_follower_status=None
    ):
        """Every mailing carries, next to Email Marketing's unsubscribe link,
        a link to the recipient's privacy centre (Art. 7(3): withdrawing is
        as easy as giving; Art. 21(4): the right to object is brought to the
        person's attention), in the recipient's language."""
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server,
            recipients_follower_status=recipients_follower_status,
        )
        if not self.mailing_id or self.env.context.get("mailing_test_mail"):
            return email_list
        for email_values in email_list:
            if not email_values.get("email_to") or tools.is_html_empty(
                email_values.get("body")
            ):
                continue
            footer = self._gdpr_privacy_centre_footer(email_values["email_to"][0])
            if footer:
                email_values["body"] = tools.mail.append_content_to_html(
                    email_values["body"], footer, plaintext=False
                )
        return email_list

    def _gdpr_privacy_centre_footer(self, email_to):
        normalized = tools.email_normalize(email_to)
        if not normalized:
            return False
        partner = (
            self.env["res.partner"]
            .sudo()
            .search(
                [("email_normalized", "=", normalized), ("is_company", "=", False)],
                order="id desc",
                limit=1,
            )
        )
        base_url = self.mailing_id.get_base_url()
        if partner:
            url = self.env["gdpr.privacy.centre"]._gdpr_url(partner)
            lang = partner.lang
        else:
            # a mailing contact with no contact behind it: the public page,
            # where the address asks for its own link
            url = f"{base_url}/privacy/request"
            lang = self.env.lang
        label = self.with_context(lang=lang).env._("Manage your consents and your data")
        return Markup(
            '<p class="o_gdpr_privacy_centre_footer" '
            'style="font-size: 12px; text-align: center;">'
            '<a href="%s">%s</a></p>'
        ) % (url, escape(label))
