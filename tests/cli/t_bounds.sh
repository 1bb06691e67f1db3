#!/bin/sh
# Bounds under attack: a burst of TCP SYNs to 1,000,000 distinct
# destinations (2001:db8:100::/40, a "US" block of the test geodb), as fast
# as the test can send them on the veth, at an agent with a 50,000-flow
# table and a slow alert command. Every table stays within its bound, the
# evictions and drops are counted in `stats`, memory is measured, and
# decisions continue afterwards.
. tests/cli/lib.sh
. tests/cli/netns.sh

if ! netns_can; then
	echo "skip - bounds tests need root and ip netns"
	exit 0
fi
netns_up || { fail "network namespaces set up"; exit 1; }

: "${BURST:=1000000}"
cp tests/fixtures/geo.csv "$T/geo.csv"
echo '2001:db8:100::/40,US' >>"$T/geo.csv"
"$EEAGUARD" geodb build --csv "$T/geo.csv" -o "$T/geo.mmdb" 2>/dev/null
echo 'consents = ();' >"$T/consent.conf"
cat >"$T/eeaguard.conf" <<C
agent: { interfaces = ["vc"]; flow_capacity = 50000; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/consent.conf"; audit_log = "$T/consent.log"; };
scopes = ( { name = "acme-app"; customers = ["acme"];
             match = { src = ["192.0.2.10/32", "2001:db8::10/128"]; }; } );
alerts: { stdout = true; syslog = false; jsonl = ""; dedup_window = 0; stats_interval = 1;
          exec = "sleep 0.5"; };
C

# The agent's 1,000,000 events go through a pipe to a counter that keeps
# only the lines that matter here.
ip netns exec "$NS_CLI" timeout 300 "$EEAGUARD" agent -c "$T/eeaguard.conf" 2>"$T/err" |
	awk -v d="$T" '
	/"event":"violation"/ { v++; if (v % 5000 == 0) print v > (d "/progress"); close(d "/progress"); if (index($0, "198.51.100.7")) print > (d "/after"); next }
	/"event":"stats"/ { print > (d "/stats"); next }
	{ print > (d "/other"); fflush(d "/other") }
	END { print v + 0 > (d "/violations") }' &
pipe=$!
wait_for "$T/other" '"event":"agent_started"' 10 || fail "agent started" "$(cat "$T/err")"
apid=$(pgrep -f "eeaguard agent -c $T/eeaguard.conf" | while read -r p; do
	[ "$(cat "/proc/$p/comm")" = eeaguard ] && echo "$p"; done | head -n 1)
mac=$(ip -n "$NS_SRV" -o link show vs | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

ip netns exec "$NS_CLI" "$TOOLS/synburst" -i vc --src 2001:db8::10 \
    --dst-prefix 2001:db8:100::/40 --count "$BURST" --dst-mac "$mac" \
    --max-seconds 60 >"$T/burst" 2>&1
sent=$(sed -n 's/^synburst: sent \([0-9]*\) SYNs.*/\1/p' "$T/burst")
[ "${sent:-0}" -eq "$BURST" ] && ok "burst: $(grep '^synburst: sent' "$T/burst")" ||
	fail "burst sent" "$(cat "$T/burst")"

# Wait until the agent has read what the kernel kept (no new violations
# for 2 s), then ask for a decision on a real connection.
last=-1
i=0
while [ "$i" -lt 120 ]; do
	sleep 1
	now=$(grep -c . "$T/progress" 2>/dev/null; cat "$T/progress" 2>/dev/null)
	[ "$now" = "$last" ] && break
	last=$now
	i=$((i + 1))
done
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$apid/status")
ip netns exec "$NS_SRV" "$TOOLS/netpeer" listen 198.51.100.7 443 10 >"$T/srv" &
wait_for "$T/srv" listening 5
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 100 0 5 >/dev/null
sleep 1.5
kill -TERM "$apid"
wait "$pipe"
wait

v=$(cat "$T/violations")
grep -q . "$T/after" && ok "decisions continue after the burst (a violation for 198.51.100.7)" ||
	fail "decisions continue after the burst" "$(tail -3 "$T/other")"
stats=$(tail -n 1 "$T/stats")
num() { printf '%s' "$stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
drops=$(num pcap_drops_vc)
seen=$(num flows_outbound)
echo "# burst: $sent SYNs, $v violations, $seen outbound flows, ${drops:-?} pcap drops, peak RSS $((hwm / 1024)) MiB"
[ "$((v + drops))" -ge $((sent * 99 / 100)) ] &&
	ok "every SYN is a decision or a counted drop ($v decided + $drops dropped of $sent)" ||
	fail "every SYN is a decision or a counted drop" "$v decided, $drops dropped, $sent sent"
[ "$(num flows_active)" -le 50000 ] && [ "$(num flows_evicted)" -gt 0 ] &&
	ok "flow table within its 50,000 ($(num flows_active) active, $(num flows_evicted) evicted)" ||
	fail "flow table within its bound" "$stats"
[ "$(num names_cached)" -le 65536 ] && ok "name cache within its bound ($(num names_cached))" ||
	fail "name cache within its bound" "$stats"
[ "$(num attrib_cached)" -le 65536 ] &&
	ok "attribution cache within its bound ($(num attrib_cached), $(num attrib_queries) queries)" ||
	fail "attribution cache within its bound" "$stats"
# at most 4 alert commands at once, the rest counted as dropped
max_running=$(sed -n 's/.*"exec_running":\([0-9]*\).*/\1/p' "$T/stats" | sort -n | tail -n 1)
[ "${max_running:-9}" -le 4 ] && [ "$(num exec_dropped)" -gt 0 ] &&
	ok "exec children within 4 (at most $max_running seen), $(num exec_dropped) alerts dropped and counted" ||
	fail "exec children bounded" "max running ${max_running:-?}" "$stats"
[ "$hwm" -le $((256 * 1024)) ] && ok "peak RSS $((hwm / 1024)) MiB (bound 256 MiB)" ||
	fail "peak RSS within 256 MiB" "$((hwm / 1024)) MiB"
grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$T/err" &&
	fail "no sanitizer report" "$(head -c 1200 "$T/err")"
exit 0
