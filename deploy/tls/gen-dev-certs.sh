#!/usr/bin/env bash
# Generates a development CA and one certificate per DTSEN workload, for
# running the platform with mutual TLS on one machine or in a test cluster.
# Production certificates come from cert-manager (see cert-manager.yaml).
#
# Usage: deploy/tls/gen-dev-certs.sh [-o DIR] [-n NAMESPACE] [-d DAYS] [-f] [WORKLOAD...]
#   -o DIR        output directory (default ./var/tls)
#   -n NAMESPACE  Kubernetes namespace for the service DNS SANs (default dtsen)
#   -d DAYS       validity of the workload certificates (default 30)
#   -f            replace the CA too; by default an existing CA is reused so
#                 certificates issued earlier stay valid
#   WORKLOAD...   default: registry asset income serviceusage scoring grievance gateway
#
# Writes DIR/ca.crt (+ ca.key) and DIR/WORKLOAD/{tls.crt,tls.key,ca.crt}: the
# layout of a cert-manager Secret, so the same three variables work locally
# and in a pod. Every certificate is valid as server and client (mutual TLS)
# for WORKLOAD, WORKLOAD.NAMESPACE, WORKLOAD.NAMESPACE.svc,
# WORKLOAD.NAMESPACE.svc.cluster.local, localhost, 127.0.0.1 and ::1.
set -euo pipefail

out=./var/tls
ns=dtsen
days=30
force=
while getopts "o:n:d:fh" opt; do
  case $opt in
    o) out=$OPTARG ;;
    n) ns=$OPTARG ;;
    d) days=$OPTARG ;;
    f) force=1 ;;
    h) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [-o DIR] [-n NAMESPACE] [-d DAYS] [-f] [WORKLOAD...] (-h for help)" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(registry asset income serviceusage scoring grievance gateway)
for w in "${workloads[@]}"; do # names become DNS labels and paths
  case $w in *[!a-z0-9-]*|"") echo "bad workload name: $w (lower-case letters, digits and -)" >&2; exit 2 ;; esac
done

command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
umask 077 # private keys must not be readable by other users
mkdir -p "$out"
tmp=$(mktemp -d "$out/.tmp.XXXXXX") # same filesystem: the mv below is a rename
trap 'rm -rf "$tmp"' EXIT

if [ -n "$force" ] || [ ! -s "$out/ca.crt" ] || [ ! -s "$out/ca.key" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days 365 -subj "/O=DTSEN/CN=DTSEN dev CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.crt"
  echo "new CA: $out/ca.crt"
else
  echo "reusing CA: $out/ca.crt (-f replaces it)"
fi

for w in "${workloads[@]}"; do
  dir="$out/$w"
  mkdir -p "$dir"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/tls.key"
  openssl req -new -key "$tmp/tls.key" -subj "/O=DTSEN/CN=$w" -out "$tmp/tls.csr"
  cat >"$tmp/ext.cnf" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:$w, DNS:$w.$ns, DNS:$w.$ns.svc, DNS:$w.$ns.svc.cluster.local, DNS:localhost, IP:127.0.0.1, IP:::1
EXT
  openssl x509 -req -in "$tmp/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -CAserial "$tmp/ca.srl" -sha256 -days "$days" -extfile "$tmp/ext.cnf" -out "$tmp/tls.crt" 2>/dev/null
  # Rename into place, like a Secret update, so a running service that
  # reloads on change never reads a certificate without its key.
  cp "$out/ca.crt" "$tmp/ca.crt"
  mv -f "$tmp/tls.key" "$dir/tls.key"
  mv -f "$tmp/tls.crt" "$dir/tls.crt"
  mv -f "$tmp/ca.crt" "$dir/ca.crt"
  chmod 644 "$dir/tls.crt" "$dir/ca.crt"
  echo "$w: $dir/tls.crt (valid $days days)"
done
chmod 644 "$out/ca.crt"

cat <<MSG

Run a workload with mutual TLS:
  export DTSEN_TLS_CERT_FILE=$out/registry/tls.crt DTSEN_TLS_KEY_FILE=$out/registry/tls.key DTSEN_TLS_CA_FILE=$out/ca.crt
MSG
