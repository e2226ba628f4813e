# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime


def post_init_hook(env):
    """Compute the last interaction of mailing contacts and partners from the
    mailing history already in the database."""
    env.flush_all()
    env.cr.execute(
        """
        UPDATE mailing_contact c
           SET gdpr_last_interaction = src.last_date
          FROM (SELECT t.res_id,
                       MAX(GREATEST(t.open_datetime, t.links_click_datetime,
                                    t.reply_datetime)) AS last_date
                  FROM mailing_trace t
                 WHERE t.model = 'mailing.contact'
              GROUP BY t.res_id) src
         WHERE c.id = src.res_id AND src.last_date IS NOT NULL
        """
    )
    env["res.partner"]._gdpr_catch_up_last_interaction(datetime.min)
    # subscriptions made before the addon were collected under the rules of
    # their time: they are not asked to confirm again
    env.cr.execute(
        "UPDATE mailing_subscription SET gdpr_confirmation_state = 'confirmed' "
        "WHERE gdpr_confirmation_state IS NULL"
    )
