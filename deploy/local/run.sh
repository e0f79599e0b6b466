#!/usr/bin/env bash
# Starts the DTSEN platform on one machine for `make run`: a development token
# issuer (DEVELOPMENT ONLY: `dtsenctl dev-issuer`), every service and the
# gateway as separate processes talking gRPC on loopback, on the embedded
# SQLite default, with no other dependency; then seeds a synthetic population
# of DTSEN_DEMO_FAMILIES families (default 20000) into every context with
# `dtsenctl seed` (a no-op on later starts: the batches replay) and prints
# persona tokens to try the API with. Ctrl-C stops them all.
#
# DTSEN_VAR_DIR (default ./var) holds the databases, the logs, the population
# and the dev issuer's key, secrets and tokens; a scratch directory and other
# DTSEN_*_ADDR ports give a second, independent platform.
set -euo pipefail
cd "$(dirname "$0")/../.."

var="${DTSEN_VAR_DIR:-./var}"
export DTSEN_DEV_ISSUER_ADDR="${DTSEN_DEV_ISSUER_ADDR:-127.0.0.1:9100}"
export DTSEN_DEV_ISSUER_DIR="${DTSEN_DEV_ISSUER_DIR:-$var/dev-issuer}"
export DTSEN_REGISTRY_GRPC_ADDR="${DTSEN_REGISTRY_GRPC_ADDR:-127.0.0.1:9101}"
export DTSEN_ASSET_GRPC_ADDR="${DTSEN_ASSET_GRPC_ADDR:-127.0.0.1:9102}"
export DTSEN_INCOME_GRPC_ADDR="${DTSEN_INCOME_GRPC_ADDR:-127.0.0.1:9103}"
export DTSEN_SERVICEUSAGE_GRPC_ADDR="${DTSEN_SERVICEUSAGE_GRPC_ADDR:-127.0.0.1:9104}"
export DTSEN_SCORING_GRPC_ADDR="${DTSEN_SCORING_GRPC_ADDR:-127.0.0.1:9105}"
export DTSEN_GRIEVANCE_GRPC_ADDR="${DTSEN_GRIEVANCE_GRPC_ADDR:-127.0.0.1:9106}"
export DTSEN_GATEWAY_HTTP_ADDR="${DTSEN_GATEWAY_HTTP_ADDR:-127.0.0.1:8080}"
# Each process's Prometheus /metrics (docs/operations.md).
export DTSEN_REGISTRY_METRICS_ADDR="${DTSEN_REGISTRY_METRICS_ADDR:-127.0.0.1:9201}"
export DTSEN_ASSET_METRICS_ADDR="${DTSEN_ASSET_METRICS_ADDR:-127.0.0.1:9202}"
export DTSEN_INCOME_METRICS_ADDR="${DTSEN_INCOME_METRICS_ADDR:-127.0.0.1:9203}"
export DTSEN_SERVICEUSAGE_METRICS_ADDR="${DTSEN_SERVICEUSAGE_METRICS_ADDR:-127.0.0.1:9204}"
export DTSEN_SCORING_METRICS_ADDR="${DTSEN_SCORING_METRICS_ADDR:-127.0.0.1:9205}"
export DTSEN_GRIEVANCE_METRICS_ADDR="${DTSEN_GRIEVANCE_METRICS_ADDR:-127.0.0.1:9206}"
export DTSEN_GATEWAY_METRICS_ADDR="${DTSEN_GATEWAY_METRICS_ADDR:-127.0.0.1:9208}"
# Everyone finds everyone on loopback.
export DTSEN_ASSET_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_INCOME_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_SERVICEUSAGE_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_SCORING_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_GRIEVANCE_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_SCORING_ASSET_ADDR="$DTSEN_ASSET_GRPC_ADDR"
export DTSEN_SCORING_INCOME_ADDR="$DTSEN_INCOME_GRPC_ADDR"
export DTSEN_SCORING_SERVICEUSAGE_ADDR="$DTSEN_SERVICEUSAGE_GRPC_ADDR"
export DTSEN_SCORING_GRIEVANCE_ADDR="$DTSEN_GRIEVANCE_GRPC_ADDR"
export DTSEN_GRIEVANCE_ASSET_ADDR="$DTSEN_ASSET_GRPC_ADDR"
export DTSEN_GRIEVANCE_INCOME_ADDR="$DTSEN_INCOME_GRPC_ADDR"
export DTSEN_GRIEVANCE_SERVICEUSAGE_ADDR="$DTSEN_SERVICEUSAGE_GRPC_ADDR"
export DTSEN_GATEWAY_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_GATEWAY_ASSET_ADDR="$DTSEN_ASSET_GRPC_ADDR"
export DTSEN_GATEWAY_INCOME_ADDR="$DTSEN_INCOME_GRPC_ADDR"
export DTSEN_GATEWAY_SERVICEUSAGE_ADDR="$DTSEN_SERVICEUSAGE_GRPC_ADDR"
export DTSEN_GATEWAY_SCORING_ADDR="$DTSEN_SCORING_GRPC_ADDR"
export DTSEN_GATEWAY_GRIEVANCE_ADDR="$DTSEN_GRIEVANCE_GRPC_ADDR"
export DTSEN_CTL_REGISTRY_ADDR="$DTSEN_REGISTRY_GRPC_ADDR"
export DTSEN_CTL_ASSET_ADDR="$DTSEN_ASSET_GRPC_ADDR"
export DTSEN_CTL_INCOME_ADDR="$DTSEN_INCOME_GRPC_ADDR"
export DTSEN_CTL_SERVICEUSAGE_ADDR="$DTSEN_SERVICEUSAGE_GRPC_ADDR"
export DTSEN_CTL_SCORING_ADDR="$DTSEN_SCORING_GRPC_ADDR"
services=(registry asset income serviceusage scoring grievance)
# DTSEN_DATABASE_URL (PostgreSQL, say) applies to every service unless a
# service's own URL is set, so only the SQLite default follows DTSEN_VAR_DIR.
if [[ -z "${DTSEN_DATABASE_URL:-}" ]]; then
  for s in "${services[@]}"; do
    v="DTSEN_${s^^}_DATABASE_URL"
    export "$v=${!v:-sqlite:$var/$s.db}"
  done
