# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests that need Odoo in a process of its own, on a database of their own:
a clone of the test template with the addons (and any other module) installed
by a real `odoo -i`, dropped afterwards."""

import os
import subprocess
import sys
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
