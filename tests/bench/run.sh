#!/bin/sh
# make bench: figures, not pass/fail. Every figure is set against a baseline
# measured in the same run, since these machines are shared and noisy.
set -eu
cd "$(dirname "$0")/../.."
: "${EEAGUARD:=build/eeaguard}" "${TOOLS:=build/tools}"
: "${BENCH_PACKETS:=3000000}"
tmp=$(mktemp -d /tmp/eeaguard-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# secs CMD...: wall seconds of one run (stdout discarded)
secs() {
	"$TOOLS/runstat" "$@" 2>&1 >/dev/null | sed -n 's/^runstat: \([0-9.]*\) s.*/\1/p'
}
# best3 CMD...: the fastest of three runs
best3() {
	a=$(secs "$@"); b=$(secs "$@"); c=$(secs "$@")
	printf '%s\n%s\n%s\n' "$a" "$b" "$c" | sort -n | head -1
}
rss() {
	"$TOOLS/runstat" "$@" 2>&1 >/dev/null | sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p'
}

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

echo "== enforcement (root, in a private network namespace)"
"$TOOLS/bench_enforce" build/country.mmdb

echo "== agent replay: $BENCH_PACKETS packets (SYNs, data, DNS), snap 96"
"$TOOLS/pcapgen" --bench 0 "$tmp/empty.pcap" 2>/dev/null || printf 'start 2026-01-01T00:00:00Z\n' | "$TOOLS/pcapgen" - "$tmp/empty.pcap"
start=$(best3 "$EEAGUARD" agent -r "$tmp/empty.pcap" -c tests/bench/agent.conf)
for flows in 2000 100000; do
	"$TOOLS/pcapgen" --bench "$BENCH_PACKETS" --flows "$flows" --snap 96 "$tmp/b.pcap"
	base=$(best3 "$TOOLS/pcapread" "$tmp/b.pcap")
	agent=$(best3 "$EEAGUARD" agent -r "$tmp/b.pcap" -c tests/bench/agent.conf)
	awk -v n="$BENCH_PACKETS" -v f="$flows" -v b="$base" -v a="$agent" -v s="$start" 'BEGIN {
		printf "  %6d flows: bare libpcap read %.3f s (%.2f Mpps); agent %.3f s (%.2f Mpps)\n", f, b, n / b / 1e6, a, n / a / 1e6
		printf "               ratio agent/bare %.2f end to end; %.2f after start-up (%.3f s: geodb check, flow table)\n", b / a, b / (a - s), s }'
	rm -f "$tmp/b.pcap"
done

echo "== memory: 1,000,000 flows in the table"
"$TOOLS/pcapgen" --bench 1100000 --flows 1000000 --snap 96 "$tmp/m.pcap"
kib=$(rss "$EEAGUARD" agent -r "$tmp/m.pcap" -c tests/bench/agent.conf)
base=$(rss "$TOOLS/pcapread" "$tmp/m.pcap")
awk -v k="$kib" -v b="$base" 'BEGIN { printf "  peak RSS %.1f MiB (bare libpcap read %.1f MiB)\n", k / 1024, b / 1024 }'

echo "== report: 1,000,000 events (eeaguard report over a synthetic events file)"
"$TOOLS/eventgen" 1000000 "$tmp/events.jsonl"
base=$(best3 wc -l "$tmp/events.jsonl")
text=$(best3 "$EEAGUARD" report --events "$tmp/events.jsonl" --now 2026-12-01T00:00:00Z)
json=$(best3 "$EEAGUARD" report --events "$tmp/events.jsonl" --now 2026-12-01T00:00:00Z --format json)
gzip -1 -c "$tmp/events.jsonl" >"$tmp/events.jsonl.gz"
gz=$(best3 "$EEAGUARD" report --events "$tmp/events.jsonl.gz" --now 2026-12-01T00:00:00Z)
kib=$(rss "$EEAGUARD" report --events "$tmp/events.jsonl" --now 2026-12-01T00:00:00Z)
awk -v b="$base" -v t="$text" -v j="$json" -v g="$gz" -v k="$kib" \
    -v mb="$(stat -c %s "$tmp/events.jsonl")" 'BEGIN {
	printf "  wc -l (baseline) %.3f s; report text %.3f s (%.2f M events/s, %.0f MB/s, %.0fx wc -l)\n", b, t, 1 / t, mb / t / 1e6, t / b
	printf "  report json %.3f s; from gzip %.3f s; peak RSS %.1f MiB\n", j, g, k / 1024 }'
rm -f "$tmp/events.jsonl" "$tmp/events.jsonl.gz"
