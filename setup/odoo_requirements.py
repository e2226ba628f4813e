# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of setup/venv, which builds a Python environment for an Odoo source
folder.

    odoo_requirements.py version SRC     prints the Odoo version of SRC
    odoo_requirements.py adapt IN OUT    writes Odoo's requirements IN to OUT,
                                         adapted to a pip install
"""

import re
import sys

# Requirement lines of Odoo's requirements.txt that need another package to
# install with pip on a machine without build tools:
# - psycopg2 builds from source (PostgreSQL headers, a compiler); the binary
#   wheel is the same module;
# - python-ldap builds against the system's LDAP and SASL libraries and only
#   the LDAP authentication addon (auth_ldap) uses it: left out.
REPLACED = {"psycopg2": "psycopg2-binary"}
LEFT_OUT = {"python-ldap"}
NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def adapt(lines):
    """Odoo's requirement lines, with the packages above replaced or dropped
    (their version and environment markers kept)."""
    adapted = []
    for line in lines:
        match = NAME.match(line)
        name = match.group(1).lower().replace("_", "-") if match else None
        if name in LEFT_OUT:
            continue
        if name in REPLACED:
            line = REPLACED[name] + line[match.end() :]
        adapted.append(line)
    return adapted


def version(src):
    """The version of the Odoo in a source folder, read as Odoo's own
    setup.py reads it."""
    release = {}
    with open(f"{src}/odoo/release.py", encoding="utf-8") as file:
        exec(file.read(), release)
    return release["version"]


def main(argv):
    if len(argv) == 2 and argv[0] == "version":
        print(version(argv[1]))
    elif len(argv) == 3 and argv[0] == "adapt":
        with open(argv[1], encoding="utf-8") as file:
            lines = adapt(file.readlines())
        with open(argv[2], "w", encoding="utf-8") as file:
            file.writelines(lines)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
