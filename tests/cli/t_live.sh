#!/bin/sh
# Live monitor mode in network namespaces: a real TCP connection to a
# "US" test host is a violation; a SIGHUP with a broken configuration keeps
# the old one (config_error); a register change is picked up by itself.
. tests/cli/lib.sh
. tests/cli/netns.sh

if ! netns_can; then
	echo "skip - live tests need root and ip netns"
	exit 0
fi
netns_up || { fail "network namespaces set up"; exit 1; }

"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" 2>/dev/null
cat >"$T/eeaguard.conf" <<C
agent: { interfaces = ["vc"]; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/consent.conf"; audit_log = "$T/consent.log"; };
scopes = ( { name = "acme-app"; customers = ["acme"];
             match = { src = ["192.0.2.10/32", "2001:db8::10/128"]; protocols = ["tcp"]; }; } );
alerts: { stdout = true; syslog = false; jsonl = "$T/events.jsonl"; dedup_window = 0; };
C
echo 'consents = ();' >"$T/consent.conf"

ip netns exec "$NS_SRV" "$TOOLS/netpeer" listen 198.51.100.7 443 25 >"$T/srv1" &
ip netns exec "$NS_SRV" "$TOOLS/netpeer" listen 2001:db8:1::7 443 25 >"$T/srv2" &
ip netns exec "$NS_SRV" "$TOOLS/netpeer" listen 192.0.2.20 443 25 >"$T/srv3" &
ip netns exec "$NS_CLI" timeout 40 "$EEAGUARD" agent -c "$T/eeaguard.conf" -v \
    >"$T/out" 2>"$T/err" &
agent=$!
wait_for "$T/out" '"event":"agent_started"' 10 && ok "agent started on vc" ||
	fail "agent started on vc" "$(cat "$T/err")"
wait_for "$T/srv1" listening 5

ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 1000 100 5 >/dev/null
wait_for "$T/out" '"dst":"198.51.100.7"' 5
grep '"dst":"198.51.100.7"' "$T/out" | head -1 >"$T/v1"
grep -q '"event":"violation".*"src":"192.0.2.10".*"country":"US".*"scope":"acme-app".*"iface":"vc"' "$T/v1" &&
	ok "live TCP connection to the US host is a violation" ||
	fail "live violation" "$(cat "$T/out")"
grep -q '"midstream":false' "$T/v1" && ok "live flow seen from its SYN" || fail "live flow seen from its SYN" "$(cat "$T/v1")"

ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 2001:db8:1::7 443 1000 100 5 >/dev/null
wait_for "$T/out" '"dst":"2001:db8:1::7"' 5 && ok "live IPv6 violation" || fail "live IPv6 violation" "$(cat "$T/out")"
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 192.0.2.20 443 1000 0 5 >/dev/null
wait_for "$T/out" '"verdict":"allow-eea"' 5 && ok "live EEA flow allowed" || fail "live EEA flow allowed" "$(cat "$T/out")"
policy=$(sed -n 's/.*"event":"violation".*"policy":"\([0-9a-f]*\)".*/\1/p' "$T/v1")

# A broken configuration and SIGHUP: the old one stays, config_error says why.
cp "$T/eeaguard.conf" "$T/good.conf"
printf 'agent: { mode = "sideways"; };\n' >"$T/eeaguard.conf.new"
mv "$T/eeaguard.conf.new" "$T/eeaguard.conf"
kill -HUP "$agent"
wait_for "$T/out" '"event":"config_error"' 5 && ok "SIGHUP with a broken config: config_error" ||
	fail "SIGHUP with a broken config: config_error" "$(tail -5 "$T/out")"
grep '"event":"config_error"' "$T/out" | grep -q 'agent.mode' &&
	ok "config_error names the setting" || fail "config_error names the setting" "$(grep config_error "$T/out")"
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 10 0 5 >/dev/null
sleep 0.5
n=$(grep -c "\"event\":\"violation\".*\"dst\":\"198.51.100.7\".*\"policy\":\"$policy\"" "$T/out")
[ "$n" -eq 2 ] && ok "the old configuration stays in force" ||
	fail "the old configuration stays in force" "$n violations with policy $policy" "$(tail -3 "$T/out")"
mv "$T/good.conf" "$T/eeaguard.conf"
wait_for "$T/out" '"event":"config_reloaded","what":"config"' 3 &&
	ok "the repaired configuration is picked up by itself" ||
	fail "the repaired configuration is picked up by itself" "$(tail -3 "$T/out")"

# Legal records a consent: the agent picks the register up by itself.
cat >"$T/consent.new" <<R
consents = ( { id = "C-1"; customer = "acme"; countries = ["US"];
  networks = ["198.51.100.0/24"]; purpose = "test"; document = "DMS-1";
  granted_by = "DPO"; signed = "2026-01-01"; } );
R
mv "$T/consent.new" "$T/consent.conf"
wait_for "$T/out" '"what":"register"' 2 && ok "register change picked up within 2 s" ||
	fail "register change picked up within 2 s" "$(tail -3 "$T/out")"
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 10 0 5 >/dev/null
wait_for "$T/out" '"event":"consent_transfer"' 5 && ok "the new consent allows the transfer" ||
	fail "the new consent allows the transfer" "$(tail -3 "$T/out")"

kill -TERM "$agent"
wait "$agent"
rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit 0" "exit $rc" "$(cat "$T/err")"
grep -q '"event":"agent_stopped".*"reason":"SIGTERM"' "$T/out" && ok "agent_stopped on SIGTERM" ||
	fail "agent_stopped on SIGTERM" "$(tail -2 "$T/out")"
cmp -s "$T/out" "$T/events.jsonl" && ok "the JSON-lines file holds the same events" ||
	fail "the JSON-lines file holds the same events" "$(diff "$T/out" "$T/events.jsonl" | head)"
no_sanitizer_report "live agent: no sanitizer report"
wait
