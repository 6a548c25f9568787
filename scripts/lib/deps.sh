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
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

build_app() {
  log "building the engine"
  (cd "$ROOT" && npx --no-install nest build) || die "build failed"
}