fi
families="${DTSEN_DEMO_FAMILIES:-20000}"
population="$var/population-$families-1"
mkdir -p "$var/log"

pids=()
stop() {
  local code=$?
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
  exit "$code"
}
trap stop INT TERM EXIT

# The supervisor's bookkeeping: which process a pid is, and how to start it
# again.
declare -A name_of=() cmd_of=()
start() { # name, then the command; logs go to $var/log/NAME.log
  local name=$1; shift
  "$@" >>"$var/log/$name.log" 2>&1 &
  pids+=($!)
  name_of[$!]=$name
  cmd_of[$name]="$*"
}

# The issuer first: every service verifies tokens against it, and the
# workloads' own credentials come from it. Its files are rewritten before it
# serves discovery; removing them first means a stale copy (or another
# issuer already on the port) is never mistaken for this one.
rm -f "$DTSEN_DEV_ISSUER_DIR/workloads.env" "$DTSEN_DEV_ISSUER_DIR/tokens.env"
# Its log holds the tokens it prints: for this user's eyes only.
touch "$var/log/dev-issuer.log" && chmod 600 "$var/log/dev-issuer.log"
start dev-issuer bin/dtsenctl dev-issuer --families "$families" --seed 1
issuer="http://$DTSEN_DEV_ISSUER_ADDR"
for i in $(seq 1 300); do
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "the development token issuer did not start; $var/log/dev-issuer.log says:" >&2
    tail -n 5 "$var/log/dev-issuer.log" >&2
    exit 1
  fi
  if [[ -s "$DTSEN_DEV_ISSUER_DIR/workloads.env" ]] &&
    curl -fsS "$issuer/.well-known/openid-configuration" >/dev/null 2>&1; then
    break
  fi
  if ((i == 300)); then
    echo "the development token issuer does not answer at $issuer; see $var/log/dev-issuer.log" >&2
    exit 1
  fi
  sleep 0.1
done
# DTSEN_AUTH_ISSUER and each workload's DTSEN_<SVC>_AUTH_CLIENT_ID/_SECRET.
# shellcheck source=/dev/null
source "$DTSEN_DEV_ISSUER_DIR/workloads.env"

