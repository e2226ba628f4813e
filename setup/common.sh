# shellcheck shell=bash
# Shared helpers of setup/run and setup/test (sourced, not executed).

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Everything the scripts make (configuration, logs, the Python environment)
# lives here; GDPR_LOCAL_DIR moves it (the tests of the scripts use a
# temporary one).
LOCAL="${GDPR_LOCAL_DIR:-$REPO/.local}"
VENV="$LOCAL/venv"
mkdir -p "$LOCAL/logs"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Once setup/venv has built .local/venv, it is the Python of every script
# (its python3, its linters).
use_venv() {
    if [ -x "$VENV/bin/python3" ]; then
        VIRTUAL_ENV="$VENV"
        PATH="$VENV/bin:$PATH"
        export VIRTUAL_ENV PATH
    fi
}
use_venv

# Odoo 18: the environment setup/venv builds in .local/venv from an Odoo
# source folder (given now as $1 or ODOO_SRC, or on an earlier run), else
# python3 when it imports Odoo 18.
require_odoo18() {
    local src="${1:-${ODOO_SRC:-}}" version
    if [ -n "$src" ]; then
        bash "$REPO/setup/venv" "$src"
        use_venv
    fi
    if ! version=$(python3 -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null); then
        die "Odoo 18 is not importable by python3: run setup/run --odoo PATH (or set ODOO_SRC=PATH) with PATH an Odoo 18.0 source folder, or install Odoo 18.0 so that python3 -c 'import odoo' works."
    fi
    [ "$version" = "18" ] || die "python3 imports Odoo $version, these addons need Odoo 18.0."
    # odoo/addons, and in a clone of the repository the addons folder beside it
    ODOO_ADDONS="$(python3 -c 'import odoo, os
root = os.path.dirname(odoo.__file__)
paths = [os.path.join(root, "addons"), os.path.join(os.path.dirname(root), "addons")]
print(",".join([paths[0]] + [p for p in paths[1:] if os.path.isdir(p)]))')"
    export ODOO_ADDONS
}

# Install a requirements file once per content (a stamp keeps re-runs fast).
pip_install_once() {
    local file="$1" stamp
    # per content and per interpreter: a new .local/venv installs them again
    stamp="$LOCAL/$(basename "$file").$({ cat "$file"; python3 -c 'import sys; print(sys.prefix)'; } |
        sha1sum | cut -c1-12).stamp"
    if [ ! -f "$stamp" ]; then
        say "Installing Python packages from $(basename "$file")"
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check -r "$file"
        touch "$stamp"
    fi
}

apt_install_missing() {
    local missing=() pair binary package
    for pair in "$@"; do
        binary="${pair%%:*}"
        package="${pair##*:}"
        command -v "$binary" >/dev/null 2>&1 || missing+=("$package")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "Installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        die "missing Debian packages ${missing[*]}: install them (sudo apt-get install ${missing[*]})."
    fi
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# PostgreSQL: the one on 127.0.0.1:5432 if it answers, else a private cluster
# in .local/pgdata started with Debian's binaries.
ensure_postgres() {
    DB_HOST=127.0.0.1
    DB_PORT=5432
    if pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null; then
        DB_USER="${GDPR_DB_USER:-$(pg_db_user)}"
        export DB_HOST DB_PORT DB_USER
        return 0
    fi
    local bindir pgdata="$LOCAL/pgdata"
    DB_PORT=54329
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    if [ -z "$bindir" ]; then
        apt_install_missing "pg_isready:postgresql"
        bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    fi
    if ! pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null; then
        say "Starting a private PostgreSQL cluster in $pgdata (port $DB_PORT)"
        local runas=()
        if [ "$(id -u)" -eq 0 ]; then
            # initdb refuses to run as root
            runas=(runuser -u postgres --)
            mkdir -p "$pgdata"
            chown postgres "$pgdata" "$LOCAL"
        fi
        if [ ! -f "$pgdata/PG_VERSION" ]; then
            "${runas[@]}" "$bindir/initdb" -D "$pgdata" -A trust -U odoo >/dev/null
        fi
        "${runas[@]}" "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
            -o "-h $DB_HOST -p $DB_PORT -k /tmp" start >/dev/null
    fi
    DB_USER=odoo
    export DB_HOST DB_PORT DB_USER
}

# Odoo refuses to connect as "postgres": use the current role if it exists,
# else create one.
pg_db_user() {
    local user
    user="$(id -un)"
    [ "$user" = "postgres" ] && user=odoo
    if ! psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atc \
        "SELECT 1 FROM pg_roles WHERE rolname = '$user'" 2>/dev/null | grep -q 1; then
        psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -qc \
            "CREATE ROLE \"$user\" LOGIN SUPERUSER" >/dev/null 2>&1 || true
    fi
    printf '%s' "$user"
}

psql_q() { psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "${2:-postgres}" -Atqc "$1"; }

db_exists() { [ "$(psql_q "SELECT 1 FROM pg_database WHERE datname = '$1'")" = "1" ]; }

# Every server of these scripts listens on localhost only.
write_odoo_conf() {
    local conf="$1" db="$2" port="${3:-8069}" interface="${4:-127.0.0.1}"
    cat >"$conf" <<CONF
[options]
addons_path = $REPO,$ODOO_ADDONS
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_name = $db
dbfilter = ^$db\$
data_dir = $LOCAL/data
http_port = $port
http_interface = $interface
CONF
}

# The demo server's configuration. Odoo's database manager lets anyone who
# reaches the port back up, restore or drop a database while the master
# password is the default one (it even accepts any password then and sets
# it): the demo gets a random master password, written once (as the hash
# Odoo keeps) and kept across runs, and the database manager is off.
# MASTER_PASSWORD is set when a new one was made, for the caller to show once.
write_demo_conf() {
    local conf="$1" db="$2" port="$3" hash
    MASTER_PASSWORD=""
    hash="$(sed -n 's/^admin_passwd *= *//p' "$conf" 2>/dev/null | head -1 || true)"
    # only a hash is kept: a plain-text or empty value is replaced
    if [ "${hash:0:1}" != "\$" ]; then
        MASTER_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
        hash="$(printf '%s' "$MASTER_PASSWORD" | python3 -c 'import sys
from odoo.tools.config import crypt_context
print(crypt_context.hash(sys.stdin.read()))')"
    fi
    write_odoo_conf "$conf" "$db" "$port" "${GDPR_HTTP_INTERFACE:-127.0.0.1}"
    cat >>"$conf" <<CONF
admin_passwd = $hash
list_db = False
CONF
    chmod 600 "$conf"
}

odoo_bin() { python3 -m odoo "$@"; }
