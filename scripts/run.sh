#!/usr/bin/env bash
# `npm start`: everything the engine needs, then the engine in the foreground.
#   - installs npm dependencies when missing, and rabbitmq-server (Debian) when missing;
#   - creates .env with fresh secrets (JWT_SECRET, ADMIN_API_KEY) when there is none, and adds an
#     ADMIN_API_KEY to an older .env without an admin credential;
#   - starts the project's own RabbitMQ node unless RABBITMQ_HOST is set (AMQP over TLS; the
#     engine logs in with the client certificate the stack made), and FerretDB on the stack's own
#     PostgreSQL (STACK_DATABASE) unless MONGODB_URI is set (scripts/stack.sh; they keep running after the engine stops:
#     `npm run stack stop` stops them);
#   - builds and runs the engine (Ctrl-C stops it gracefully).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/deps.sh
source "$ROOT/scripts/lib/deps.sh"
cd "$ROOT"

ensure_node_modules

ensure_secrets "$ROOT/.env" "$ROOT/.env.example"
load_dotenv .env
stack_defaults

if [ -z "${RABBITMQ_HOST:-}" ]; then
  bash scripts/stack.sh start rabbitmq
  export RABBITMQ_HOST=127.0.0.1 RABBITMQ_PORT=$STACK_AMQP_PORT
  # AMQP over TLS with the engine's client certificate (SASL EXTERNAL), made by the stack.
  export RABBITMQ_TLS_CA_FILE=$STACK_DIR/rabbitmq/tls/ca.pem
  export RABBITMQ_TLS_CERT_FILE=$STACK_DIR/rabbitmq/tls/engine.pem
  export RABBITMQ_TLS_KEY_FILE=$STACK_DIR/rabbitmq/tls/engine.key
  export RABBITMQ_MANAGEMENT_URL=${RABBITMQ_MANAGEMENT_URL:-http://127.0.0.1:$STACK_MGMT_PORT}
  export MQTT_URL=${MQTT_URL:-mqtt://127.0.0.1:$STACK_MQTT_PORT}
  # MQTT over TLS and secure WebSocket, with the stack's certificate (clients trust its CA, docs/tls.md).
  export MQTT_TLS_URL=${MQTT_TLS_URL:-mqtts://127.0.0.1:$STACK_MQTTS_PORT}
  export MQTT_WSS_URL=${MQTT_WSS_URL:-wss://127.0.0.1:$STACK_WSS_MQTT_PORT/ws}
  # Browsers (the web app at /app) speak MQTT over WebSocket.
  export MQTT_WS_URL=${MQTT_WS_URL:-ws://127.0.0.1:$STACK_WS_MQTT_PORT/ws}
else
  log "using the broker at $RABBITMQ_HOST:${RABBITMQ_PORT:-5672}"
fi
if [ -z "${MONGODB_URI:-}" ]; then
  bash scripts/stack.sh start ferretdb
  export MONGODB_URI=mongodb://127.0.0.1:$STACK_MONGO_PORT/messaging
else
  log "using the database at ${MONGODB_URI%%\?*}"
fi

build_app
log "starting the engine on http://${HTTP_HOST:-127.0.0.1}:${HTTP_PORT:-3000} (Swagger UI at /docs)"
log "admin API: send 'Authorization: Bearer <ADMIN_API_KEY>'; the key is in $ROOT/.env"
if [ "${DEV_SIGN_IN:-false}" = true ]; then
  log "web chat client: open http://${HTTP_HOST:-127.0.0.1}:${HTTP_PORT:-3000}/app and sign in as any user id (DEV_SIGN_IN=true in .env)"
else
  log "web chat client at http://${HTTP_HOST:-127.0.0.1}:${HTTP_PORT:-3000}/app (its sign-in needs DEV_SIGN_IN=true: docs/web-client.md)"
fi
exec node dist/src/main.js