# The registry first, listening before the others start: they cross-check
# imports against it, and a connection refused at their start-up leaves
# their channel backing off for a while, failing the first imports.
start registry bin/registry
for i in $(seq 1 300); do
  (exec 3<>"/dev/tcp/${DTSEN_REGISTRY_GRPC_ADDR%:*}/${DTSEN_REGISTRY_GRPC_ADDR##*:}") 2>/dev/null && break
  if ((i == 300)) || ! kill -0 "${pids[-1]}" 2>/dev/null; then
    echo "the registry does not listen on $DTSEN_REGISTRY_GRPC_ADDR; $var/log/registry.log says:" >&2
    tail -n 5 "$var/log/registry.log" >&2
    exit 1
  fi
  sleep 0.1
done
for s in "${services[@]:1}"; do start "$s" "bin/$s"; done
start gateway bin/gateway

# Generates (or reuses) the population and imports every context, the
# registry first: the other contexts cross-check their records against it.
# It authenticates as the dev issuer's data-exchange hub client; a persona
# token left in this shell (DTSEN_TOKEN) would be refused the imports.
echo "seeding $families demo families into every context (progress below; Ctrl-C stops, the next start resumes)"
env -u DTSEN_TOKEN -u DTSEN_CTL_TOKEN -u DTSEN_CTL_CLIENT_ID -u DTSEN_CTL_CLIENT_SECRET \
  bin/dtsenctl seed --families "$families" --seed 1 --dir "$population"

for _ in $(seq 1 100); do
  curl -fsS "http://$DTSEN_GATEWAY_HTTP_ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

# DTSEN_DEMO_KK/NIK/REGION and DTSEN_TOKEN_<PERSONA>.
# shellcheck source=/dev/null
source "$DTSEN_DEV_ISSUER_DIR/tokens.env"
kk=$DTSEN_DEMO_KK
nik=$DTSEN_DEMO_NIK
gw="http://$DTSEN_GATEWAY_HTTP_ADDR"
tokens="$DTSEN_DEV_ISSUER_DIR/tokens.env"

# The welfare model and the national ranking, as the central administrator:
# trained on the demo's survey-measured consumption and activated on the
# first start, ranked whenever no ranking run has succeeded yet (a later
# start keeps both; `dtsenctl rank --wait` ranks again).
ctl_admin() { DTSEN_TOKEN=$DTSEN_TOKEN_ADMIN bin/dtsenctl "$@"; }
if ! ctl_admin model list -o json | grep -q MODEL_STATE_ACTIVE; then
  echo "training the welfare models (regression PMT baseline, then boosted trees) on the survey-measured families"
  ctl_admin model train --kind ols >/dev/null
  gbt=$(ctl_admin model train --kind gbt -o json | grep -o '"name": *"models/[^"]*"' | head -n 1 | sed 's/.*"models\///; s/"$//')
  ctl_admin model activate "$gbt" --reason "make run: the demo's first model" >/dev/null
  echo "activated model $gbt"
fi
if ! curl -fsS -H "Authorization: Bearer $DTSEN_TOKEN_ADMIN" "$gw/v1/rankingRuns?pageSize=1000" | grep -q RUN_STATE_SUCCEEDED; then
  # A fixed run id: after a Ctrl-C mid-run the service resumes the run at
  # its next start, and this follows it instead of starting another.
  echo "ranking every family into national deciles and deciding eligibility"
  ctl_admin rank --wait --run-id make-run-first-ranking >/dev/null
