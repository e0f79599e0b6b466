#!/usr/bin/env bash
# Runs the browser tests against a real platform started the way `make run`
# starts it (deploy/local/run.sh), on its own ports and in a scratch
# directory, with a small demo population so the start takes a minute or
# two, not six. Needs bin/ built (make build), Node.js and a system
# Chromium (apt-get install chromium); DTSEN_CHROMIUM overrides its path.
# Screenshots go to DTSEN_BROWSER_ARTEFACTS (default var/browser-artefacts).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

chromium="${DTSEN_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [[ -z $chromium ]]; then
  echo "browser tests need Chromium (apt-get install chromium) or DTSEN_CHROMIUM" >&2
  exit 1
fi
scratch=$(mktemp -d)
artefacts="${DTSEN_BROWSER_ARTEFACTS:-$root/var/browser-artefacts}"
mkdir -p "$artefacts"

export DTSEN_VAR_DIR="$scratch/var"
export DTSEN_DEMO_FAMILIES="${DTSEN_BROWSER_FAMILIES:-3000}"
export DTSEN_DEV_ISSUER_ADDR=127.0.0.1:9300
export DTSEN_REGISTRY_GRPC_ADDR=127.0.0.1:9301 DTSEN_ASSET_GRPC_ADDR=127.0.0.1:9302
export DTSEN_INCOME_GRPC_ADDR=127.0.0.1:9303 DTSEN_SERVICEUSAGE_GRPC_ADDR=127.0.0.1:9304
export DTSEN_SCORING_GRPC_ADDR=127.0.0.1:9305 DTSEN_GRIEVANCE_GRPC_ADDR=127.0.0.1:9306
export DTSEN_GATEWAY_HTTP_ADDR=127.0.0.1:8380
export DTSEN_REGISTRY_METRICS_ADDR=127.0.0.1:9401 DTSEN_ASSET_METRICS_ADDR=127.0.0.1:9402
export DTSEN_INCOME_METRICS_ADDR=127.0.0.1:9403 DTSEN_SERVICEUSAGE_METRICS_ADDR=127.0.0.1:9404
export DTSEN_SCORING_METRICS_ADDR=127.0.0.1:9405 DTSEN_GRIEVANCE_METRICS_ADDR=127.0.0.1:9406
export DTSEN_GATEWAY_METRICS_ADDR=127.0.0.1:9408
unset DTSEN_DATABASE_URL

log="$scratch/platform.log"
setsid deploy/local/run.sh >"$log" 2>&1 &
platform=$!
cleanup() {
  # run.sh stops the processes it supervises on TERM. (A background job of a
  # script ignores SIGINT, so Ctrl-C's signal would not reach its trap.)
  kill -TERM "$platform" 2>/dev/null || true
  wait "$platform" 2>/dev/null || true
  cp "$log" "$artefacts/platform.log" 2>/dev/null || true
  rm -rf "$artefacts/service-logs" && cp -r "$DTSEN_VAR_DIR/log" "$artefacts/service-logs" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

for i in $(seq 1 1200); do
  grep -q 'Press Ctrl-C to stop' "$log" && break
  if ! kill -0 "$platform" 2>/dev/null || ((i == 1200)); then
    echo "the platform did not start; its output:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  sleep 0.5
done

# DTSEN_DEMO_KK/NIK/REGION and DTSEN_TOKEN_<PERSONA>.
# shellcheck source=/dev/null
source "$DTSEN_VAR_DIR/dev-issuer/tokens.env"
cd gateway/browsertest
[[ -d node_modules/playwright-core ]] || npm ci --no-audit --no-fund
status=0
DTSEN_BASE_URL="http://$DTSEN_GATEWAY_HTTP_ADDR" DTSEN_CHROMIUM="$chromium" DTSEN_BROWSER_ARTEFACTS="$artefacts" \
  npm test || status=$?

# No service log may hold a full NIK (DESIGN.md §6), after everything this
# run did: seeding, training, ranking, the check, the cases, the pages. The
# dev issuer's console and run.sh's own output print the demo persona's NIK
# for the developer on purpose, so they are not service logs.
niks=$(grep -o '"nik": *"[0-9]\{16\}"' "$DTSEN_VAR_DIR"/population-*/registry.jsonl | grep -o '[0-9]\{16\}' | sort -u)
found=$(cd "$DTSEN_VAR_DIR/log" && grep -ohw '[0-9]\{16\}' registry.log asset.log income.log serviceusage.log scoring.log grievance.log gateway.log |
  sort -u | comm -12 - <(echo "$niks") | head -n 3 || true)
if [[ -n $found ]]; then
  echo "a service log holds a full NIK (first ones, masked here: $(echo "$found" | sed 's/^\(......\).*\(..\)$/\1********\2/' | tr '\n' ' '))" >&2
  status=1
else
  echo "no service log holds any of the population's $(echo "$niks" | wc -l) NIKs"
fi
exit $status
