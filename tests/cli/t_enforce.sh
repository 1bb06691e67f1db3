#!/bin/sh
# Enforce mode in network namespaces. Reactive: a scoped client's data
# never reaches the "US" host. Preventive: its packets never leave; drops
# arrive as `blocked` events; a consent opens the way within 2 s and a
# revocation closes it again; kill -9 leaves the table; a restart replaces
# it without a window.
. tests/cli/lib.sh
. tests/cli/netns.sh

if ! netns_can || ! command -v nft >/dev/null 2>&1; then
	echo "skip - enforcement tests need root, ip netns and nft"
	exit 0
fi
netns_up || { fail "network namespaces set up"; exit 1; }

"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" 2>/dev/null
chmod 755 "$T"
conf() { # conf MODE: writes eeaguard.conf for reactive or preventive
	cat >"$T/eeaguard.conf" <<C
agent: { mode = "enforce"; enforce = "$1"; interfaces = ["vc"]; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/consent.conf"; };
scopes = ( { name = "payroll"; customers = ["acme"]; match = { uids = [65534]; }; } );
alerts: { stdout = true; syslog = false; jsonl = ""; dedup_window = 0; stats_interval = 1; };
C
}
echo 'consents = ();' >"$T/consent.conf"
start_agent() { # start_agent OUTFILE
	ip netns exec "$NS_CLI" timeout 60 "$EEAGUARD" agent -c "$T/eeaguard.conf" >"$1" 2>>"$T/err" &
	agent=$!
	wait_for "$1" '"event":"agent_started"' 15 || fail "agent started" "$(cat "$T/err")"
}
as_nobody() { # as_nobody ADDR BYTES DELAY_MS TIMEOUT: connect as uid 65534
	ip netns exec "$NS_CLI" setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$TOOLS/netpeer" connect "$1" 443 "$2" "$3" "$4"
}
server() { # server ADDR SECONDS OUT
	ip netns exec "$NS_SRV" "$TOOLS/netpeer" listen "$1" 443 "$2" >"$3" &
	servers="$servers $!"
	wait_for "$3" listening 5
}

# ---- reactive
conf reactive
start_agent "$T/r.out"
server 198.51.100.7 8 "$T/us"
server 192.0.2.20 8 "$T/nl"
# The client pauses 150 ms after connecting, as over a WAN, then sends.
r=$(as_nobody 198.51.100.7 5000 150 3)
case "$r" in error:*) ok "reactive: the scoped client's connection is cut ($r)" ;;
*) fail "reactive: the scoped client's connection is cut" "$r" ;; esac
r=$(as_nobody 192.0.2.20 5000 150 3)
[ "$r" = "sent 5000" ] && ok "reactive: the same client to the NL host transfers" ||
	fail "reactive: the same client to the NL host transfers" "$r"
r=$(ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 100 150 3)
[ "$r" = "sent 100" ] && ok "reactive: an unscoped uid is alerted on, not blocked (policy.unscoped = alert)" ||
	fail "reactive: unscoped uid not blocked" "$r"
# shellcheck disable=SC2086
wait $servers
servers=""
grep -q '^received 0$' "$T/us" || grep -q '^received 100$' "$T/us"
us=$(sed -n 's/^received //p' "$T/us")
[ "$us" = 100 ] && ok "reactive: the US host received 0 bytes from the scoped client" ||
	fail "reactive: the US host received 0 bytes from the scoped client" "received $us (100 are the unscoped client's)"
grep -q '"event":"violation","verdict":"violation","action":"block".*"uid":65534' "$T/r.out" &&
	ok "reactive: a violation event with action block" || fail "reactive: violation event" "$(grep violation "$T/r.out")"
grep -q '"event":"unscoped".*"action":"alert".*"uid":0' "$T/r.out" &&
	ok "reactive: the unscoped flow's event" || fail "reactive: the unscoped flow's event" "$(grep -v '"stats"' "$T/r.out")"
