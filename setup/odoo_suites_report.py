# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Read the log of a run of Odoo's own test suites and compare its failures
with the documented list of differences by design.

    python3 setup/odoo_suites_report.py LOG BY_DESIGN_LIST SUMMARY_FILE

Prints the tests that failed and are not in the list, the entries of the
list that did not fail as documented, and one summary line, also written to
SUMMARY_FILE: "Odoo suites: N passed, M by design[, K failed][, S skipped]".
Exit status 0 when every failure is documented and every entry still fails
as documented, 1 otherwise.

Odoo's test runner logs one line per test start, one ERROR line per failure
or error (subtests included), and one line per skip; the traceback follows
the ERROR line until the next log record.
"""

import re
import sys
from dataclasses import dataclass, field

RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (?P<level>[A-Z]+) \S+ "
    r"(?P<logger>\S+): (?P<message>.*)$"
)
TEST_LOGGER = re.compile(r"^odoo\.addons\.(?P<module>\w+)\.tests\.")
STARTED = re.compile(r"^Starting (?P<test>\w+\.\w+) \.\.\.")
FAILED = re.compile(r"^(?:FAIL|ERROR): (?:Subtest )?(?P<test>\w+\.\w+)")
# an error of a whole class (setUpClass) names the class after the method
CLASS_FAILED = re.compile(r"^(?:FAIL|ERROR): (?P<method>\w+) \([\w.]*\.(?P<cls>\w+)\)")
SKIPPED = re.compile(r"^skipped (?P<test>\w+\.\w+) ")
RAN = re.compile(r"^(?P<count>\d+) post-tests in ")


@dataclass
class Run:
    started: set = field(default_factory=set)
    skipped: set = field(default_factory=set)
    failures: dict = field(default_factory=dict)  # test id -> failure texts
    announced: int | None = None


@dataclass
class Entry:
    test: str
    reason: str
    expect: list = field(default_factory=list)


def parse_log(lines):
    """The tests a log shows started, skipped and failed (with the text of
    each failure), as ``module:Class.method`` ids."""
    run = Run()
    current = None  # the failure whose traceback is being read
    for line in lines:
        record = RECORD.match(line)
        if not record:
            if current is not None:
                current.append(line.rstrip("\n"))
            continue
        current = None
        module_match = TEST_LOGGER.match(record["logger"])
        if not module_match:
            ran = RAN.match(record["message"])
            if ran and record["logger"] == "odoo.service.server":
                run.announced = int(ran["count"])
            continue
        module, message = module_match["module"], record["message"]
        if record["level"] == "INFO":
            for pattern, bucket in ((STARTED, run.started), (SKIPPED, run.skipped)):
                found = pattern.match(message)
                if found:
                    bucket.add(f"{module}:{found['test']}")
            continue
        if record["level"] not in ("ERROR", "CRITICAL"):
            continue
        found = FAILED.match(message)
        class_found = CLASS_FAILED.match(message)
        if class_found:
            test = f"{module}:{class_found['cls']}.{class_found['method']}"
        elif found:
            test = f"{module}:{found['test']}"
        else:
            continue  # the browser's own report of a failing tour step
        current = [message]
        run.failures.setdefault(test, []).append(current)
    return run


def parse_by_design(lines):
    """Entries of the by-design list: a ``test:`` line, the ``reason:`` and
    any ``expect:`` lines (a text the failure must contain) that follow,
    with indented continuation lines."""
    entries = []
    key = None
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[:1].isspace():
            if key is None:
                raise ValueError(f"continuation line outside an entry: {line!r}")
            if key == "expect":
                entries[-1].expect[-1] += " " + line.strip()
            else:
                entries[-1].reason += " " + line.strip()
            continue
        key, _sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "test":
            entries.append(Entry(test=value, reason=""))
        elif key == "reason" and entries:
            entries[-1].reason = value
        elif key == "expect" and entries:
            entries[-1].expect.append(value)
        else:
            raise ValueError(f"unexpected line in the by-design list: {line!r}")
    for entry in entries:
        if not entry.reason:
            raise ValueError(f"{entry.test}: every entry needs its legal reason")
    return entries


def compare(run, entries):
    """``(passed, by_design, unexpected, stale)``: the tests that passed,
    those that failed as documented, the failures nobody documented, and the
    documented entries that did not fail as documented (with why)."""
    documented = {entry.test: entry for entry in entries}
    by_design, unexpected, stale = [], [], []
    for test in sorted(run.failures):
        entry = documented.get(test)
        # compared with white space collapsed: messages wrap differently
        failures = " ".join(" ".join(failure) for failure in run.failures[test])
        text = " ".join(failures.split())
        if entry and all(" ".join(exp.split()) in text for exp in entry.expect):
            by_design.append(test)
        else:
            unexpected.append(test)
    for entry in entries:
        if entry.test not in run.failures:
            why = "did not run" if entry.test not in run.started else "passed"
            stale.append((entry.test, why))
        elif entry.test in unexpected:
            stale.append((entry.test, "failed for another reason"))
    passed = run.started - set(run.failures) - run.skipped
    return sorted(passed), by_design, unexpected, stale


def summary_line(passed, by_design, unexpected, skipped):
    line = f"Odoo suites: {len(passed)} passed, {len(by_design)} by design"
    if unexpected:
        line += f", {len(unexpected)} failed"
    if skipped:
        line += f", {len(skipped)} skipped"
    return line


def main(log_path, by_design_path, summary_path):
    with open(log_path, encoding="utf-8", errors="replace") as log:
        run = parse_log(log)
    with open(by_design_path, encoding="utf-8") as listing:
        entries = parse_by_design(listing)
    passed, by_design, unexpected, stale = compare(run, entries)
    ok = bool(run.started) and not unexpected and not stale
    if not run.started:
        print(f"no Odoo test ran: see {log_path}")
    if run.announced is not None and run.announced != len(run.started):
        print(
            f"Odoo announced {run.announced} tests, the log shows "
            f"{len(run.started)} starting: see {log_path}"
        )
        ok = False
    for test in unexpected:
        print(f"FAILED (not by design): {test}")
        for failure in run.failures[test]:
            # the failure's title and the end of its traceback
            shown = (
                failure[:1] + ["..."] + failure[-12:] if len(failure) > 14 else failure
            )
            print("    " + "\n    ".join(shown))
    for test, why in stale:
        print(f"BY-DESIGN ENTRY {why.upper()}: {test} (update {by_design_path})")
    for test in by_design:
        print(f"by design: {test}")
    line = summary_line(passed, by_design, unexpected, sorted(run.skipped))
    print(line)
    with open(summary_path, "w", encoding="utf-8") as summary:
        summary.write(line + ("" if ok else " (FAILED)") + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
