#!/usr/bin/env bash
# Starts the DTSEN platform on one machine for `make run`: every service and
# the gateway as separate processes talking gRPC on loopback, on the embedded
# SQLite default (./var/), with no other dependency. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/../.."

export DTSEN_REGISTRY_GRPC_ADDR="${DTSEN_REGISTRY_GRPC_ADDR:-127.0.0.1:9101}"
export DTSEN_GATEWAY_HTTP_ADDR="${DTSEN_GATEWAY_HTTP_ADDR:-127.0.0.1:8080}"
export DTSEN_GATEWAY_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
mkdir -p var/log

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
trap stop INT TERM EXIT

start() { # name, then the command; logs go to var/log/NAME.log
  local name=$1; shift
  "$@" >>"var/log/$name.log" 2>&1 &
  pids+=($!)
}

start registry bin/registry
start gateway bin/gateway

DTSEN_SEED_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR" bin/registry-seed

for _ in $(seq 1 100); do
  curl -fsS "http://$DTSEN_GATEWAY_HTTP_ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

cat <<MSG

DTSEN is running (SQLite under ./var, logs under ./var/log).

  REST gateway    http://$DTSEN_GATEWAY_HTTP_ADDR
  OpenAPI         http://$DTSEN_GATEWAY_HTTP_ADDR/openapi.json
  registry gRPC   $DTSEN_REGISTRY_GRPC_ADDR   (reflection on: grpcurl -plaintext $DTSEN_REGISTRY_GRPC_ADDR list)

Try:
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/provinces
  curl -s 'http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families?pageSize=2&filter=region%20%3D%20%2232.04%22'

Press Ctrl-C to stop.
MSG

# Exit when any process dies, so a crash is not hidden behind a live gateway.
wait -n "${pids[@]}"
echo "a service exited; see var/log/" >&2
exit 1
