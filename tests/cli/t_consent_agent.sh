#!/bin/sh
# eeaguard consent with the agent, end to end: a consent recorded through the
# CLI changes the replayed decisions, and a running agent's decisions within
# 2 seconds; a revocation changes them back.
. tests/cli/lib.sh

"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" 2>/dev/null
chmod 755 "$T"
cat >"$T/eeaguard.conf" <<C
agent: { local_networks = ["192.0.2.10/32"]; interfaces = ["vc"]; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/consent.conf"; audit_log = "$T/consent.log"; };
scopes = ( { name = "app"; customers = ["acme"]; match = { src = ["192.0.2.10/32"]; }; } );
alerts: { stdout = true; syslog = false; jsonl = ""; dedup_window = 0; };
C
echo 'consents = ();' >"$T/consent.conf"
printf 'start 2026-11-26T07:10:00Z\n+0 tcp 192.0.2.10:40001 > 198.51.100.7:443 S\n' >"$T/f.txt"
"$TOOLS/pcapgen" "$T/f.txt" "$T/f.pcap"
verdict() { "$EEAGUARD" agent -c "$T/eeaguard.conf" -r "$T/f.pcap" 2>/dev/null |
	sed -n 's/.*"event":"\(violation\|consent_transfer\)".*/\1/p'; }

[ "$(verdict)" = violation ] && ok "replay: no consent, a violation" || fail "replay: no consent" "$(verdict)"
run "$EEAGUARD" consent add -c "$T/eeaguard.conf" --customer acme --countries US \
    --networks 198.51.100.0/24 --purpose "support" --document "DMS-1" \
    --granted-by "DPO Acme" --signed 2026-01-01
expect_rc "consent add" 0
[ "$(verdict)" = consent_transfer ] && ok "replay: after consent add, allowed by consent" ||
	fail "replay: after consent add" "$(verdict)"
id=$(sed -n 's/.*id = "\(C-[0-9]*-[0-9]*\)".*/\1/p' "$T/consent.conf" | head -1)
run "$EEAGUARD" consent revoke -c "$T/eeaguard.conf" "$id" --reason "contract ended"
expect_rc "consent revoke" 0
[ "$(verdict)" = violation ] && ok "replay: after revoke, a violation again" ||
	fail "replay: after revoke" "$(verdict)"
run "$EEAGUARD" consent verify -c "$T/eeaguard.conf"
expect_rc "verify: the history proves both changes" 0

# Live: the same against a running agent.
. tests/cli/netns.sh
if ! netns_can; then
	echo "skip - live part needs root and ip netns"
	exit 0
fi
netns_up || { fail "network namespaces set up"; exit 1; }
ip netns exec "$NS_SRV" "$TOOLS/netpeer" listen 198.51.100.7 443 15 >"$T/srv" &
ip netns exec "$NS_CLI" timeout 30 "$EEAGUARD" agent -c "$T/eeaguard.conf" >"$T/out" 2>"$T/err" &
agent=$!
wait_for "$T/out" '"event":"agent_started"' 10 || fail "agent started" "$(cat "$T/err")"
wait_for "$T/srv" listening 5
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 10 0 3 >/dev/null
wait_for "$T/out" '"event":"violation"' 3 && ok "live: no consent in force, a violation" ||
	fail "live: a violation" "$(tail -2 "$T/out")"
"$EEAGUARD" consent add -c "$T/eeaguard.conf" --customer acme --countries US \
    --networks 198.51.100.0/24 --purpose "support" --document "DMS-2" \
    --granted-by "DPO Acme" --signed 2026-01-01 >/dev/null 2>&1
wait_for "$T/out" '"consents_active":1' 2 && ok "live: the agent picks the added consent up within 2 s" ||
	fail "live: consent picked up" "$(tail -2 "$T/out")"
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 10 0 3 >/dev/null
wait_for "$T/out" '"event":"consent_transfer"' 3 && ok "live: now allowed by the consent" ||
	fail "live: allowed by the consent" "$(tail -2 "$T/out")"
id=$(sed -n 's/.*id = "\(C-[0-9]*-[0-9]*\)".*/\1/p' "$T/consent.conf" | tail -1)
"$EEAGUARD" consent revoke -c "$T/eeaguard.conf" "$id" --reason "ended" >/dev/null 2>&1
wait_for "$T/out" '"consents_active":0' 2 && ok "live: the revocation is picked up within 2 s" ||
	fail "live: revocation picked up" "$(tail -2 "$T/out")"
ip netns exec "$NS_CLI" "$TOOLS/netpeer" connect 198.51.100.7 443 10 0 3 >/dev/null
sleep 0.3
[ "$(grep -c '"event":"violation"' "$T/out")" -eq 2 ] && ok "live: a violation again after the revocation" ||
	fail "live: violation after revocation" "$(grep -v stats "$T/out" | tail -3)"
kill -TERM "$agent"; wait "$agent"
no_sanitizer_report "agent with consent edits: no sanitizer report"
