#!/bin/sh
# make bench: figures, not pass/fail. Every figure is set against a baseline
# measured in the same run, since these machines are shared and noisy.
set -eu
cd "$(dirname "$0")/../.."
: "${EEAGUARD:=build/eeaguard}" "${TOOLS:=build/tools}"
tmp=$(mktemp -d /tmp/eeaguard-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "== world country database build (tor-geoipdb, IPv4 + IPv6)"
s=$(date +%s.%N)
cat /usr/share/tor/geoip /usr/share/tor/geoip6 >/dev/null
m=$(date +%s.%N)
"$EEAGUARD" geodb build --tor /usr/share/tor/geoip --tor6 /usr/share/tor/geoip6 -o "$tmp/w.mmdb"
e=$(date +%s.%N)
awk -v s="$s" -v m="$m" -v e="$e" -v z="$(stat -c %s "$tmp/w.mmdb")" 'BEGIN {
	printf "  read inputs (baseline) %.2f s; full build %.2f s (%.0fx); %.1f MB\n",
	    m - s, e - m, (e - m) / (m - s), z / 1e6 }'

echo "== lookups and decisions"
"$TOOLS/bench_rules" build/country.mmdb deploy/eeaguard.conf deploy/consent.conf
