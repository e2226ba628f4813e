# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo when it is missing: setup/venv, which setup/run --odoo PATH (or
ODOO_SRC) calls, builds .local/venv from an Odoo source folder, and the
scripts use it from then on.

The source folder here is a small one shaped like Odoo's (odoo/release.py,
requirements.txt with the lines that break a plain pip install) and pip gets
its packages from a local folder that holds only what the adapted
requirements ask for: psycopg2 or python-ldap left as they are would not be
found. One more test builds the real environment (from the package index,
minutes) and the demo database with it, on a python3 that does not import
Odoo, from the Odoo 18.0 source folder GDPR_TEST_ODOO_SRC names, by default
the one the machine's own Odoo is imported from."""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
import uuid
import zipfile

from odoo_process import drop_database

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def real_odoo_source():
    """GDPR_TEST_ODOO_SRC, else the source folder (setup.py, requirements.txt)
    the machine's Odoo is imported from, if it is one."""
    if os.environ.get("GDPR_TEST_ODOO_SRC"):
        return os.environ["GDPR_TEST_ODOO_SRC"]
    import odoo

    folder = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
    if all(
        os.path.isfile(os.path.join(folder, name))
        for name in ("setup.py", "requirements.txt")
    ):
        return folder
    return None


REAL_ODOO_SOURCE = real_odoo_source()
ODOO_REQUIREMENTS = """\
# the lines of Odoo's own file that need care, and one plain package
cbor2==5.6.2 ; python_version >= '3.10'
psycopg2==2.9.9 ; sys_platform != 'win32'  # built from source by pip
python-ldap==3.4.4 ; sys_platform != 'win32'  # needs the LDAP headers
gdpr-fake-dep==1.0
"""


def write_wheel(folder, name, version, module):
    """A pure-Python wheel holding one module that says which package it
    came from."""
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        f"{module}/__init__.py": f"FROM = {name!r}\n",
        f"{dist}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        ),
        f"{dist}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }
    files[f"{dist}.dist-info/RECORD"] = "".join(f"{path},,\n" for path in files) + (
        f"{dist}.dist-info/RECORD,,\n"
    )
    with zipfile.ZipFile(os.path.join(folder, f"{dist}-py3-none-any.whl"), "w") as whl:
        for path, content in files.items():
            whl.writestr(path, content)


def write_odoo_source(folder, major=18):
    os.makedirs(os.path.join(folder, "odoo", "addons"))
    for path, content in {
        "odoo/__init__.py": "",
        "odoo/addons/__init__.py": "",
        "odoo/release.py": textwrap.dedent(
            f"""\
            version_info = ({major}, 0, 0, 'final', 0, '')
            version = '{major}.0'
            serie = '{major}.0'
            """
        ),
        "setup.py": "raise SystemExit('Odoo is used from its folder, not installed')\n",
        "requirements.txt": ODOO_REQUIREMENTS,
    }.items():
        with open(os.path.join(folder, path), "w", encoding="utf-8") as file:
            file.write(content)


