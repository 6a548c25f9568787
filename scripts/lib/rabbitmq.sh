# The project's own RabbitMQ node: own ports, own epmd, own config and data under $STACK_DIR/rabbitmq.
# It never touches a system RabbitMQ or Mosquitto (README, "The local stack").
# shellcheck shell=bash

RABBIT_LIB=/usr/lib/rabbitmq/bin

rabbit_env() {
  local base=$STACK_DIR/rabbitmq
  mkdir -p "$base/etc/conf.d" "$base/log" "$base/mnesia"
  chmod 700 "$base"
  export HOME=$base
  export RABBITMQ_NODENAME=$STACK_NODE_NAME
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$STACK_AMQP_PORT
  export RABBITMQ_DIST_PORT=$STACK_DIST_PORT
  export ERL_EPMD_PORT=$STACK_EPMD_PORT
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_CONF_ENV_FILE=$base/etc/no-such-rabbitmq-env.conf
  export RABBITMQ_CONFIG_FILE=$base/etc/rabbitmq.conf
  # Read after rabbitmq.conf; the node's own, so the system's /etc/rabbitmq/conf.d stays out.
  export RABBITMQ_CONFIG_FILES=$base/etc/conf.d
  export RABBITMQ_ADVANCED_CONFIG_FILE=$base/etc/advanced.config
  export RABBITMQ_ENABLED_PLUGINS_FILE=$base/etc/enabled_plugins
  export RABBITMQ_MNESIA_BASE=$base/mnesia
  export RABBITMQ_LOG_BASE=$base/log
  export RABBITMQ_PID_FILE=$base/rabbitmq.pid
  export ERL_CRASH_DUMP=$base/log/erl_crash.dump
  local dist_args='-kernel inet_dist_use_interface {127,0,0,1}'
  # No scheduler busy-waiting: an idle Erlang scheduler spins before it sleeps, which on a small
  # machine shared with the database, the engine and the clients takes their CPU time.
  local sched_args='+sbwt none +sbwtdcpu none +sbwtdio none'
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="$dist_args $sched_args"
  export RABBITMQ_CTL_ERL_ARGS=$dist_args
  RABBIT_BASE=$base
  RABBIT_TLS=$base/tls
}

# The broker's PKI (scripts/broker-certs.sh): made once, only what is missing. server.pem (for
# localhost and 127.0.0.1) serves AMQP, MQTT over TLS and secure WebSocket; clients trust tls/ca.pem.
# The engine and the tests log in with tls/engine.pem (SASL EXTERNAL); `scripts/stack.sh env` names the files.
rabbit_ensure_certs() {
  command -v openssl >/dev/null 2>&1 || die "openssl is needed for the broker's TLS certificates (apt-get install openssl)"
  sh "$ROOT/scripts/broker-certs.sh" "$RABBIT_TLS" || die "could not make the broker's TLS certificates in $RABBIT_TLS"
}

rabbit_ctl() { "$RABBIT_LIB/rabbitmqctl" -n "$STACK_NODE_NAME" "$@"; }

rabbit_ensure_installed() {
  [ -x "$RABBIT_LIB/rabbitmq-server" ] && return 0
  log "rabbitmq-server is not installed; installing it from Debian's packages"
  local rc=0
  apt_install_no_service rabbitmq-server || rc=$?
  [ $rc = 0 ] && [ -x "$RABBIT_LIB/rabbitmq-server" ] || die "could not install rabbitmq-server (apt-get exit $rc)"
}

rabbit_pid() { read_pid "$STACK_DIR/rabbitmq/rabbitmq.pid"; }
rabbit_launcher_pid() { read_pid "$STACK_DIR/rabbitmq/launcher.pid"; }

rabbit_running() {
  local pid
  pid=$(rabbit_pid)
  pid_alive "$pid" && port_open "$STACK_AMQP_PORT"
}

