#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and development: scripts/postgres.sh
#   start   initdb ./.services/postgres (once), start it on 127.0.0.1:$POSTGRES_PORT, wait until
#           it accepts connections and create the database thaigov_test
#   stop    stop the cluster started by `start`
#   status  exit 0 when the cluster answers, 1 otherwise
#   env     print the variable the tests read: eval "$(scripts/postgres.sh env)"
#
# Trust authentication, listening on 127.0.0.1 only (plus a socket under ./.services): for tests
# on one machine, never for data that matters. PostgreSQL refuses to run as root, so as root
# the cluster runs as the unprivileged OS user $POSTGRES_OS_USER (default postgres, created when
# missing). Binaries: POSTGRES_BINDIR, else `pg_config --bindir`, else the newest
# /usr/lib/postgresql/*/bin (the Debian package `postgresql`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${POSTGRES_PORT:-54329}
DB=${POSTGRES_DB:-thaigov_test}
OS_USER=${POSTGRES_OS_USER:-postgres}
SERVICES=${THAIGOV_SERVICES_DIR:-$ROOT/.services}
HOME_DIR=$SERVICES/postgres
DATA=$HOME_DIR/data-$PORT
SOCKETS=$HOME_DIR/run
LOG_FILE=$HOME_DIR/postgres-$PORT.log
START_TIMEOUT=${POSTGRES_START_TIMEOUT:-60}

die() { echo "postgres.sh: $*" >&2; exit 1; }
log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  if [ -n "${POSTGRES_BINDIR:-}" ]; then echo "$POSTGRES_BINDIR"; return; fi
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "no PostgreSQL binaries (apt-get install postgresql)"
  echo "$dir"
}

# Run a server command as the unprivileged user when we are root, directly otherwise.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

ensure_os_user() {
  [ "$(id -u)" = 0 ] || return 0
  if ! id "$OS_USER" >/dev/null 2>&1; then
    log "creating the OS user $OS_USER (PostgreSQL refuses to run as root)"
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$OS_USER"
  fi
}

url() { echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"; }

is_up() {
  local bin
  bin=$(find_bindir)
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2
}

cmd_start() {
  local bin
  bin=$(find_bindir)
  ensure_os_user
  mkdir -p "$HOME_DIR" "$SOCKETS"
  if [ "$(id -u)" = 0 ]; then chown "$OS_USER" "$HOME_DIR" "$SOCKETS"; fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb $DATA"
    as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "already running on 127.0.0.1:$PORT"
  else
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG_FILE" -w -t "$START_TIMEOUT" \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCKETS -c fsync=off" start >/dev/null \
      || { tail -n 20 "$LOG_FILE" >&2 || true; die "could not start (log: $LOG_FILE)"; }
    log "started on 127.0.0.1:$PORT"
  fi
  local exists
  exists=$("$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'")
  if [ "$exists" != 1 ]; then
    "$bin/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
    log "created database $DB"
  fi
}

cmd_stop() {
  local bin
  bin=$(find_bindir)
  if [ -f "$DATA/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    log "stopped"
  else
    log "not running"
  fi
}

cmd_status() {
  if is_up; then
    echo "PostgreSQL answering on 127.0.0.1:$PORT ($(url))"
  else
    echo "PostgreSQL not answering on 127.0.0.1:$PORT"
    return 1
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "export THAIGOV_TEST_POSTGRES_URL=$(url)" ;;
  *) die "usage: $0 start|stop|status|env" ;;
esac
