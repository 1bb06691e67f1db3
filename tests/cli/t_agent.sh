#!/bin/sh
# eeaguard agent: refusals of bad input, each with exit 1 and a named file.
. tests/cli/lib.sh

"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" 2>/dev/null
cat >"$T/ok.conf" <<C
agent: { local_networks = ["10.0.0.0/8"]; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/none.conf"; };
alerts: { syslog = false; jsonl = ""; };
C

run "$EEAGUARD" agent -c "$T/ok.conf" -r "$T/missing.pcap"
expect_rc "missing capture exits 1" 1
expect_err_has "missing capture is named" "$T/missing.pcap"

head -c 2000 /dev/urandom >"$T/garbage.pcap"
run "$EEAGUARD" agent -c "$T/ok.conf" -r "$T/garbage.pcap"
expect_rc "garbage capture exits 1" 1
expect_err_has "garbage capture is named" "$T/garbage.pcap"
no_sanitizer_report "garbage capture: no sanitizer report"

# A capture whose last packet is cut short by the end of the file.
printf 'start 2026-11-26T07:10:00Z\n+0 tcp 10.1.2.3:1 > 198.51.100.7:443 S\n+0 tcp 10.1.2.3:2 > 198.51.100.7:443 S\n' >"$T/two.txt"
"$TOOLS/pcapgen" "$T/two.txt" "$T/two.pcap"
size=$(stat -c %s "$T/two.pcap")
head -c $((size - 10)) "$T/two.pcap" >"$T/cut.pcap"
run "$EEAGUARD" agent -c "$T/ok.conf" -r "$T/cut.pcap"
expect_rc "capture cut short exits 1" 1
expect_out_has "decisions before the cut are kept" '"sport":1,'
expect_out_has "the cut is a capture_error event" '"event":"capture_error"'

# 802.11 radiotap (DLT 127): refused by name.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\177\000\000\000' >"$T/wifi.pcap"
run "$EEAGUARD" agent -c "$T/ok.conf" -r "$T/wifi.pcap"
expect_rc "unsupported link type exits 1" 1
expect_err_has "unsupported link type is named" "is not supported"

printf 'agent: { mode = "watch"; };\n' >"$T/bad.conf"
run "$EEAGUARD" agent -c "$T/bad.conf" -r "$T/two.pcap"
expect_rc "bad config exits 1" 1
expect_err_has "bad config names file, line and setting" "$T/bad.conf:1: agent.mode"

run "$EEAGUARD" agent -c "$T/ok.conf" -r "$T/two.pcap" --mode sideways
expect_rc "bad --mode exits 1" 1

run "$EEAGUARD" agent -c "$T/ok.conf" -r "$T/two.pcap" --format text
expect_rc "text format replay" 0
expect_out_has "text format is readable" "UNSCOPED tcp 10.1.2.3:1 -> 198.51.100.7:443"

# Every event carries the policy and geodb fingerprints.
run "$EEAGUARD" agent -c "$T/ok.conf" -r "$T/two.pcap"
h=$(sha256sum "$T/geo.mmdb" | cut -c1-12)
expect_out_has "geodb fingerprint is the file's SHA-256" "/$h\""