# Renders the local profile into etc/; or, with STACK_BROKER_CONFIG_DIR, takes the config files
# found there (rendered for another deployment, e.g. the docker profile) as they are, plus a
# conf.d file that moves their listeners onto this node's loopback ports.
# Prints "changed" when the result differs from what the node runs with.
rabbit_render_config() {
  local tmp
  tmp=$(mktemp -d)
  if [ -n "${STACK_BROKER_CONFIG_DIR:-}" ]; then
    (cd "$STACK_BROKER_CONFIG_DIR" && cp rabbitmq.conf advanced.config enabled_plugins definitions.json "$tmp/") || {
      rm -rf "$tmp"; die "no broker config (rabbitmq.conf, advanced.config, enabled_plugins, definitions.json) in $STACK_BROKER_CONFIG_DIR"
    }
    mkdir "$tmp/conf.d" && rabbit_listeners_conf >"$tmp/conf.d/zz-stack-listeners.conf"
  else
    STACK_ADMIN_PASSWORD=$(rabbit_admin_password) STACK_TLS_DIR=$RABBIT_TLS STACK_CONFIG_DIR=$RABBIT_BASE/etc \
      node "$ROOT/scripts/broker-config.js" "$tmp" --profile local || {
      rm -rf "$tmp"; die "could not render the broker config"
    }
  fi
  if ! diff -rq "$tmp" "$RABBIT_BASE/etc/current" >/dev/null 2>&1; then
    rm -rf "$RABBIT_BASE/etc/current" && mv "$tmp" "$RABBIT_BASE/etc/current"
    rm -f "$RABBIT_BASE/etc/conf.d/"*
    cp -r "$RABBIT_BASE/etc/current/." "$RABBIT_BASE/etc/"
    echo changed
  else
    rm -rf "$tmp"
  fi
}

# Conf.d files are read after rabbitmq.conf and the last value of a key wins, so these lines
# replace the imported listeners and file paths while the imported file stays byte for byte as
# rendered (its plain AMQP listener stays off: `listeners.tcp = none`). The plain MQTT and
# Web-MQTT listeners move only when the imported file has them (MQTT_PLAIN_ENABLED).
rabbit_listeners_conf() {
  local conf=$STACK_BROKER_CONFIG_DIR/rabbitmq.conf
  cat <<EOF
# Added by scripts/stack.sh: this node listens on loopback and the stack's ports, with its own certificates.
listeners.ssl.default = 127.0.0.1:$STACK_AMQP_PORT
ssl_options.cacertfile = $RABBIT_TLS/ca.pem
ssl_options.certfile = $RABBIT_TLS/server.pem
ssl_options.keyfile = $RABBIT_TLS/server.key
load_definitions = $RABBIT_BASE/etc/definitions.json
mqtt.listeners.ssl.default = 127.0.0.1:$STACK_MQTTS_PORT
web_mqtt.ssl.ip = 127.0.0.1
web_mqtt.ssl.port = $STACK_WSS_MQTT_PORT
web_mqtt.ssl.cacertfile = $RABBIT_TLS/ca.pem
web_mqtt.ssl.certfile = $RABBIT_TLS/server.pem
web_mqtt.ssl.keyfile = $RABBIT_TLS/server.key
management.tcp.ip = 127.0.0.1
management.tcp.port = $STACK_MGMT_PORT
EOF
  if grep -q '^mqtt\.listeners\.tcp\.default' "$conf"; then
    echo "mqtt.listeners.tcp.default = 127.0.0.1:$STACK_MQTT_PORT"
  fi
  if grep -q '^web_mqtt\.tcp\.port' "$conf"; then
    printf 'web_mqtt.tcp.ip = 127.0.0.1\nweb_mqtt.tcp.port = %s\n' "$STACK_WS_MQTT_PORT"
  fi
}

