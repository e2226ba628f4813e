# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import html
import logging
import re
from contextlib import contextmanager

from odoo.tools import SQL

# What an attacker sends to every text field of a public route.
SCRIPT = "<script>alert(1)</script>"
HUGE = "a" * 100_000
# The longest a query string gets through: the HTTP server itself drops a
# request line over 64 KiB before Odoo sees it (a proxy answers 414).
HUGE_IN_URL = "a" * 20_000


class ServerLogCapture(logging.Handler):
    """Every record logged while it is attached, from any thread: the HTTP
    test server answers in its own threads."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def tracebacks(self):
        return [
            self.format(record)
            for record in self.records
            if record.exc_info or "Traceback" in record.getMessage()
        ]


class PublicSurfaceMixin:
    """Checks shared by the security suites of the public routes (mixed into
    an HttpCase): a refusal is a 4xx page saying why, the server logs no
    traceback, and no row of the tables a route writes is created or
    changed."""

    #: tables whose rows a refused request must leave exactly as they were
    surface_tables = ()

    def _table_fingerprint(self, table):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT count(*), md5(COALESCE(string_agg(t::text, '|' "
                "ORDER BY t.id), '')) FROM %s t",
                SQL.identifier(table),
            )
        )
        return self.env.cr.fetchone()

    def snapshot(self):
        return {table: self._table_fingerprint(table) for table in self.surface_tables}

    @contextmanager
    def assert_nothing_changes(self):
        """Rows of ``surface_tables`` unchanged and no traceback logged
        while the block runs."""
        before = self.snapshot()
        capture = ServerLogCapture()
        root = logging.getLogger()
        root.addHandler(capture)
        try:
            yield
        finally:
            root.removeHandler(capture)
        self.env.invalidate_all()
        self.assertEqual(self.snapshot(), before, "a refused request changed data")
        self.assertFalse(capture.tracebacks(), "the server logged a traceback")

    def assert_refused(self, response, status, message=None):
        """A clear refusal: the status expected (or any 4xx for ``None``), no
        traceback in the page, and ``message`` in it when given."""
        if status is None:
            self.assertTrue(
                400 <= response.status_code < 500,
                f"{response.request.method} {response.url}: {response.status_code}",
            )
        else:
            self.assertEqual(
                response.status_code,
                status,
                f"{response.request.method} {response.url}: {response.text[:300]}",
            )
        self.assertNotIn("Traceback", response.text)
        if message:
            self.assertIn(message, html.unescape(response.text))

    def get(self, path, params=None, headers=None):
        """GET ``path`` with a query string built from ``params``."""
        return self.opener.get(
            self.base_url() + path, params=params, headers=headers, timeout=12
        )

    def csrf_token(self, url):
        page = self.url_open(url)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
