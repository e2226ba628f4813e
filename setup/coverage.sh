# shellcheck shell=bash
# Line coverage of both addons (coverage.py) over a pytest run, and the floor
# under which the run fails (sourced by setup/test).

# Measured at 95.7% on a whole run (246 tests); the floor leaves half a point
# for a line or two that timing decides.
COVERAGE_FLOOR=95

# Run pytest under coverage.py: Odoo's HTTP server answers the browser and
# HTTP tests from threads of this process, which coverage.py traces too.
coverage_pytest() {
    rm -f "$LOCAL"/.coverage "$LOCAL"/.coverage.*
    COVERAGE_FILE="$LOCAL/.coverage" python3 -m coverage run \
        --rcfile="$REPO/.coveragerc" -m pytest "$@"
}

# Print the figure per file and in total; fail under the floor.
coverage_check() {
    local total
    COVERAGE_FILE="$LOCAL/.coverage" python3 -m coverage combine --quiet \
        --rcfile="$REPO/.coveragerc" "$LOCAL" || return 1
    COVERAGE_FILE="$LOCAL/.coverage" python3 -m coverage report \
        --rcfile="$REPO/.coveragerc" || true
    total=$(COVERAGE_FILE="$LOCAL/.coverage" python3 -m coverage report \
        --rcfile="$REPO/.coveragerc" --format=total --precision=1)
    COVERAGE_SUMMARY="coverage: $total% of the addons' lines (floor $COVERAGE_FLOOR%)"
    python3 -c "import sys; sys.exit(float('$total') < $COVERAGE_FLOOR)"
}
