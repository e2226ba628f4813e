# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The report of Odoo's own suites reads Odoo's test log as Odoo writes it."""

import importlib.util
import os
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location(
    "odoo_suites_report", os.path.join(REPO, "setup", "odoo_suites_report.py")
)
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)

PREFIX = "2026-12-02 01:45:26,476 14639 {level} gdpr_db {logger}: "
CRM = "odoo.addons.crm.tests.test_crm_ui"
MAILING = "odoo.addons.mass_mailing.tests.test_mailing_ab_testing"


def record(level, logger, message):
    return PREFIX.format(level=level, logger=logger) + message + "\n"


LOG = [
    record("INFO", "odoo.service.server", "Starting post tests"),
    record("INFO", CRM, "Starting TestUi.test_01_crm_tour ..."),
    record("INFO", CRM, "Starting TestUi.test_02_crm_tour_rainbowman ..."),
    record(
        "ERROR",
        CRM + ".TestUi.test_02_crm_tour_rainbowman.browser",
        "FAILED: [5/25] Tour crm_rainbowman → Step complete expected revenue",
    ),
    record("INFO", CRM, "=" * 70),
    record("ERROR", CRM, "FAIL: TestUi.test_02_crm_tour_rainbowman"),
    "Traceback (most recent call last):\n",
    "AssertionError: The test code failed\n",
    record("INFO", CRM, "Starting TestUi.test_03_crm_tour_forecast ..."),
    record("INFO", CRM, "skipped TestUi.test_03_crm_tour_forecast : no Chrome"),
    record("INFO", MAILING, "Starting TestMailingABTesting.test_flow ..."),
    record(
        "ERROR",
        MAILING,
        "ERROR: Subtest TestMailingABTesting.test_flow (login='user_marketing')",
    ),
    "Traceback (most recent call last):\n",
    'odoo.exceptions.UserError: Nobody may receive "A/B Testing V1": the\n',
    "privacy rules exclude all its 150 recipients.\n",
    record(
        "ERROR",
        MAILING,
        "ERROR: setUpClass (odoo.addons.mass_mailing.tests.test_x.TestBroken)",
    ),
    "Traceback (most recent call last):\n",
    record("INFO", "odoo.service.server", "4 post-tests in 377.01s, 34002 queries"),
    record("ERROR", "odoo.tests.result", "1 failed, 2 error(s) of 4 tests"),
]

BY_DESIGN = """
# comment
test: mass_mailing:TestMailingABTesting.test_flow
reason: The contacts never consented
    (GDPR Art. 6(1)(a)).
expect: the
    privacy rules exclude all its 150 recipients
"""


class TestOdooSuitesReport(unittest.TestCase):
    def test_log_is_read_test_by_test(self):
        run = report.parse_log(LOG)
        self.assertEqual(run.announced, 4)
        self.assertEqual(
            run.started,
            {
                "crm:TestUi.test_01_crm_tour",
                "crm:TestUi.test_02_crm_tour_rainbowman",
                "crm:TestUi.test_03_crm_tour_forecast",
                "mass_mailing:TestMailingABTesting.test_flow",
            },
        )
        self.assertEqual(run.skipped, {"crm:TestUi.test_03_crm_tour_forecast"})
        self.assertEqual(
            set(run.failures),
            {
                "crm:TestUi.test_02_crm_tour_rainbowman",
                "mass_mailing:TestMailingABTesting.test_flow",
                "mass_mailing:TestBroken.setUpClass",
            },
        )
        [failure] = run.failures["mass_mailing:TestMailingABTesting.test_flow"]
        self.assertIn("privacy rules exclude all its 150 recipients.", failure)

    def test_failures_are_compared_with_the_list(self):
        run = report.parse_log(LOG)
        entries = report.parse_by_design(BY_DESIGN.splitlines(True))
        self.assertEqual(
            entries[0].reason, "The contacts never consented (GDPR Art. 6(1)(a))."
        )
        passed, by_design, unexpected, stale = report.compare(run, entries)
        self.assertEqual(passed, ["crm:TestUi.test_01_crm_tour"])
        self.assertEqual(by_design, ["mass_mailing:TestMailingABTesting.test_flow"])
        self.assertEqual(
            unexpected,
            [
                "crm:TestUi.test_02_crm_tour_rainbowman",
                "mass_mailing:TestBroken.setUpClass",
            ],
        )
        self.assertEqual(stale, [])
        self.assertEqual(
            report.summary_line(passed, by_design, unexpected, run.skipped),
            "Odoo suites: 1 passed, 1 by design, 2 failed, 1 skipped",
        )

    def test_entries_that_no_longer_fail_as_documented(self):
        run = report.parse_log(LOG)
        entries = report.parse_by_design(
            (
                BY_DESIGN.replace("150 recipients", "12 recipients")
                + "test: crm:TestUi.test_01_crm_tour\nreason: none\n"
                + "test: crm:TestGone.test_x\nreason: none\n"
            ).splitlines(True)
        )
        _passed, by_design, unexpected, stale = report.compare(run, entries)
        self.assertEqual(by_design, [])
        self.assertIn("mass_mailing:TestMailingABTesting.test_flow", unexpected)
        self.assertEqual(
            stale,
            [
                (
                    "mass_mailing:TestMailingABTesting.test_flow",
                    "failed for another reason",
                ),
                ("crm:TestUi.test_01_crm_tour", "passed"),
                ("crm:TestGone.test_x", "did not run"),
            ],
        )

    def test_an_entry_needs_its_reason(self):
        with self.assertRaisesRegex(ValueError, "legal reason"):
            report.parse_by_design(["test: crm:TestUi.test_01_crm_tour\n"])
        with self.assertRaisesRegex(ValueError, "unexpected line"):
            report.parse_by_design(["because: it fails\n"])
