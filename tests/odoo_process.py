# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests that need Odoo in a process of its own, on a database of their own:
a clone of the test template with the addons (and any other module) installed
by a real `odoo -i`, dropped afterwards."""

import os
import subprocess
import sys
import textwrap
import unittest
import uuid

import psycopg2

from odoo.tools import config


def connect(dbname):
    """A connection to ``dbname`` as the tests' Odoo configuration says."""
    return psycopg2.connect(
        dbname=dbname,
        host=config["db_host"] or None,
        port=config["db_port"] or None,
        user=config["db_user"] or None,
    )


def drop_database(name):
    conn = connect("postgres")
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# An `odoo shell` script: %(people)d contacts named "%(prefix)s NN", last
# seen 40 months ago (due for retention), and retention batches of
# %(batch)d; the caller appends its own lines, then commits.
DUE_PEOPLE = textwrap.dedent(
    """
    from dateutil.relativedelta import relativedelta
    from odoo import fields
    old = fields.Datetime.now() - relativedelta(months=40)
    source = env.ref("gdpr_compliance.gdpr_source_trade_fair")
    people = env["res.partner"].create([
        {"name": f"%(prefix)s {i:02d}",
         "email": f"%(mailbox)s{i:02d}@example.com",
         "phone": f"%(phone)s {i:04d}", "gdpr_legal_basis": "legitimate_interest",
         "gdpr_source_id": source.id}
        for i in range(%(people)d)
    ])
    env.flush_all()
    env.cr.execute(
        "UPDATE res_partner SET gdpr_last_interaction = %%s, create_date = %%s "
        "WHERE id = ANY(%%s)", (old, old, people.ids))
    icp = env["ir.config_parameter"].sudo()
    icp.set_param("gdpr_compliance.retention_batch_size", "%(batch)d")
    icp.set_param("gdpr_compliance.retention_batches_per_call", "1000")
    """
)


def due_people_script(prefix, mailbox, phone, people, batch, then=""):
    """The DUE_PEOPLE script, followed by ``then`` and a commit."""
    values = {
        "prefix": prefix,
        "mailbox": mailbox,
        "phone": phone,
        "people": people,
        "batch": batch,
    }
    return DUE_PEOPLE % values + then + "env.cr.commit()\n"


class IsolatedDatabaseCase(unittest.TestCase):
    modules = "gdpr_compliance,gdpr_compliance_marketing"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = os.environ.get("GDPR_TEST_TEMPLATE", "gdpr_test_tmpl")
        cls.db = f"gdpr_iso_{uuid.uuid4().hex[:8]}"
        conn = cls._connect("postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cr:
                cr.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [cls.template]
                )
                if not cr.fetchone():
                    raise AssertionError(
                        f"template database {cls.template} is missing: run setup/test"
                    )
                cr.execute(f'CREATE DATABASE "{cls.db}" TEMPLATE "{cls.template}"')
        finally:
            conn.close()
        cls.addClassCleanup(cls._drop)
        cls._odoo("-i", cls.modules, "--stop-after-init")

    @classmethod
    def _connect(cls, dbname):
        return connect(dbname)

    def _rows(self, query, params=None):
        """Rows of ``query`` on the test's database, as Odoo left it."""
        conn = self._connect(self.db)
        with conn, conn.cursor() as cr:
            cr.execute(query, params)
            rows = cr.fetchall()
        conn.close()
        return rows

    @classmethod
    def _drop(cls):
        drop_database(cls.db)

    @classmethod
    def _odoo(cls, *args, stdin=None, check=True):
        """Run Odoo (``odoo shell`` when ``stdin`` is given) on the database."""
        command = [
            sys.executable,
            "-m",
            "odoo",
            *(["shell"] if stdin is not None else []),
            "-c",
            config.rcfile,
            "-d",
            cls.db,
            "--log-level=warn",
            "--no-http",
            *args,
        ]
        result = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if check and result.returncode:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}:\n"
                f"{result.stderr[-3000:]}"
            )
        return result
