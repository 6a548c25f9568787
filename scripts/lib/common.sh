# Shared helpers for the stack scripts. Sourced, not run.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# Load .env (if any) without overriding variables already set in the environment.
load_dotenv() {
  local file=${1:-$ROOT/.env} line key
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    key=${line%%=*}
    key=${key//[[:space:]]/}
    [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    [ -n "${!key+x}" ] && continue
    export "$key=${line#*=}"
  done <"$file"
}

# A random secret: URL-safe base64 of 36 bytes (48 characters).
random_secret() { head -c 36 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'; }

# ensure_secrets ENV_FILE EXAMPLE: creates ENV_FILE from EXAMPLE with a fresh JWT_SECRET and
# ADMIN_API_KEY (mode 600) and DEV_SIGN_IN=true, or adds an ADMIN_API_KEY to an existing one that has no admin credential
# (one made before the admin API needed one). Names the file, never prints a value.
ensure_secrets() {
  local file=$1 example=$2
  if [ ! -f "$file" ]; then
    # DEV_SIGN_IN=true: the web app at /app signs anyone in on a development machine (docs/web-client.md).
    (umask 077; sed -e "s|^JWT_SECRET=.*|JWT_SECRET=$(random_secret)|" \
      -e "s|^ADMIN_API_KEY=.*|ADMIN_API_KEY=$(random_secret)|" \
      -e "s|^DEV_SIGN_IN=.*|DEV_SIGN_IN=true|" "$example" >"$file")
    log "created $file with a fresh JWT_SECRET and ADMIN_API_KEY, and the development sign-in on (edit it to change settings)"
  elif ! grep -Eq '^(ADMIN_API_KEY|ADMIN_JWT_SECRET)=[^[:space:]]' "$file"; then
    sed -i '/^ADMIN_API_KEY=[[:space:]]*$/d' "$file"
    printf '\n# Added by npm start: the admin API key (Authorization: Bearer <key> on /admin/v1).\nADMIN_API_KEY=%s\n' \
      "$(random_secret)" >>"$file"
    log "added a fresh ADMIN_API_KEY to $file (the admin API needs it)"
  fi
}

# apt_install PACKAGE...: Debian packages, non-interactive, through sudo unless root.
apt_install() {
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# apt_install_no_service PACKAGE...: as apt_install, but keeps the packages' own system services
# from starting (policy-rc.d): the project runs servers of its own, never the machine's.
apt_install_no_service() {
  local sudo= policy=/usr/sbin/policy-rc.d added= rc=0
  [ "$(id -u)" = 0 ] || sudo=sudo
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null && $sudo chmod +x $policy && added=1
  fi
  apt_install "$@" || rc=$?
  [ -n "$added" ] && $sudo rm -f $policy
  return $rc
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

read_pid() { [ -f "$1" ] && tr -dc '0-9' <"$1" || true; }

# Kill a process: TERM, wait up to $2 seconds, then KILL.
stop_pid() {
  local pid=$1 wait=${2:-10} i
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait * 10; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
  log "pid $pid did not stop in ${wait}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

go_bin() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
  fi
}

# Stack settings: every port and path can be overridden from the environment or .env.
stack_defaults() {
  export STACK_DIR=${STACK_DIR:-$ROOT/.stack/dev}
  export STACK_AMQP_PORT=${STACK_AMQP_PORT:-5673}
  export STACK_MQTT_PORT=${STACK_MQTT_PORT:-1884}
  export STACK_WS_MQTT_PORT=${STACK_WS_MQTT_PORT:-15676}
  export STACK_MQTTS_PORT=${STACK_MQTTS_PORT:-8884}
  export STACK_WSS_MQTT_PORT=${STACK_WSS_MQTT_PORT:-15677}
  export STACK_MGMT_PORT=${STACK_MGMT_PORT:-15673}
  export STACK_DIST_PORT=${STACK_DIST_PORT:-25673}
  export STACK_EPMD_PORT=${STACK_EPMD_PORT:-4370}
  export STACK_MONGO_PORT=${STACK_MONGO_PORT:-27027}
  export STACK_PG_PORT=${STACK_PG_PORT:-5433}
  export STACK_DATABASE=${STACK_DATABASE:-postgresql}
  case $STACK_DATABASE in postgresql | sqlite) ;; *) die "STACK_DATABASE must be postgresql or sqlite (is '$STACK_DATABASE')" ;; esac
  export STACK_NODE_NAME=${STACK_NODE_NAME:-engine-$(basename "$STACK_DIR")@localhost}
  export JWT_SECRET=${JWT_SECRET:-}
  [ -n "$JWT_SECRET" ] || die "JWT_SECRET is not set (see .env.example); the broker's key is derived from it"
}
