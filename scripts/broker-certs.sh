#!/bin/sh
# The broker's AMQP PKI for the local and Docker stacks, made with openssl, only what is missing:
#   ca.pem / ca.key          a CA of this stack's own (its key signs the two below and nothing else)
#   server.pem / server.key  the broker's AMQP-over-TLS listener (localhost, 127.0.0.1 and NAMES)
#   engine.pem / engine.key  the engine's client certificate: CN=messaging-engine, the broker user
#                            it logs in as with SASL EXTERNAL (docs/tokens.md)
# Private keys are 0600. A new CA (ca.* missing) re-issues both certificates; delete engine.* or
# server.* to re-issue one of them from the same CA (the engine reads its files at every
# reconnection, the broker its own at boot).
#
# Usage: scripts/broker-certs.sh DIR [NAME...]   (POSIX sh: the Docker stack runs it in the broker image)
set -eu

dir=${1:?usage: broker-certs.sh DIR [NAME...]}
shift
umask 077
mkdir -p "$dir"
cd "$dir"

DAYS_CA=3650
DAYS_LEAF=825
ENGINE_CN=${BROKER_ENGINE_CN:-messaging-engine}

log() { printf '[broker-certs] %s\n' "$*" >&2; }

# issue NAME SUBJECT EXTENSIONS: a key and a certificate signed by the CA.
issue() {
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS_LEAF" \
    -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
  chmod 600 "$1.key"
  chmod 644 "$1.pem"
}

if [ ! -s ca.pem ] || [ ! -s ca.key ]; then
  log "new CA in $dir"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -sha256 -days "$DAYS_CA" \
    -subj "/CN=messaging-engine broker CA" -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 ca.key
  chmod 644 ca.pem
  rm -f server.pem server.key engine.pem engine.key
fi

if [ ! -s server.pem ] || [ ! -s server.key ]; then
  san="DNS:localhost,IP:127.0.0.1"
  for name in "$@"; do san="$san,DNS:$name"; done
  log "broker certificate for $san"
  issue server "/CN=${1:-localhost}" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san"
fi

if [ ! -s engine.pem ] || [ ! -s engine.key ]; then
  log "engine client certificate (CN=$ENGINE_CN)"
  issue engine "/CN=$ENGINE_CN" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
fi