fi
# A few demo cases for the officer's queue, as the people who file them
# would; the request ids make a restart find them instead of filing again.
file_case() { # token, JSON body; prints the case's state and name
  curl -fsS -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' "$gw/v1/cases" -d "$2" |
    { tr -d '\n'; echo; } | sed -n 's/.*"name": *"\(cases\/[^"]*\)".*"state": *"CASE_STATE_\([A-Z]*\)".*/\2 \1/p' ||
    echo "could not file a demo case; see $var/log/grievance.log" >&2
}
case_step() { # token, case name, :action, JSON body
  curl -fsS -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' "$gw/v1/$2$3" -d "$4" >/dev/null ||
    echo "could not take the demo case's step $3; see $var/log/grievance.log" >&2
}
file_case "$DTSEN_TOKEN_CITIZEN" '{"requestId":"make-run-demo-objection","caseType":"CASE_TYPE_EXCLUSION_OBJECTION","family":"families/'"$kk"'","description":"Rumah kami berlantai tanah dan kami tidak punya motor; desil kami terlalu tinggi."}' >/dev/null
read -r corr_state corr_name < <(file_case "$DTSEN_TOKEN_CITIZEN" '{"requestId":"make-run-demo-correction","caseType":"CASE_TYPE_DATA_CORRECTION","family":"families/'"$kk"'","correction":{"context":"asset","field":"housing.floor_material","currentValue":"CERAMIC","proposedValue":"EARTH"},"description":"Lantai rumah kami tanah, bukan keramik."}') || true
# The correction goes the whole way, as the district office and its field
# verifier would take it: the grievance workload then applies it to the
# asset context, and scoring re-scores the family from the asset feed.
if [[ ${corr_state:-} == SUBMITTED ]]; then
  case_step "$DTSEN_TOKEN_DISTRICT_OFFICER" "$corr_name" :triage '{"reason":"make run: demo"}'
  case_step "$DTSEN_TOKEN_DISTRICT_OFFICER" "$corr_name" :assign '{"assignee":"demo-field-verifier-'"${DTSEN_DEMO_REGION:0:8}"'"}'
  case_step "$DTSEN_TOKEN_FIELD_VERIFIER" "$corr_name" :recordVerification '{"verification":{"visitDate":"'"$(date -u +%F)"'","latitude":-6.9,"longitude":107.6,"familyFound":true,"answers":{"asset.housing.floor_material":"EARTH","kondisi_dinding":"bambu"},"photos":[{"ref":"demo/lantai-depan.jpg","caption":"lantai tanah"}]}}'
  case_step "$DTSEN_TOKEN_DISTRICT_OFFICER" "$corr_name" :decide '{"approve":true,"reason":"Kunjungan lapangan: lantai rumah memang tanah."}'
fi
file_case "$DTSEN_TOKEN_VILLAGE_OPERATOR" '{"requestId":"make-run-demo-registration","caseType":"CASE_TYPE_NEW_REGISTRATION","region":"'"$DTSEN_DEMO_REGION"'","registration":{"headName":"Siti Aminah","memberCount":4,"address":"RT 003 RW 002"},"description":"Keluarga pindahan belum terdaftar."}' >/dev/null

deciles=""
while read -r ekk _; do
  d=$(DTSEN_TOKEN=$DTSEN_TOKEN_ADMIN bin/dtsenctl score "$ekk" -o json | grep -o '"decile": *[0-9]*' | grep -o '[0-9]*$' || true)
  deciles+="  $ekk  desil ${d:--}"$'\n'
done < <(bin/dtsenctl examples --families "$families" --seed 1 --dir "$population" -n 5 -o plain)

cat <<MSG

