# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.tools import SQL

from .models.mailing_contact import PERSON_FUNCTIONS, PERSON_INDEXES, PERSON_TRIGGERS


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


def uninstall_hook(env):
    """Drop what the ORM does not know about: the triggers keeping mailing
    contacts' person, own consent and stored marketing decision, on tables
    that stay, would break every write of a partner once the columns are
    gone."""
    for trigger, table in PERSON_TRIGGERS.items():
        env.cr.execute(
            SQL(
                "DROP TRIGGER IF EXISTS %s ON %s",
                SQL.identifier(trigger),
                SQL.identifier(table),
            )
        )
    for function in PERSON_FUNCTIONS:
        env.cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(function)))
    for index in PERSON_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
    env["gdpr.marketing.decision"]._gdpr_uninstall()
