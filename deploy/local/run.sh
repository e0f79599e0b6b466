#!/usr/bin/env bash
# Starts the DTSEN platform on one machine for `make run`: every service and
# the gateway as separate processes talking gRPC on loopback, on the embedded
# SQLite default (./var/), with no other dependency. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/../.."

export DTSEN_REGISTRY_GRPC_ADDR="${DTSEN_REGISTRY_GRPC_ADDR:-127.0.0.1:9101}"
export DTSEN_ASSET_GRPC_ADDR="${DTSEN_ASSET_GRPC_ADDR:-127.0.0.1:9102}"
export DTSEN_INCOME_GRPC_ADDR="${DTSEN_INCOME_GRPC_ADDR:-127.0.0.1:9103}"
export DTSEN_SERVICEUSAGE_GRPC_ADDR="${DTSEN_SERVICEUSAGE_GRPC_ADDR:-127.0.0.1:9104}"
export DTSEN_GATEWAY_HTTP_ADDR="${DTSEN_GATEWAY_HTTP_ADDR:-127.0.0.1:8080}"
# Everyone finds everyone on loopback.
export DTSEN_ASSET_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_INCOME_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_SERVICEUSAGE_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_GATEWAY_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_GATEWAY_ASSET_ADDR="$DTSEN_ASSET_GRPC_ADDR"
export DTSEN_GATEWAY_INCOME_ADDR="$DTSEN_INCOME_GRPC_ADDR"
export DTSEN_GATEWAY_SERVICEUSAGE_ADDR="$DTSEN_SERVICEUSAGE_GRPC_ADDR"
export DTSEN_SEED_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_SEED_ASSET_ADDR="$DTSEN_ASSET_GRPC_ADDR"
export DTSEN_SEED_INCOME_ADDR="$DTSEN_INCOME_GRPC_ADDR"
export DTSEN_SEED_SERVICEUSAGE_ADDR="$DTSEN_SERVICEUSAGE_GRPC_ADDR"
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

for s in registry asset income serviceusage; do start "$s" "bin/$s"; done
start gateway bin/gateway

# The registry first: the other contexts cross-check their records against it.
for s in registry asset income serviceusage; do "bin/$s-seed"; done

for _ in $(seq 1 100); do
  curl -fsS "http://$DTSEN_GATEWAY_HTTP_ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

cat <<MSG

DTSEN is running (SQLite under ./var, logs under ./var/log).

  REST gateway       http://$DTSEN_GATEWAY_HTTP_ADDR
  OpenAPI            http://$DTSEN_GATEWAY_HTTP_ADDR/openapi.json
  gRPC (reflection)  registry $DTSEN_REGISTRY_GRPC_ADDR, asset $DTSEN_ASSET_GRPC_ADDR,
                     income $DTSEN_INCOME_GRPC_ADDR, serviceusage $DTSEN_SERVICEUSAGE_GRPC_ADDR

Try:
  curl -s 'http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families?pageSize=2&filter=region%20%3D%20%2232.04%22'
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families/3204120000000001/assets
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families/3204120000000001/economics
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families/3204120000000001/serviceUsage

Press Ctrl-C to stop.
MSG

# Exit when any process dies, so a crash is not hidden behind a live gateway.
wait -n "${pids[@]}"
echo "a service exited; see var/log/" >&2
exit 1