# The node's administrator password: generated once, kept in the node's dir (mode 600).
rabbit_admin_password() {
  local file=$STACK_DIR/rabbitmq/admin-password
  if [ -n "${STACK_ADMIN_PASSWORD:-}" ]; then printf '%s' "$STACK_ADMIN_PASSWORD"; return; fi
  if [ ! -s "$file" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$file")
  fi
  tr -d '\n' <"$file"
}

rabbit_errors() {
  local f
  for f in "$RABBIT_BASE"/log/*.log "$RABBIT_BASE/log/launcher.out"; do
    [ -f "$f" ] && grep -E '\[error\]|error|BOOT FAILED|Error' "$f" | tail -n 15 >&2
  done
}

rabbit_start() {
  rabbit_ensure_installed
  rabbit_env
  rabbit_ensure_certs
  local changed
  changed=$(rabbit_render_config)
  if rabbit_running; then
    if [ "$changed" = changed ]; then
      log "rabbitmq: config changed; restarting node $STACK_NODE_NAME"
      rabbit_stop
    else
      log "rabbitmq: already running (node $STACK_NODE_NAME, amqp $STACK_AMQP_PORT, mqtt $STACK_MQTT_PORT)"
      return 0
    fi
  fi
  local p
  for p in "$STACK_AMQP_PORT" "$STACK_MQTT_PORT" "$STACK_MQTTS_PORT" "$STACK_MGMT_PORT" "$STACK_WS_MQTT_PORT" "$STACK_WSS_MQTT_PORT" "$STACK_DIST_PORT"; do
    port_open "$p" && die "rabbitmq: port $p is already in use by another process (set the STACK_*_PORT variables)"
  done
  rm -f "$RABBIT_BASE/rabbitmq.pid"
  log "rabbitmq: starting node $STACK_NODE_NAME (amqp $STACK_AMQP_PORT TLS only, mqtt $STACK_MQTT_PORT, mqtts $STACK_MQTTS_PORT, wss $STACK_WSS_MQTT_PORT, management $STACK_MGMT_PORT)"
  # exec: no shell stays behind holding the caller's stdout open.
  (cd "$RABBIT_BASE" && exec setsid "$RABBIT_LIB/rabbitmq-server" >"$RABBIT_BASE/log/launcher.out" 2>&1 </dev/null) &
  echo $! >"$RABBIT_BASE/launcher.pid"
  local launcher deadline=$((SECONDS + ${STACK_START_TIMEOUT:-90}))
  launcher=$(rabbit_launcher_pid)
  until port_open "$STACK_AMQP_PORT"; do
    if ! pid_alive "$launcher"; then
      rabbit_errors
      die "rabbitmq: the node exited during start (logs in $RABBIT_BASE/log)"
    fi
    [ $SECONDS -lt $deadline ] || { rabbit_errors; rabbit_stop; die "rabbitmq: not up after ${STACK_START_TIMEOUT:-90}s"; }
    sleep 0.5
  done
  rabbit_ctl await_startup --timeout 60 >/dev/null 2>&1 || { rabbit_errors; die "rabbitmq: await_startup failed"; }
  log "rabbitmq: ready"
}

rabbit_stop() {
  rabbit_env
  local pid launcher
  pid=$(rabbit_pid)
  launcher=$(rabbit_launcher_pid)
  if pid_alive "$pid" || pid_alive "$launcher"; then
    log "rabbitmq: stopping node $STACK_NODE_NAME"
    rabbit_ctl shutdown --timeout 30 >/dev/null 2>&1 || true
    stop_pid "$pid" 10
    stop_pid "$launcher" 5
  else
    log "rabbitmq: not running"
  fi
  rm -f "$RABBIT_BASE/rabbitmq.pid" "$RABBIT_BASE/launcher.pid"
  # The node's private epmd (own port) goes with it.
  if [ -x "$(command -v epmd)" ] || [ -x /usr/lib/erlang/bin/epmd ]; then
    "$(command -v epmd || echo /usr/lib/erlang/bin/epmd)" -port "$STACK_EPMD_PORT" -kill >/dev/null 2>&1 || true
  fi
}

rabbit_status() {
  rabbit_env
  if rabbit_running; then
    echo "rabbitmq: running (node $STACK_NODE_NAME, pid $(rabbit_pid), amqp 127.0.0.1:$STACK_AMQP_PORT (TLS, client certificates in $RABBIT_TLS), mqtt 127.0.0.1:$STACK_MQTT_PORT, mqtts 127.0.0.1:$STACK_MQTTS_PORT, ws 127.0.0.1:$STACK_WS_MQTT_PORT, wss 127.0.0.1:$STACK_WSS_MQTT_PORT (CA $RABBIT_TLS/ca.pem), management 127.0.0.1:$STACK_MGMT_PORT)"
  else
    echo "rabbitmq: stopped"
    return 1
  fi
}
