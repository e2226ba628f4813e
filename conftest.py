# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pytest configuration shared by every test folder of the repository."""

import pytest


@pytest.fixture(autouse=True)
def odoo_current_test(request):
    """Tell Odoo a test is running, as its own runner does.

    pytest-odoo sets ``odoo.modules.module.current_test`` only from Odoo 19
    on; on 18 Odoo would otherwise really send the emails of the tests
    (ir.mail_server checks this flag) and skip test-only code paths.
    """
    import odoo.modules.module

    previous = odoo.modules.module.current_test
    odoo.modules.module.current_test = request.instance or True
    try:
        yield
    finally:
        odoo.modules.module.current_test = previous


# A skipped test is a test that did not run: Odoo skips its browser tests when
# Chrome is missing, and ours skip PDF checks without wkhtmltopdf. A run that
# skipped anything fails, naming the tests and the reason, so that a machine
# missing a tool can never pass unnoticed.
_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        _skipped.append((report.nodeid, str(reason).removeprefix("Skipped: ")))


def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.section("skipped tests fail the run", red=True, bold=True)
        for nodeid, reason in _skipped:
            terminalreporter.line(f"SKIPPED {nodeid}: {reason}", red=True)
