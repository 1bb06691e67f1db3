#!/bin/sh
# Started by hand as root with --user, the agent runs as that user with only
# the capabilities its mode needs (read from /proc/PID/status).
. tests/cli/lib.sh
. tests/cli/netns.sh

if ! netns_can; then
	echo "skip - needs root and ip netns"
	exit 0
fi
netns_up || { fail "network namespaces set up"; exit 1; }
"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" 2>/dev/null
chmod 755 "$T"
chmod 644 "$T/geo.mmdb"
for mode in monitor enforce; do
	cat >"$T/$mode.conf" <<C
agent: { mode = "$mode"; interfaces = ["vc"]; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/consent.conf"; };
alerts: { stdout = true; syslog = false; jsonl = ""; };
C
	chmod 644 "$T/$mode.conf"
done
echo 'consents = ();' >"$T/consent.conf"
chmod 644 "$T/consent.conf"

caps_of() { # caps_of MODE WANT_HEX: the agent's CapEff as its user
	ip netns exec "$NS_CLI" timeout 20 "$EEAGUARD" agent -c "$T/$1.conf" --user nobody \
	    >"$T/$1.out" 2>"$T/$1.err" &
	wait_for "$T/$1.out" '"event":"agent_started"' 10
	pid=$(pgrep -f "eeaguard agent -c $T/$1.conf --user" | while read -r p; do
		[ "$(cat /proc/"$p"/comm)" = eeaguard ] && echo "$p"; done | head -1)
	eff=$(awk '/^CapEff/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
	uid=$(awk '/^Uid/ { print $3 }' /proc/"$pid"/status 2>/dev/null)
	kill -TERM "$pid" 2>/dev/null
	[ "$uid" = 65534 ] && ok "$1 mode: runs as nobody" || fail "$1 mode: runs as nobody" "uid $uid" "$(cat "$T/$1.err")"
	[ "$((0x$eff))" -eq "$(($2))" ] && ok "$1 mode: CapEff is exactly $2" ||
		fail "$1 mode: CapEff is exactly $2" "CapEff $eff" "$(cat "$T/$1.err")"
}
# monitor: NET_RAW (13), DAC_READ_SEARCH (2), SYS_PTRACE (19)
caps_of monitor 0x82004
# enforce: and NET_ADMIN (12)
caps_of enforce 0x83004
wait
cat "$T/monitor.err" "$T/enforce.err" >"$T/err"
no_sanitizer_report "agent as nobody: no sanitizer report"
