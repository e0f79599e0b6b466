#!/usr/bin/env bash
# Starts the DTSEN platform on one machine for `make run`: every service and
# the gateway as separate processes talking gRPC on loopback, on the embedded
# SQLite default (./var/), with no other dependency, then seeds a synthetic
# population of DTSEN_DEMO_FAMILIES families (default 20000) into every context
# with `dtsenctl seed` (a no-op on later starts: the batches replay). Ctrl-C
# stops them all.
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
export DTSEN_CTL_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_CTL_ASSET_ADDR="$DTSEN_ASSET_GRPC_ADDR"
export DTSEN_CTL_INCOME_ADDR="$DTSEN_INCOME_GRPC_ADDR"
export DTSEN_CTL_SERVICEUSAGE_ADDR="$DTSEN_SERVICEUSAGE_GRPC_ADDR"
families="${DTSEN_DEMO_FAMILIES:-20000}"
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

# Generates (or reuses) ./var/population-$families-1 and imports every context,
# the registry first: the other contexts cross-check their records against it.
echo "seeding $families demo families into every context (progress below; Ctrl-C stops, the next start resumes)"
bin/dtsenctl seed --families "$families" --seed 1
read -r kk nik < <(bin/dtsenctl examples --families "$families" --seed 1 -n 1 -o plain)

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

Demo data: $families synthetic families (./var/population-$families-1; reused on restart).
Families to try (KK, head's NIK, head, members, village):
$(bin/dtsenctl examples --families "$families" --seed 1 -n 3 | sed 's/^/  /')

Try:
  bin/dtsenctl get family $kk
  bin/dtsenctl get person $nik
  bin/dtsenctl get assets $kk          # also: economics, serviceusage; -o json for JSON
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families/$kk
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/persons/$nik
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families/$kk/assets
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families/$kk/economics
  curl -s http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families/$kk/serviceUsage
  curl -s 'http://$DTSEN_GATEWAY_HTTP_ADDR/v1/families?pageSize=2&filter=region%20%3D%20%22${kk:0:2}%22'
  grpcurl -plaintext -d '{"name":"families/$kk"}' $DTSEN_REGISTRY_GRPC_ADDR dtsen.registry.v1.RegistryService/GetFamily

Press Ctrl-C to stop.
MSG

# Exit when any process dies, so a crash is not hidden behind a live gateway.
wait -n "${pids[@]}"
echo "a service exited; see var/log/" >&2
exit 1