class TestSetupVenv(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="gdpr_venv_")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.local = os.path.join(self.tmp, "local")
        self.src = os.path.join(self.tmp, "odoo-18.0")
        write_odoo_source(self.src)
        wheels = os.path.join(self.tmp, "wheels")
        os.mkdir(wheels)
        write_wheel(wheels, "psycopg2-binary", "2.9.9", "psycopg2")
        write_wheel(wheels, "cbor2", "5.6.2", "cbor2")
        write_wheel(wheels, "gdpr-fake-dep", "1.0", "gdpr_fake_dep")
        # a python3 that imports no Odoo comes first on the PATH
        bare = os.path.join(self.tmp, "bare")
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", bare], check=True
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("ODOO_SRC", "VIRTUAL_ENV", "PIP_FIND_LINKS")
        }
        self.env.update(
            GDPR_LOCAL_DIR=self.local,
            PATH=os.path.join(bare, "bin") + os.pathsep + os.environ["PATH"],
        )
        # pip finds nothing but the local folder
        self.offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": wheels}
        self.venv_python = os.path.join(self.local, "venv", "bin", "python3")

    def _run(self, *command, **env):
        return subprocess.run(
            command,
            env=dict(self.env, **env),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def _in_common(self, script, **env):
        """Run a bash snippet with setup/common.sh sourced."""
        return self._run(
            "bash", "-c", f'source "{REPO}/setup/common.sh"; {script}', **env
        )

    def test_without_odoo_the_error_names_both_ways(self):
        self.assertNotEqual(
            self._run("python3", "-c", "import odoo").returncode, 0, "setup"
        )
        result = self._run(os.path.join(REPO, "setup", "run"), "--no-start")
        self.assertEqual(result.returncode, 1)
        errors = result.stderr.strip().splitlines()
        self.assertEqual(len(errors), 1, result.stderr)
        self.assertIn("--odoo PATH", errors[0])
        self.assertIn("ODOO_SRC", errors[0])
        self.assertFalse(os.path.exists(os.path.join(self.local, "venv")))

    def test_venv_from_an_odoo_source_folder(self):
        result = self._run(
            os.path.join(REPO, "setup", "venv"), self.src, **self.offline
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("python-ldap left out", result.stdout)
        probe = self._run(
            self.venv_python,
            "-c",
            "import odoo, psycopg2, cbor2, gdpr_fake_dep; "
            "print(odoo.__file__); print(psycopg2.FROM)",
        )
        self.assertEqual(probe.returncode, 0, probe.stderr)
        odoo_file, psycopg2_from = probe.stdout.split()
        self.assertEqual(odoo_file, os.path.join(self.src, "odoo", "__init__.py"))
        self.assertEqual(psycopg2_from, "psycopg2-binary")
        self.assertNotEqual(
            self._run(self.venv_python, "-c", "import ldap").returncode, 0
        )
        with open(os.path.join(self.local, "venv", "build-constraints.txt")) as file:
            self.assertEqual(file.read().split(), ["setuptools<70"])
        # built once: a second call finds it up to date
        again = self._run(os.path.join(REPO, "setup", "venv"), self.src, **self.offline)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertNotIn("Building", again.stdout)
        # from then on the scripts' python3 is the environment's, whose Odoo
        # comes from the folder, addons included
        used = self._in_common(
            'require_odoo18; command -v python3; echo "$ODOO_ADDONS"',
        )
        self.assertEqual(used.returncode, 0, used.stderr)
        python, addons = used.stdout.split()
        self.assertEqual(python, self.venv_python)
        self.assertEqual(addons, os.path.join(self.src, "odoo", "addons"))
        # ODOO_SRC does the same as --odoo
        via_env = self._in_common("require_odoo18", ODOO_SRC=self.src, **self.offline)
        self.assertEqual(via_env.returncode, 0, via_env.stderr)

    def test_a_folder_that_is_not_odoo_18_is_refused(self):
        old = os.path.join(self.tmp, "odoo-17.0")
        write_odoo_source(old, major=17)
        for folder, message in (
            (old, "need Odoo 18.0"),
            (self.tmp, "is not an Odoo source folder"),
            (os.path.join(self.tmp, "missing"), "no such folder"),
        ):
            result = self._run(
                os.path.join(REPO, "setup", "run"), "--odoo", folder, **self.offline
            )
            self.assertEqual(result.returncode, 1, folder)
            self.assertIn(message, result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.local, "venv")))

    @unittest.skipUnless(
        REAL_ODOO_SOURCE,
        "no Odoo 18.0 source folder: the machine's Odoo is not imported from "
        "one and GDPR_TEST_ODOO_SRC names none",
    )
    def test_run_with_a_real_odoo_source_folder(self):
        db = f"gdpr_venv_{uuid.uuid4().hex[:8]}"
        self.addCleanup(drop_database, db)
        # the real requirements come from the package index
        result = self._run(
            os.path.join(REPO, "setup", "run"),
            "--odoo",
            REAL_ODOO_SOURCE,
            "--no-start",
            GDPR_DB=db,
        )
        self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr)
        self.assertIn("gdpr_dpo / gdpr_dpo", result.stdout)
