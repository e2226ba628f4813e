# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""setup/run as a newcomer runs it: a demo database of its own, built and
served by the script itself (in a temporary .local), looked at from the
outside. The server must refuse the database manager, backups and sign-up,
listen on localhost only, say Ready only once it answers, start without an
error in its log, and show the demo in Italian with something in every
screen."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

import psutil
import requests
from odoo_process import connect, drop_database

from odoo.tools.config import crypt_context

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# setup/run serves at --log-level=warn: a clean start logs none of these
PROBLEMS = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestSetupRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.local = tempfile.mkdtemp(prefix="gdpr_run_")
        cls.addClassCleanup(shutil.rmtree, cls.local, True)
        cls.db = f"gdpr_run_{uuid.uuid4().hex[:8]}"
        cls.addClassCleanup(drop_database, cls.db)
        cls.port = free_port()
        cls.url = f"http://127.0.0.1:{cls.port}"
        cls.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("GDPR_HTTP_INTERFACE", "ODOO_SRC")
        }
        cls.env.update(
            GDPR_LOCAL_DIR=cls.local, GDPR_DB=cls.db, GDPR_HTTP_PORT=str(cls.port)
        )
        cls.output = []
        cls.ready = threading.Event()
        cls.login_status_at_ready = None
        cls.server = subprocess.Popen(
            [os.path.join(REPO, "setup", "run")],
            env=cls.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        cls.addClassCleanup(cls._stop)
        threading.Thread(target=cls._read_output, daemon=True).start()
        if not cls.ready.wait(1200):
            raise AssertionError("setup/run never said Ready:\n" + cls._log()[-5000:])
        cls.first_start_log = cls._after_first_crons()

    @classmethod
    def _read_output(cls):
        for line in cls.server.stdout:
            cls.output.append(line)
            if line.startswith("==> Ready") and not cls.ready.is_set():
                # the very moment the script says it: the page must answer
                try:
                    response = requests.get(f"{cls.url}/web/login", timeout=30)
                    cls.login_status_at_ready = response.status_code
                except requests.RequestException as error:
                    cls.login_status_at_ready = repr(error)
                cls.ready.set()

    @classmethod
    def _log(cls):
        return "".join(cls.output)

    @classmethod
    def _stop(cls):
        if cls.server.poll() is None:
            os.killpg(cls.server.pid, signal.SIGTERM)
            try:
                cls.server.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(cls.server.pid, signal.SIGKILL)
                cls.server.wait(10)

    @classmethod
    def _after_first_crons(cls):
        """Wake the server's cron workers (as Odoo does when a job is
        triggered) and wait until every scheduled action due at the first
        start has run; return the log of the first start."""
        conn = connect(cls.db)
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("SELECT now() AT TIME ZONE 'UTC'")
            started = cr.fetchone()[0]
        notify = connect("postgres")
        notify.autocommit = True
        deadline = time.monotonic() + 300
        try:
            while time.monotonic() < deadline:
                with notify.cursor() as cr:
                    cr.execute("NOTIFY cron_trigger, %s", [cls.db])
                with conn.cursor() as cr:
                    cr.execute(
                        "SELECT count(*) FROM ir_cron WHERE active AND nextcall <= %s",
                        [started],
                    )
                    if not cr.fetchone()[0]:
                        break
                time.sleep(2)
            else:
                raise AssertionError("scheduled actions still due:\n" + cls._log())
        finally:
            conn.close()
            notify.close()
        # a moment for what the last job logs
        time.sleep(2)
        return cls._log()

    # ------------------------------------------------------------------

    def _session(self, login):
        session = requests.Session()
        answer = session.post(
            f"{self.url}/web/session/authenticate",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"db": self.db, "login": login, "password": login},
            },
            timeout=60,
        ).json()
        self.assertIn("result", answer, answer)
        return session, answer["result"]

    def _call(self, session, model, method, *args, **kwargs):
        answer = session.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                },
            },
            timeout=120,
        ).json()
        self.assertIn("result", answer, json.dumps(answer)[:2000])
        return answer["result"]

    def _conf(self):
        with open(os.path.join(self.local, "odoo.conf"), encoding="utf-8") as file:
            return dict(
                line.split(" = ", 1)
                for line in file.read().splitlines()
                if " = " in line
            )

    # ------------------------------------------------------------------

    def test_ready_is_said_once_the_login_page_answers(self):
        self.assertEqual(self.login_status_at_ready, 200, self._log())

    def test_first_start_log_is_clean(self):
        problems = [
            line
            for line in self.first_start_log.splitlines()
            if any(marker in line for marker in PROBLEMS)
        ]
        self.assertEqual(problems, [])

    def test_master_password_is_random_hashed_and_shown_once(self):
        conf = self._conf()
        self.assertEqual(conf["list_db"], "False")
        self.assertEqual(conf["http_interface"], "127.0.0.1")
        stored = conf["admin_passwd"]
        self.assertTrue(stored.startswith("$pbkdf2-sha512$"), stored)
        shown = [
            line.split(":", 1)[1].strip()
            for line in self.output
            if line.strip().startswith("master password:")
        ]
        self.assertEqual(len(shown), 1)
        self.assertTrue(crypt_context.verify(shown[0], stored))
        self.assertFalse(crypt_context.verify("admin", stored))
        self.assertEqual(
            os.stat(os.path.join(self.local, "odoo.conf")).st_mode & 0o777, 0o600
        )
        # a second run keeps it and does not show it again
        again = subprocess.run(
            [os.path.join(REPO, "setup", "run"), "--no-start"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        self.assertNotIn(shown[0], again.stdout)
        self.assertNotIn("master password:", again.stdout)
        self.assertEqual(self._conf()["admin_passwd"], stored)

    def test_database_manager_and_backup_refuse(self):
        stored = self._conf()["admin_passwd"]
        for password in ("admin", "anything"):
            response = requests.post(
                f"{self.url}/web/database/backup",
                data={"master_pwd": password, "name": self.db, "backup_format": "zip"},
                timeout=120,
            )
            self.assertNotIn("Content-Disposition", response.headers)
            self.assertTrue(response.headers["Content-Type"].startswith("text/html"))
            self.assertIn("Access Denied", response.text)
            self.assertFalse(response.content.startswith(b"PK"))
        drop = requests.post(
            f"{self.url}/web/database/drop",
            data={"master_pwd": "admin", "name": self.db},
            timeout=120,
        )
        self.assertIn("Access Denied", drop.text)
        conn = connect("postgres")
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.db])
            self.assertTrue(cr.fetchone())
        conn.close()
        # the default password would have been replaced by the one posted
        self.assertEqual(self._conf()["admin_passwd"], stored)
        manager = requests.get(f"{self.url}/web/database/manager", timeout=60)
        self.assertIn("disabled by the administrator", manager.text)
        self.assertNotIn(f"/odoo?db={self.db}", manager.text)
        listing = requests.post(
            f"{self.url}/web/database/list",
            json={"jsonrpc": "2.0", "method": "call", "params": {}},
            timeout=60,
        ).json()
        self.assertEqual(
            listing["error"]["data"]["name"], "odoo.exceptions.AccessDenied"
        )
        login = requests.get(f"{self.url}/web/login", timeout=60)
        self.assertNotIn("/web/database/manager", login.text)

    def test_sign_up_refuses(self):
        self.assertEqual(
            requests.get(f"{self.url}/web/signup", timeout=60).status_code, 404
        )

    def test_served_on_localhost_only(self):
        listening = {
            conn.laddr.ip
            for conn in psutil.net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == self.port
        }
        self.assertEqual(listening, {"127.0.0.1"})

    def test_first_login_is_in_italian_with_something_in_every_screen(self):
        for login, lang in (("gdpr_sales", "it_IT"), ("gdpr_agent", "en_US")):
            session, info = self._session(login)
            self.assertEqual(info["user_context"]["lang"], lang)
            # the web client sends the user's context with every call
            new_stage = self._call(
                session,
                "crm.stage",
                "search_read",
                [("sequence", "=", 1)],
                ["name"],
                context=info["user_context"],
            )
            self.assertEqual(
                new_stage[0]["name"], "Nuova" if lang == "it_IT" else "New", login
            )
        for login in ("gdpr_sales", "gdpr_manager", "gdpr_agent"):
            session, info = self._session(login)
            pipeline = self._call(
                session,
                "crm.lead",
                "read_group",
                [("user_id", "=", info["uid"]), ("type", "=", "opportunity")],
                ["stage_id"],
                ["stage_id"],
            )
            self.assertGreaterEqual(len(pipeline), 2, login)
        session, _info = self._session("gdpr_dpo")
        states = self._call(
            session, "gdpr.request", "read_group", [], ["state"], ["state"]
        )
        self.assertEqual(len(states), 5)
        page = requests.get(
            f"{self.url}/privacy/request",
            headers={"Accept-Language": "it-IT,it;q=0.9"},
            timeout=60,
        )
        self.assertIn("I tuoi dati personali", page.text)

    def test_retention_preview_lists_the_due_contacts_after_the_first_start(self):
        session, _info = self._session("gdpr_dpo")
        wizard = self._call(session, "gdpr.retention.preview.wizard", "create", {})
        action = self._call(
            session, "gdpr.retention.preview.wizard", "action_preview", [wizard]
        )
        lines = self._call(
            session,
            "gdpr.retention.run.line",
            "search_read",
            [("run_id", "=", action["res_id"])],
            ["partner_id"],
        )
        self.assertEqual(
            {line["partner_id"][1] for line in lines},
            {"Silvia Conti", "Davide Marino"},
        )
        runs = self._call(
            session,
            "gdpr.retention.run",
            "search_count",
            [("dry_run", "=", False)],
        )
        self.assertEqual(runs, 0, "the scheduled action ran at the first start")
