# FerretDB 1.24 for development and tests, built from tools/ferretdb: on the stack's own PostgreSQL
# (STACK_DATABASE=postgresql, the default; scripts/lib/postgres.sh) or on SQLite files (sqlite).
# shellcheck shell=bash

FERRET_BIN=$ROOT/.stack/bin/ferretdb

ferret_build() {
  local src=$ROOT/tools/ferretdb stamp=$ROOT/.stack/bin/ferretdb.stamp sum
  sum=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)
  if [ -x "$FERRET_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then return 0; fi
  local go
  go=$(go_bin)
  [ -n "$go" ] || die "FerretDB needs the Go toolchain to build (see README: install Go, or set MONGODB_URI to a MongoDB, or use docker compose)"
  log "ferretdb: building the launcher (first build takes about two minutes)"
  mkdir -p "$ROOT/.stack/bin"
  (cd "$src" && GOFLAGS=-mod=mod "$go" build -trimpath -o "$FERRET_BIN.tmp" .) || die "ferretdb: go build failed"
  mv "$FERRET_BIN.tmp" "$FERRET_BIN"
  echo "$sum" >"$stamp"
}

ferret_pid() { read_pid "$STACK_DIR/ferretdb/ferretdb.pid"; }

ferret_running() { pid_alive "$(ferret_pid)" && port_open "$STACK_MONGO_PORT"; }

ferret_start() {
  # STACK_DATABASE: postgresql or sqlite (checked by stack_defaults).
  local base=$STACK_DIR/ferretdb backend=$STACK_DATABASE
  mkdir -p "$base/data"
  # FerretDB needs its backend: the stack's PostgreSQL starts first when it is not running.
  if [ "$backend" = postgresql ] && ! pg_running; then pg_start; fi
  if ferret_running; then
    if [ "$(cat "$base/backend" 2>/dev/null || echo sqlite)" = "$backend" ]; then
      log "ferretdb: already running (127.0.0.1:$STACK_MONGO_PORT, $backend)"
      return 0
    fi
    log "ferretdb: running on another backend; restarting it on $backend"
    ferret_stop
  fi
  ferret_build
  port_open "$STACK_MONGO_PORT" && die "ferretdb: port $STACK_MONGO_PORT is already in use by another process (set STACK_MONGO_PORT)"
  local args=(-handler sqlite -dir "$base/data") where="data in $base/data"
  if [ "$backend" = postgresql ]; then
    args=(-handler postgresql -postgresql-url "$(pg_url)")
    where="on PostgreSQL 127.0.0.1:$STACK_PG_PORT"
  fi
  log "ferretdb: starting on 127.0.0.1:$STACK_MONGO_PORT ($where)"
  setsid "$FERRET_BIN" -listen "127.0.0.1:$STACK_MONGO_PORT" "${args[@]}" -log-level warn \
    >>"$base/ferretdb.log" 2>&1 </dev/null &
  echo $! >"$base/ferretdb.pid"
  echo "$backend" >"$base/backend"
  local pid=$! deadline=$((SECONDS + 30))
  until port_open "$STACK_MONGO_PORT"; do
    if ! pid_alive "$pid"; then
      tail -n 15 "$base/ferretdb.log" >&2
      die "ferretdb: exited during start (log: $base/ferretdb.log)"
    fi
    [ $SECONDS -lt $deadline ] || { tail -n 15 "$base/ferretdb.log" >&2; ferret_stop; die "ferretdb: not up after 30s"; }
    sleep 0.2
  done
  log "ferretdb: ready"
}

ferret_stop() {
  local pid
  pid=$(ferret_pid)
  if pid_alive "$pid"; then
    log "ferretdb: stopping"
    stop_pid "$pid" 10
  else
    log "ferretdb: not running"
  fi
  rm -f "$STACK_DIR/ferretdb/ferretdb.pid"
}

ferret_status() {
  if ferret_running; then
    echo "ferretdb: running (pid $(ferret_pid), mongodb://127.0.0.1:$STACK_MONGO_PORT, on $(cat "$STACK_DIR/ferretdb/backend" 2>/dev/null || echo sqlite))"
  else
    echo "ferretdb: stopped"
    return 1
  fi
}
