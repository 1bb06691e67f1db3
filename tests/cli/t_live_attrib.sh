#!/bin/sh
# Live process attribution in network namespaces: two programs under
# different uids (and cgroups) connect to the same "US" host; the events
# carry each one's uid, pid, comm, exe and cgroup, and only the scoped one
# is a violation.
. tests/cli/lib.sh
. tests/cli/netns.sh

if ! netns_can; then
	echo "skip - live tests need root and ip netns"
	exit 0
fi
netns_up || { fail "network namespaces set up"; exit 1; }
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cgname="eeaguard-test-$$"
if [ -n "$cg2" ] && mkdir "$cg2/$cgname" 2>/dev/null; then
	trap 'netns_down; rmdir "$cg2/$cgname" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
else
	cg2=""
fi

"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" 2>/dev/null
# The scoped program: a copy of netpeer named payroll-sync, run as nobody.
cp "$TOOLS/netpeer" "$T/payroll-sync"
chmod 755 "$T" "$T/payroll-sync"
if [ -n "$cg2" ]; then
	match='uids = [65534]; comms = ["payroll*"]; cgroups = ["/eeaguard-test-*"];'
else
	match='uids = [65534]; comms = ["payroll*"];'
fi
cat >"$T/eeaguard.conf" <<C
agent: { interfaces = ["vc"]; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/consent.conf"; };
scopes = ( { name = "payroll"; customers = ["acme"]; match = { $match }; } );
alerts: { stdout = true; syslog = false; jsonl = ""; dedup_window = 0; stats_interval = 1; };
C
echo 'consents = ();' >"$T/consent.conf"

ip netns exec "$NS_SRV" "$TOOLS/netpeer" listen 198.51.100.7 443 20 >"$T/srv" &
ip netns exec "$NS_CLI" timeout 30 "$EEAGUARD" agent -c "$T/eeaguard.conf" >"$T/out" 2>"$T/err" &
agent=$!
wait_for "$T/out" '"event":"agent_started"' 10 || fail "agent started" "$(cat "$T/err")"
wait_for "$T/srv" listening 5

# The scoped one: uid 65534, comm payroll-sync, in the test cgroup.
# (ip netns exec remounts /sys: join the cgroup before entering the netns)
sh -c '
	[ -n "$1" ] && echo $$ > "$1/cgroup.procs"
	exec ip netns exec "$2" setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$3" connect 198.51.100.7 443 100 100 5
' sh "${cg2:+$cg2/$cgname}" "$NS_CLI" "$T/payroll-sync" >"$T/c1" &
c1=$!
# The other one: root, comm netpeer.
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 100 100 5 >"$T/c2" &
c2=$!
wait $c1 $c2
wait_for "$T/out" '"comm":"netpeer"' 5

v=$(grep '"event":"violation"' "$T/out")
u=$(grep '"event":"unscoped"' "$T/out")
echo "$v" | grep -q '"scope":"payroll".*"uid":65534,"pid":[0-9][0-9]*,"comm":"payroll-sync","exe":"[^"]*payroll-sync"' &&
	ok "the scoped program's flow is a violation with its uid, pid, comm, exe" ||
	fail "scoped program attributed" "$v" "$(cat "$T/err")"
if [ -n "$cg2" ]; then
	echo "$v" | grep -q "\"cgroup\":\"/$cgname\"" && ok "its cgroup is recorded" ||
		fail "its cgroup is recorded" "$v"
fi
echo "$u" | grep -q '"uid":0,"pid":[0-9][0-9]*,"comm":"netpeer"' &&
	ok "the other program (root) is unscoped, with its own uid and comm" ||
	fail "the other program is unscoped" "$u"
[ "$(grep -c '"event":"violation"' "$T/out")" -eq 1 ] && ok "only the scoped program is a violation" ||
	fail "only the scoped program is a violation" "$(grep '"event":"violation"' "$T/out")"

wait_for "$T/out" '"attrib_us_p99"' 3
kill -TERM "$agent"
wait "$agent"
sed -n 's/.*"attrib_queries":\([0-9]*\).*"attrib_us_p50":\([0-9]*\),"attrib_us_p99":\([0-9]*\).*/attribution: \1 queries, median \2 us, p99 \3 us/p' "$T/out" | tail -1
cat "$T/out" >/tmp/attrib_out; cat "$T/c1" > /tmp/attrib_c1
no_sanitizer_report "attributing agent: no sanitizer report"
wait
