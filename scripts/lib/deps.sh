# Installs what the project needs to build and run, when it is missing. Sourced.
# shellcheck shell=bash

ensure_node() {
  command -v node >/dev/null 2>&1 || die "Node.js 20.19+ is required (Debian: apt-get install nodejs npm, or nodejs.org)"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "Node.js 20.19+ is required (found $(node --version))"
}

# npm ci when node_modules is missing or older than the lockfile.
ensure_node_modules() {
  ensure_node
  local marker=$ROOT/node_modules/.package-lock.json
  if [ ! -f "$marker" ] || [ "$ROOT/package-lock.json" -nt "$marker" ]; then
    log "installing npm dependencies (npm ci)"
    # Nothing may reach outside the machine: swagger-ui-dist's dependency @scarf/scarf would
    # report the install from its postinstall script (also off in package.json's scarfSettings).
    (cd "$ROOT" && SCARF_ANALYTICS=false DO_NOT_TRACK=1 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

# The engine (nest build) and the web app (vite build): package.json's build script.
build_app() {
  log "building the engine and the web app"
  (cd "$ROOT" && npm run --silent build) || die "build failed"
}

# The compose check of docker/docker.spec.ts needs `docker compose` wherever a docker client is.
# A client without the compose plugin (these machines: no Docker engine, just the client) gets
# the plugin built from its Go module, pinned here, into the user's docker plugins dir.
COMPOSE_VERSION=v2.36.2
ensure_compose() {
  command -v docker >/dev/null 2>&1 || return 0
  docker compose version >/dev/null 2>&1 && return 0
  local go src plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
  go=$(go_bin)
  [ -n "$go" ] || { log "docker compose is missing and there is no Go to build it: the compose check will fail"; return 0; }
  log "building the docker compose plugin $COMPOSE_VERSION (once; about three minutes)"
  src=$(cd / && "$go" mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$plugins"
  if ! { [ -n "$src" ] && (cd "$src" && "$go" build -trimpath -o "$plugins/docker-compose" \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" ./cmd); }; then
    log "could not build docker compose: the compose check will fail"
  fi
}
