#!/usr/bin/env bash
# The local stack: the project's own RabbitMQ node, FerretDB, and FerretDB's PostgreSQL cluster
# (STACK_DATABASE=postgresql, the default; with sqlite FerretDB keeps its data in SQLite files).
#   scripts/stack.sh start|stop|status|restart [rabbitmq|postgres|ferretdb|all]
# `start ferretdb` starts its PostgreSQL first; `stop ferretdb` leaves PostgreSQL running.
#   scripts/stack.sh env     # prints the engine settings that point at this stack
# Idempotent; every port and the data dir come from STACK_* variables (see README).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/rabbitmq.sh
source "$ROOT/scripts/lib/rabbitmq.sh"
# shellcheck source=lib/postgres.sh
source "$ROOT/scripts/lib/postgres.sh"
# shellcheck source=lib/ferretdb.sh
source "$ROOT/scripts/lib/ferretdb.sh"

load_dotenv "${STACK_ENV_FILE:-$ROOT/.env}"
stack_defaults

cmd=${1:-status}
what=${2:-all}
case $what in rabbitmq | postgres | ferretdb | all) ;; *) die "unknown service '$what' (rabbitmq, postgres, ferretdb or all)" ;; esac

run() { # run ACTION: for each selected service, in a subshell so rabbit_env's HOME stays local
  local action=$1 rc=0
  if [ "$what" = all ] || [ "$what" = rabbitmq ]; then ( "rabbit_$action" ) || rc=$?; fi
  # PostgreSQL is FerretDB's backend: started before it, stopped after it. On SQLite it is not used.
  local pg=
  if [ "$what" = all ] || [ "$what" = postgres ]; then pg=1; fi
  if [ -n "$pg" ] && [ "$STACK_DATABASE" != postgresql ] && [ "$action" != stop ]; then
    pg=
    [ "$what" = postgres ] && echo "postgres: not used (STACK_DATABASE=$STACK_DATABASE)"
  fi
  if [ -n "$pg" ] && [ "$action" != stop ]; then ( "pg_$action" ) || rc=$?; fi
  if [ "$what" = all ] || [ "$what" = ferretdb ]; then ( "ferret_$action" ) || rc=$?; fi
  if [ -n "$pg" ] && [ "$action" = stop ]; then ( "pg_$action" ) || rc=$?; fi
  return $rc
}

case $cmd in
  start) run start ;;
  stop) run stop ;;
  restart) run stop; run start ;;
  status) run status ;;
  build) ferret_build ;;
  env)
    echo "RABBITMQ_HOST=127.0.0.1"
    echo "RABBITMQ_PORT=$STACK_AMQP_PORT"
    echo "RABBITMQ_TLS_CA_FILE=$STACK_DIR/rabbitmq/tls/ca.pem"
    echo "RABBITMQ_TLS_CERT_FILE=$STACK_DIR/rabbitmq/tls/engine.pem"
    echo "RABBITMQ_TLS_KEY_FILE=$STACK_DIR/rabbitmq/tls/engine.key"
    echo "RABBITMQ_MANAGEMENT_URL=http://127.0.0.1:$STACK_MGMT_PORT"
    echo "MQTT_URL=mqtt://127.0.0.1:$STACK_MQTT_PORT"
    echo "MQTT_TLS_URL=mqtts://127.0.0.1:$STACK_MQTTS_PORT"
    echo "MQTT_WSS_URL=wss://127.0.0.1:$STACK_WSS_MQTT_PORT/ws"
    # What an MQTT client must trust for the two above: the stack's CA (docs/tls.md).
    echo "# MQTT clients' CA: $STACK_DIR/rabbitmq/tls/ca.pem"
    echo "MONGODB_URI=mongodb://127.0.0.1:$STACK_MONGO_PORT/messaging"
    # For psql: FerretDB's own database in the stack's PostgreSQL (docs/database.md).
    if [ "$STACK_DATABASE" = postgresql ]; then echo "# FerretDB's PostgreSQL: $(pg_url)"; fi
    ;;
  *) die "usage: scripts/stack.sh start|stop|status|restart|build|env [rabbitmq|postgres|ferretdb|all]" ;;
esac
