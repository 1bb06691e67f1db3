#!/bin/sh
# The Prometheus textfile: written with the stats, counters right, and every
# line valid in the text exposition format (a strict check; promtool too
# when it is installed).
. tests/cli/lib.sh

"$TOOLS/pcapgen" deploy/demo/flows.txt "$T/demo.pcap"
sed "s|alerts: {|alerts: { metrics_file = \"$T/eeaguard.prom\";|" deploy/demo/eeaguard.conf >"$T/demo.conf"
cp deploy/demo/consent.conf "$T/consent.conf"
run "$EEAGUARD" agent -r "$T/demo.pcap" -c "$T/demo.conf"
expect_rc "replay with metrics_file" 0
m="$T/eeaguard.prom"
[ -s "$m" ] && ok "metrics file written" || fail "metrics file written"
grep -qx 'eeaguard_packets_total 108' "$m" && ok "packets counted" || fail "packets counted" "$(head -3 "$m")"
grep -qx 'eeaguard_decisions_total{verdict="violation"} 2' "$m" &&
	grep -qx 'eeaguard_decisions_total{verdict="allow-consent"} 1' "$m" &&
	ok "decisions by verdict" || fail "decisions by verdict" "$(grep decisions "$m")"
grep -qx 'eeaguard_violations_total{customer="acme",country="US"} 2' "$m" &&
	ok "violations by customer and country" || fail "violations by customer and country" "$(grep violations "$m")"
grep -qx 'eeaguard_consents_active 1' "$m" && ok "consents in force" || fail "consents in force" "$(grep consents "$m")"
# Strict format: comments are HELP/TYPE of a known shape, TYPE before its
# samples, sample lines name{labels} value, names with _total are counters.
bad=$(awk '
	/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
	/^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge)$/ { type[$3] = $4; next }
	/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? -?[0-9.eE+]+$/ {
		n = $0; sub(/[{ ].*/, "", n)
		if (!(n in type)) { print NR ": no TYPE before " n; next }
		if (n ~ /_total$/ && type[n] != "counter") print NR ": " n " is not a counter"
		next }
	{ print NR ": " $0 }' "$m")
[ -z "$bad" ] && ok "every line is valid exposition format" || fail "exposition format" "$bad"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$m" >"$T/pt" 2>&1 && ok "promtool accepts it" || fail "promtool" "$(cat "$T/pt")"
fi
