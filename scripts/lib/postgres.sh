# The project's own PostgreSQL cluster, FerretDB's backend when STACK_DATABASE=postgresql (the default):
# Debian's binaries, data in $STACK_DIR/postgres/data, its own port on 127.0.0.1, its socket in the
# stack dir. It never touches the system cluster or its databases (docs/database.md).
# shellcheck shell=bash

# FerretDB's database in the cluster (each MongoDB database is a schema in it).
PG_DATABASE=ferretdb

# Debian's newest installed PostgreSQL, or nothing.
pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

pg_ensure_installed() {
  [ -n "$(pg_bin_dir)" ] && return 0
  log "postgresql is not installed; installing it from Debian's packages"
  local rc=0
  apt_install_no_service postgresql || rc=$?
  [ $rc = 0 ] && [ -n "$(pg_bin_dir)" ] || die "could not install postgresql (apt-get exit $rc)"
}

pg_env() {
  PG_BASE=$STACK_DIR/postgres
  PG_DATA=$PG_BASE/data
  PG_SOCKET_DIR=$PG_BASE/run
  PG_LOG=$PG_BASE/postgres.log
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` OS user.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The URL FerretDB connects with (trust on loopback: no password).
pg_url() { echo "postgres://postgres@127.0.0.1:$STACK_PG_PORT/$PG_DATABASE"; }

pg_psql() { "$(pg_bin_dir)/psql" -X -q -h 127.0.0.1 -p "$STACK_PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

pg_pid() { pg_env; [ -f "$PG_DATA/postmaster.pid" ] && head -n 1 "$PG_DATA/postmaster.pid" | tr -dc '0-9' || true; }

pg_running() { pid_alive "$(pg_pid)" && port_open "$STACK_PG_PORT"; }

pg_init() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    getent passwd postgres >/dev/null || die "postgres: no 'postgres' OS user to run the cluster as (install Debian's postgresql package)"
    chown postgres: "$PG_BASE"
    runuser -u postgres -- test -w "$PG_BASE" ||
      die "postgres: the 'postgres' OS user cannot reach $PG_BASE (every parent directory needs o+x)"
  fi
  log "postgres: creating the cluster in $PG_DATA"
  pg_as_owner "$(pg_bin_dir)/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=trust >>"$PG_LOG" 2>&1 || { tail -n 15 "$PG_LOG" >&2; die "postgres: initdb failed (log: $PG_LOG)"; }
}

# FerretDB's database, its settings, and the trigger that gives every new collection the indexes
# FerretDB's pushed-down equality filters can use (sql/postgres-indexes.sql). Run at every start.
pg_prepare_database() {
  if [ -z "$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" ]; then
    pg_psql -d postgres -c "CREATE DATABASE $PG_DATABASE" || die "postgres: could not create database $PG_DATABASE"
  fi
  pg_psql -d "$PG_DATABASE" -f "$ROOT/scripts/lib/postgres-indexes.sql" >/dev/null || die "postgres: could not set up database $PG_DATABASE"
}

pg_start() {
  pg_ensure_installed
  pg_env
  mkdir -p "$PG_BASE"
  if pg_running; then
    log "postgres: already running (127.0.0.1:$STACK_PG_PORT)"
    pg_prepare_database
    return 0
  fi
  port_open "$STACK_PG_PORT" && die "postgres: port $STACK_PG_PORT is already in use by another process (set STACK_PG_PORT)"
  pg_init
  mkdir -p "$PG_SOCKET_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_SOCKET_DIR" "$PG_BASE" && touch "$PG_LOG" && chown postgres: "$PG_LOG"
  log "postgres: starting on 127.0.0.1:$STACK_PG_PORT (data in $PG_DATA)"
  # Loopback only, the stack's port, the socket in the stack dir; pg_ctl waits until it accepts connections.
  pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "${STACK_START_TIMEOUT:-60}" \
    -o "-c listen_addresses=127.0.0.1 -p $STACK_PG_PORT -c unix_socket_directories=$PG_SOCKET_DIR" start </dev/null >/dev/null 2>&1 ||
    { tail -n 15 "$PG_LOG" >&2; die "postgres: did not start (log: $PG_LOG)"; }
  pg_prepare_database
  log "postgres: ready"
}

pg_stop() {
  pg_env
  if pid_alive "$(pg_pid)"; then
    log "postgres: stopping"
    pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop </dev/null >/dev/null 2>&1 || stop_pid "$(pg_pid)" 10
  else
    log "postgres: not running"
  fi
}

pg_status() {
  if pg_running; then
    echo "postgres: running (pid $(pg_pid), $(pg_url))"
  else
    echo "postgres: stopped"
    return 1
  fi
}