wait_for "$T/r.out" '"block_us_p99"' 3
sed -n 's/.*"block_us_p50":\([0-9]*\),"block_us_p99":\([0-9]*\).*/reactive block latency: median \1 us, p99 \2 us/p' "$T/r.out" | tail -1
kill -TERM "$agent"; wait "$agent"
ip netns exec "$NS_CLI" nft list table inet eeaguard >/dev/null 2>&1 &&
	ok "reactive: the table stays after the agent stops (fail closed)" ||
	fail "reactive: the table stays after the agent stops"

# ---- preventive
conf preventive
start_agent "$T/p.out"
ip netns exec "$NS_SRV" timeout 20 tcpdump -i vs -n -w "$T/us.pcap" \
    'src host 192.0.2.10 and dst host 198.51.100.7 and tcp dst port 443 and tcp[tcpflags] & tcp-syn != 0' \
    2>/dev/null &
tcpd=$!
sleep 1
server 198.51.100.7 18 "$T/us2"
r=$(as_nobody 198.51.100.7 100 0 1)
case "$r" in *"timed out"*) ok "preventive: the scoped client's SYN never gets an answer" ;;
*) fail "preventive: the scoped client cannot connect" "$r" ;; esac
wait_for "$T/p.out" '"event":"blocked"' 3 &&
	ok "preventive: nflog drops arrive as blocked events" || fail "preventive: blocked events" "$(tail -3 "$T/p.out")"
grep -q '"event":"blocked","verdict":"violation","action":"block".*"dst":"198.51.100.7".*"uid":65534' "$T/p.out" &&
	ok "preventive: the blocked event carries the violation's fields" ||
	fail "preventive: the blocked event's fields" "$(grep blocked "$T/p.out" | head -1)" "$(tail -3 "$T/err")"
kill "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
n=$(tcpdump -r "$T/us.pcap" -n 2>/dev/null | wc -l)
[ "$n" -eq 0 ] && ok "preventive: the US host's capture sees no SYN from the scoped client" ||
	fail "preventive: the US host's capture sees 0 packets" "$n packets"

# Legal records a consent for the network: open within 2 s.
cat >"$T/consent.new" <<R
consents = ( { id = "C-1"; customer = "acme"; countries = ["US"];
  networks = ["198.51.100.0/24"]; purpose = "test"; document = "DMS-1";
  granted_by = "DPO"; signed = "2026-01-01"; } );
R
mv "$T/consent.new" "$T/consent.conf"
sleep 2
r=$(as_nobody 198.51.100.7 100 0 2)
[ "$r" = "sent 100" ] && ok "preventive: a consent added opens the connection within 2 s" ||
	fail "preventive: a consent added opens the connection within 2 s" "$r"
sed -i 's/signed = "2026-01-01";/signed = "2026-01-01"; revoked = true; revoked_at = "2026-02-01"; revoked_by = "legal"; revoke_reason = "ended";/' "$T/consent.conf"
sleep 2
r=$(as_nobody 198.51.100.7 100 0 1)
case "$r" in *"timed out"*) ok "preventive: revoked, it fails again within 2 s" ;;
*) fail "preventive: revoked, it fails again within 2 s" "$r" ;; esac

# kill -9: the table stays in force; a restart replaces it with no window.
pkill -9 -f "eeaguard agent -c $T/eeaguard.conf"; wait "$agent" 2>/dev/null
r=$(as_nobody 198.51.100.7 100 0 1)
case "$r" in *"timed out"*) ok "kill -9: the blocks stay in force" ;;
*) fail "kill -9: the blocks stay in force" "$r" ;; esac
ip netns exec "$NS_CLI" nft -j list table inet eeaguard >"$T/before.json"
start_agent "$T/p2.out" &
st=$!
r=$(as_nobody 198.51.100.7 100 0 2)
case "$r" in *"timed out"*) ok "restart: a connection during the restart is still dropped" ;;
*) fail "restart: a connection during the restart is still dropped" "$r" ;; esac
wait "$st"
r=$(as_nobody 198.51.100.7 100 0 1)
case "$r" in *"timed out"*) ok "restart: dropped after the restart" ;;
*) fail "restart: dropped after the restart" "$r" ;; esac
pkill -TERM -f "eeaguard agent -c $T/eeaguard.conf"
sleep 0.5
no_sanitizer_report "enforcing agent: no sanitizer report"
wait