DTSEN is running (SQLite under $var, logs under $var/log).

  REST gateway       $gw
  Web pages          $gw/  (Cek DTSEN: try NIK $DTSEN_DEMO_NIK with KK $DTSEN_DEMO_KK)
                     $gw/officer  $gw/analyst  $gw/admin  (sign in: $gw/officer#token=<a token below>)
  OpenAPI            $gw/openapi.json  (browsable: $gw/docs)
  Metrics            http://$DTSEN_GATEWAY_METRICS_ADDR/metrics (gateway), http://$DTSEN_REGISTRY_METRICS_ADDR/metrics (registry), …
  gRPC (reflection)  registry $DTSEN_REGISTRY_GRPC_ADDR, asset $DTSEN_ASSET_GRPC_ADDR,
                     income $DTSEN_INCOME_GRPC_ADDR, serviceusage $DTSEN_SERVICEUSAGE_GRPC_ADDR,
                     scoring $DTSEN_SCORING_GRPC_ADDR, grievance $DTSEN_GRIEVANCE_GRPC_ADDR
  Token issuer       $issuer  (DEVELOPMENT ONLY; docs/security.md)

Demo data: $families synthetic families ($population; reused on restart).
Families to try (KK, head's NIK, head, members, village):
$(bin/dtsenctl examples --families "$families" --seed 1 --dir "$population" -n 3 | sed 's/^/  /')

Their national deciles (desil 1 = poorest tenth) after the ranking run:
$deciles
Every call needs a bearer token. Persona tokens, valid 12 h and minted afresh at each start, are
in $tokens; the personas are placed around family $kk (village $DTSEN_DEMO_REGION):
$(sed 's/^/  /' "$DTSEN_DEV_ISSUER_DIR/personas.txt")

Ready to paste, the district officer (dinsos) of ${DTSEN_DEMO_REGION:0:5} reading that family:
  curl -s -H "Authorization: Bearer $DTSEN_TOKEN_DISTRICT_OFFICER" $gw/v1/families/$kk

Try, in another shell from this directory:
  source $tokens
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_OTHER_DISTRICT_OFFICER" $gw/v1/families/$kk   # refused: REGION_OUT_OF_SCOPE
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_CITIZEN" $gw/v1/persons/$nik
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_ANALYST" $gw/v1/families/$kk                  # refused: AGGREGATES_ONLY
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_PROVINCIAL_OFFICER" $gw/v1/families/$kk       # identities masked
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_DISTRICT_OFFICER" $gw/v1/families/$kk/assets  # also economics, serviceUsage
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_DISTRICT_OFFICER" '$gw/v1/families?pageSize=2'
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_ADMIN" $gw/v1/services/registry/auditEvents    # who read what
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_CITIZEN" $gw/v1/families/$kk/score            # desil and why
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_CITIZEN" $gw/v1/families/$kk/eligibility      # programmes and reasons
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_ANALYST" $gw/v1/transitionReport               # DTKS -> DTSEN, counts only
  curl -s -H "Authorization: Bearer \$DTSEN_TOKEN_DISTRICT_OFFICER" $gw/v1/cases                 # the case queue, most overdue first
  export DTSEN_TOKEN=\$DTSEN_TOKEN_DISTRICT_OFFICER
  bin/dtsenctl get family $kk
  bin/dtsenctl get assets $kk          # also: person NIK, economics, serviceusage; -o json for JSON
  bin/dtsenctl score $kk               # desil, flags and the factors behind it; --lang en
  DTSEN_TOKEN=\$DTSEN_TOKEN_ADMIN bin/dtsenctl model list       # also: model evaluate ID, rank --wait
  bin/dtsenctl cases list              # the demo cases; cases show|triage|assign|verify|decide (docs/dtsenctl.md)
  bin/dtsenctl token --role field_verifier --region 32.04.12   # mint your own (dev only)
  grpcurl -plaintext -H "authorization: Bearer \$DTSEN_TOKEN" -d '{"name":"families/$kk"}' $DTSEN_REGISTRY_GRPC_ADDR dtsen.registry.v1.RegistryService/GetFamily

Press Ctrl-C to stop.
MSG

# Supervise: a process that dies is restarted after a back-off that doubles
# from 1 s to 30 s, and said so here and in its log; one that dies five times
# within two minutes stops the platform instead of flapping out of sight.
# Ctrl-C stops everything (the trap above).
declare -A deaths=()
while true; do
  exited=""
  wait -n -p exited "${pids[@]}" || true
  [[ -n $exited ]] || continue
  name=${name_of[$exited]}
  live=()
  for pid in "${pids[@]}"; do [[ $pid == "$exited" ]] || live+=("$pid"); done
  pids=("${live[@]}")
  now=$(date +%s)
  recent=""
  for t in ${deaths[$name]:-} "$now"; do ((now - t < 120)) && recent+=" $t"; done
  deaths[$name]=$recent
  n=$(wc -w <<<"$recent")
  if ((n >= 5)); then
    echo "$name died $n times in two minutes; stopping the platform (see $var/log/$name.log)" >&2
    exit 1
  fi
  backoff=$((1 << (n - 1)))
  ((backoff > 30)) && backoff=30
  echo "$name exited; restarting it in ${backoff}s (see $var/log/$name.log)" >&2
  echo "run.sh: $name exited; restarted after ${backoff}s" >>"$var/log/$name.log"
  sleep "$backoff"
  # shellcheck disable=SC2086 # the command is words, as start() was given them
  start "$name" ${cmd_of[$name]}
done
