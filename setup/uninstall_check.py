# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run by setup/test inside `odoo shell`: uninstall both addons and check that
nothing of them is left in the database."""

# `env` is provided by `odoo shell`
modules = env["ir.module.module"].search(  # noqa: F821
    [("name", "in", ["gdpr_compliance_marketing", "gdpr_compliance"])]
)
modules.button_immediate_uninstall()
env.cr.commit()  # noqa: F821  # pylint: disable=invalid-commit
states = set(modules.mapped("state"))
env.cr.execute(  # noqa: F821
    "SELECT count(*) FROM information_schema.columns WHERE column_name LIKE 'gdpr%%'"
)
columns = env.cr.fetchone()[0]  # noqa: F821
env.cr.execute(  # noqa: F821
    "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'gdpr%%'"
)
tables = env.cr.fetchone()[0]  # noqa: F821
# triggers and functions the ORM does not know about: left behind, they would
# break writes on tables that stay (partners, mailing contacts)
env.cr.execute(  # noqa: F821
    "SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'gdpr%%') "
    "+ (SELECT count(*) FROM pg_proc WHERE proname LIKE 'gdpr%%') "
    "+ (SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%%gdpr%%')"
)
leftovers = env.cr.fetchone()[0]  # noqa: F821
# a partner can still be written
partner = env["res.partner"].create({"name": "After", "email": "a@example.org"})  # noqa: F821
partner.write({"email": "b@example.org", "active": False})
env.flush_all()  # noqa: F821
env.cr.rollback()  # noqa: F821
print(
    f"UNINSTALL states={sorted(states)} columns={columns} tables={tables} "
    f"leftovers={leftovers}"
)
