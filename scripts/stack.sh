#!/usr/bin/env bash
# The local stack: the project's own RabbitMQ node and FerretDB.
#   scripts/stack.sh start|stop|status|restart [rabbitmq|ferretdb|all]
#   scripts/stack.sh env     # prints the engine settings that point at this stack
# Idempotent; every port and the data dir come from STACK_* variables (see README).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/rabbitmq.sh
source "$ROOT/scripts/lib/rabbitmq.sh"
# shellcheck source=lib/ferretdb.sh
source "$ROOT/scripts/lib/ferretdb.sh"

load_dotenv "${STACK_ENV_FILE:-$ROOT/.env}"
stack_defaults

cmd=${1:-status}
what=${2:-all}
case $what in rabbitmq | ferretdb | all) ;; *) die "unknown service '$what' (rabbitmq, ferretdb or all)" ;; esac

run() { # run ACTION: for each selected service, in a subshell so rabbit_env's HOME stays local
  local action=$1 rc=0
  if [ "$what" = all ] || [ "$what" = rabbitmq ]; then ( "rabbit_$action" ) || rc=$?; fi
  if [ "$what" = all ] || [ "$what" = ferretdb ]; then ( "ferret_$action" ) || rc=$?; fi
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
    ;;
  *) die "usage: scripts/stack.sh start|stop|status|restart|build|env [rabbitmq|ferretdb|all]" ;;
esac
