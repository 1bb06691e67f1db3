#!/bin/sh
# Faults while the agent runs live, with UDP traffic (one new flow per
# datagram) between the test namespaces:
#   - the JSON-lines file's disk fills up and frees again
#   - kill -9 during heavy event output
#   - log rotation (rename + SIGHUP) under load
#   - the geodb replaced by rename 100 times and truncated in place
#   - 1,000 SIGHUPs alternating valid and invalid configurations
. tests/cli/lib.sh
. tests/cli/netns.sh

if ! netns_can; then
	echo "skip - fault tests need root and ip netns"
	exit 0
fi
netns_up || { fail "network namespaces set up"; exit 1; }
trap 'umount "$T/small" 2>/dev/null; netns_down; rm -rf "$T"' EXIT INT TERM

"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geoA.mmdb" 2>/dev/null
sed 's/^198.51.100.0\/24,US$/198.51.100.0\/24,CA/' tests/fixtures/geo.csv >"$T/geoB.csv"
"$EEAGUARD" geodb build --csv "$T/geoB.csv" -o "$T/geoB.mmdb" 2>/dev/null
cp "$T/geoA.mmdb" "$T/geo.mmdb"
echo 'consents = ();' >"$T/consent.conf"

# conf FILE JSONL [SCOPE]: a configuration writing events to stdout and JSONL
conf() {
	cat >"$1" <<C
agent: { interfaces = ["vc"]; local_networks = ["192.0.2.10/32"]; };
geodb: { path = "$T/geo.mmdb"; };
consent: { register = "$T/consent.conf"; audit_log = "$T/consent.log"; };
scopes = ( { name = "${3:-acme-app}"; customers = ["acme"];
             match = { src = ["192.0.2.10/32"]; }; } );
alerts: { stdout = true; syslog = false; jsonl = "$2"; dedup_window = 0;
          stats_interval = 1; };
C
}

# start NAME CONF: the agent in the client namespace; $agent is the
# timeout(1) wrapper (it passes on one signal only: SIGTERM for stop),
# $apid the agent itself.
start() {
	ip netns exec "$NS_CLI" timeout 120 "$EEAGUARD" agent -c "$2" \
	    >"$T/$1.out" 2>"$T/$1.err" &
	agent=$!
	if ! wait_for "$T/$1.out" '"event":"agent_started"' 10; then
		fail "$1: agent started" "$(cat "$T/$1.err")"
		return 1
	fi
	apid=$(pgrep -P "$agent" | head -n 1)
}

# stop NAME: SIGTERM; the agent must exit 0 after a clean run
stop() {
	kill -TERM "$agent"
	wait "$agent"
	rc=$?
	[ "$rc" -eq 0 ] && ok "$1: exit 0 on SIGTERM" ||
		fail "$1: exit 0 on SIGTERM" "exit $rc" "$(tail -5 "$T/$1.err")"
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$T/$1.err"; then
		fail "$1: no sanitizer report" "$(head -c 1200 "$T/$1.err")"
	fi
}

# flood COUNT RATE SECONDS: one UDP datagram per new flow to the US host
flood() {
	ip netns exec "$NS_CLI" "$TOOLS/netpeer" udp 198.51.100.7 "$1" "$2" "$3"
}

# whole_lines NAME FILE...: every line of the files is one JSON object
whole_lines() {
	name=$1
	shift
	bad=""
	for f in "$@"; do
		[ -s "$f" ] || continue
		# a snapshot: the agent may still be appending (stats)
		cp "$f" "$T/snap"
		f=$T/snap
		if [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
			bad="$bad $f: ends mid-line;"
		elif ! jq -c . "$f" >"$T/parsed" 2>"$T/jq.err"; then
			bad="$bad $f: $(head -c 200 "$T/jq.err");"
		elif [ "$(wc -l <"$T/parsed")" -ne "$(wc -l <"$f")" ] ||
		    [ "$(grep -vc '^{.*}$' "$T/parsed")" -ne 0 ]; then
			bad="$bad $f: a line is not one JSON object: $(grep -vn '^{.*}$' "$f" | head -c 300);"
		fi
	done
	[ -z "$bad" ] && ok "$name" || fail "$name" "$bad"
}

count() { grep -c -- "$1" "$2"; }

# FAULTS="full kill rotate geodb storm" (the default) picks the parts to run
want() { case " ${FAULTS:-full kill rotate geodb storm} " in *" $1 "*) return 0 ;; esac; return 1; }

# --- full disk ---------------------------------------------------------------
# A 256 KiB tmpfs with 192 KiB taken: the events file fills it after about
# a hundred lines; the ballast goes, and writing resumes.
mkdir "$T/small"
if ! want full; then
	:
elif mount -t tmpfs -o size=256k,mode=0755 eeaguard-test "$T/small"; then
	dd if=/dev/zero of="$T/small/ballast" bs=1k count=192 2>/dev/null
	conf "$T/full.conf" "$T/small/events.jsonl"
	start full "$T/full.conf"
	flood 600 2000 10 >/dev/null
	wait_for "$T/full.out" '"sink":"jsonl","message":"cannot write' 5 &&
		ok "full disk: a sink_error event on the other sinks" ||
		fail "full disk: a sink_error event on the other sinks" "$(tail -3 "$T/full.out")"
	grep '"event":"sink_error"' "$T/full.out" | head -n 1 | grep -q 'No space left on device' &&
		ok "full disk: the sink_error says why" ||
		fail "full disk: the sink_error says why" "$(grep sink_error "$T/full.out")"
	sleep 0.5
	n=$(count '"event":"violation"' "$T/full.out")
	[ "$n" -eq 600 ] && ok "full disk: the agent keeps deciding (600 of 600 flows on stdout)" ||
		fail "full disk: the agent keeps deciding" "$n violations on stdout, want 600"
	i=0
	while ! grep -q '"event":"stats".*"jsonl_errors":[1-9]' "$T/full.out" && [ "$i" -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep '"event":"stats"' "$T/full.out" | tail -n 1 | grep -q '"jsonl_errors":[1-9]' &&
		ok "full disk: counted in stats (jsonl_errors)" ||
		fail "full disk: counted in stats" "$(grep '"event":"stats"' "$T/full.out" | tail -n 1)"
	whole_lines "full disk: every line in the full file is whole" "$T/small/events.jsonl"
	before=$(count '"event":"violation"' "$T/small/events.jsonl")

	rm "$T/small/ballast"
	flood 50 2000 10 >/dev/null
	wait_for "$T/full.out" 'event lines were lost' 5 &&
		ok "full disk: writing resumes when space returns, saying how many were lost" ||
		fail "full disk: writing resumes" "$(tail -3 "$T/full.out")"
	sleep 0.5
	after=$(count '"event":"violation"' "$T/small/events.jsonl")
	lost=$(sed -n 's/.*event lines were lost","count":\([0-9]*\).*/\1/p' "$T/small/events.jsonl")
	[ "$after" -ge $((before + 50)) ] &&
		ok "full disk: the 50 later violations are in the file ($before before)" ||
		fail "full disk: later violations in the file" "$before before, $after after"
	[ "$((before + ${lost:-0}))" -ge 600 ] &&
		ok "full disk: lines in the file + the lost count cover every event ($before + $lost)" ||
		fail "full disk: lost count" "$before in the file, ${lost:-?} lost"
	stop full
	whole_lines "full disk: every line is whole after resuming" "$T/small/events.jsonl"
	umount "$T/small"
else
	fail "full disk: mount a tmpfs" "mount -t tmpfs failed"
fi

# --- kill -9 during heavy output ---------------------------------------------
conf "$T/kill.conf" "$T/kill.jsonl"
want kill && for round in 1 2 3; do
	start kill "$T/kill.conf" || break
	flood 100000 0 10 >/dev/null &
	fl=$!
	i=0
	while [ "$(wc -l <"$T/kill.jsonl")" -lt $((round * 1500)) ] && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL "$apid"
	wait "$agent" 2>/dev/null
	pkill -P "$fl" 2>/dev/null; kill "$fl" 2>/dev/null
	wait "$fl" 2>/dev/null
done
if want kill; then
	n=$(wc -l <"$T/kill.jsonl")
	[ "$n" -ge 4500 ] && ok "kill -9: three agents killed during heavy output ($n lines)" ||
		fail "kill -9: heavy output" "$n lines"
	whole_lines "kill -9: the file holds only whole lines" "$T/kill.jsonl"
fi

# --- log rotation under load -------------------------------------------------
rotate() {
	mkdir "$T/rot"
	conf "$T/rot.conf" "$T/rot/events.jsonl"
	start rot "$T/rot.conf"
	flood 8000 4000 10 >/dev/null &
	fl=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.15
		mv "$T/rot/events.jsonl" "$T/rot/events.jsonl.$i"
		kill -HUP "$apid"
		# the agent reopens (recreates) the file before the next round
		j=0
		while [ ! -e "$T/rot/events.jsonl" ] && [ "$j" -lt 50 ]; do
			sleep 0.05
			j=$((j + 1))
		done
	done
	wait "$fl"
	sleep 1
	stop rot
	n=$(ls "$T/rot" | wc -l)
	cat "$T/rot"/events.jsonl* | sort >"$T/rot.files"
	sort "$T/rot.out" >"$T/rot.stdout"
	v=$(count '"event":"violation"' "$T/rot.stdout")
	[ "$n" -ge 10 ] && [ "$v" -ge 7000 ] && cmp -s "$T/rot.files" "$T/rot.stdout" &&
		ok "rotation: the lines across $n files equal the $(wc -l <"$T/rot.stdout") events emitted ($v violations)" ||
		fail "rotation: lines across the files equal the events emitted" \
		    "$n files, $v violations" "$(diff "$T/rot.files" "$T/rot.stdout" | head -5)"
	whole_lines "rotation: every line is whole" "$T/rot"/events.jsonl*
}
want rotate && rotate

# --- geodb replaced and truncated under the agent ----------------------------
geodb() {
	conf "$T/geo.conf" "$T/geo.jsonl"
	start geo "$T/geo.conf"
	flood 6000 600 15 >/dev/null &
	fl=$!
	i=0
	while [ "$i" -lt 100 ]; do
		# A and B in turn, and in turn at the pauses too
		if [ $((i / 10 + i)) -eq $(((i / 10 + i) / 2 * 2)) ]; then
			cp "$T/geoB.mmdb" "$T/geo.new"
		else
			cp "$T/geoA.mmdb" "$T/geo.new"
		fi
		mv "$T/geo.new" "$T/geo.mmdb"
		# bursts of renames, and every tenth a pause the reload settles in
		if [ $((i % 10)) -eq 9 ]; then sleep 0.5; else sleep 0.02; fi
		i=$((i + 1))
	done
	sleep 0.5
	truncate -s 100 "$T/geo.mmdb"
	wait_for "$T/geo.out" '"event":"config_error","file":"'"$T/geo.mmdb" 3 &&
		ok "geodb truncated in place: config_error, the geodb in force stays" ||
		fail "geodb truncated in place: config_error" "$(tail -3 "$T/geo.out")"
	: >"$T/geo.mmdb"
	sleep 0.6
	cp "$T/geoB.mmdb" "$T/geo.new"
	mv "$T/geo.new" "$T/geo.mmdb"
	sleep 0.6
	kill -0 "$apid" 2>/dev/null && ok "geodb churn: the agent is alive (no SIGBUS)" ||
		fail "geodb churn: the agent is alive" "$(tail -5 "$T/geo.err")"
	wait "$fl"
	sleep 0.5
	stop geo
	r=$(count '"event":"geodb_reloaded"' "$T/geo.out")
	[ "$r" -ge 8 ] && ok "geodb churn: $r geodb_reloaded events" ||
		fail "geodb churn: geodb_reloaded events" "$r"
	# Whole databases only: each geodb (build/hash) gives one country for the
	# US-or-CA host, and only the two real databases ever decided.
	sed -n 's/.*"event":"violation".*"country":"\([A-Z]*\)".*"geodb":"\([^"]*\)".*/\2 \1/p' \
	    "$T/geo.out" | sort | uniq -c >"$T/geo.pairs"
	tags=$(awk '{print $2}' "$T/geo.pairs" | sort -u | wc -l)
	pairs=$(wc -l <"$T/geo.pairs")
	cs=$(awk '{print $3}' "$T/geo.pairs" | sort -u | tr '\n' ' ')
	[ "$tags" -eq 2 ] && [ "$pairs" -eq 2 ] && [ "$cs" = "CA US " ] &&
		ok "geodb churn: decisions only from whole databases (2 databases, one country each)" ||
		fail "geodb churn: decisions only from whole databases" "$(cat "$T/geo.pairs")"
	v=$(count '"event":"violation"' "$T/geo.out")
	[ "$v" -ge 5000 ] && ok "geodb churn: decisions continued ($v violations)" ||
		fail "geodb churn: decisions continued" "$v violations"
}
want geodb && geodb

# --- reload storm ------------------------------------------------------------
# Two valid configurations (their policy hashes from a replay) and an
# invalid one, swapped in by rename before each of 1,000 SIGHUPs.
storm() {
	conf "$T/good1.conf" "$T/storm.jsonl" acme-app
	conf "$T/good2.conf" "$T/storm.jsonl" acme-other
	printf 'agent: { mode = "sideways"; };\n' >"$T/bad.conf"
	printf 'start 2026-11-26T07:10:00Z\n+0 udp 192.0.2.10:33000 > 198.51.100.7:5000 len=100\n' >"$T/one.txt"
	"$TOOLS/pcapgen" "$T/one.txt" "$T/one.pcap"
	h1=$("$EEAGUARD" agent -r "$T/one.pcap" -c "$T/good1.conf" 2>/dev/null | sed -n 's/.*"event":"violation".*"policy":"\([0-9a-f]*\)".*/\1/p')
	h2=$("$EEAGUARD" agent -r "$T/one.pcap" -c "$T/good2.conf" 2>/dev/null | sed -n 's/.*"event":"violation".*"policy":"\([0-9a-f]*\)".*/\1/p')
	# what an auditor recomputes: SHA-256 over the two files' SHA-256s
	want1=$(bash -c 'for f in "$1" "$2"; do
		printf "$(sha256sum "$f" | cut -c1-64 | sed "s/../\\\\x&/g")"
	done | sha256sum | cut -c1-12' sh "$T/good1.conf" "$T/consent.conf")
	[ "$h1" = "$want1" ] &&
		ok "policy hash = sha256(sha256(config) sha256(register)), recomputable ($h1)" ||
		fail "policy hash recomputable" "agent $h1, sha256sum $want1"
	rm -f "$T/storm.jsonl"
	cp "$T/good1.conf" "$T/storm.conf"
	start storm "$T/storm.conf"
	flood 100000 1000 30 >/dev/null &
	fl=$!
	i=0
	rss0=0
	while [ "$i" -lt 1000 ]; do
		case $((i % 4)) in
		0) cp "$T/good1.conf" "$T/storm.new" ;;
		2) cp "$T/good2.conf" "$T/storm.new" ;;
		*) cp "$T/bad.conf" "$T/storm.new" ;;
		esac
		mv "$T/storm.new" "$T/storm.conf"
		kill -HUP "$apid"
		i=$((i + 1))
		[ "$i" -eq 100 ] && rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$apid/status")
	done
	sleep 1
	rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$apid/status")
	pkill -P "$fl" 2>/dev/null; kill "$fl" 2>/dev/null
	wait "$fl" 2>/dev/null
	kill -0 "$apid" 2>/dev/null && ok "reload storm: 1,000 SIGHUPs, the agent is alive" ||
		fail "reload storm: the agent is alive" "$(tail -5 "$T/storm.err")"
	stop storm
	# ASan's quarantine holds freed memory on purpose: RSS is the plain
	# build's figure (leaks are LeakSanitizer's, at the agent's exit).
	case $EEAGUARD in
	*/san/*)
		echo "skip - reload storm: RSS under ASan (${rss0} KiB after 100 reloads, ${rss1} KiB after 1,000)" ;;
	*)
		[ "$rss1" -le $((rss0 + rss0 / 20 + 1024)) ] &&
			ok "reload storm: RSS flat (${rss0} KiB after 100 reloads, ${rss1} KiB after 1,000)" ||
			fail "reload storm: RSS flat" "${rss0} KiB after 100, ${rss1} KiB after 1,000" ;;
	esac
	ne=$(count '"event":"config_error"' "$T/storm.out")
	nr=$(count '"event":"config_reloaded"' "$T/storm.out")
	[ "$ne" -ge 10 ] && [ "$nr" -ge 10 ] &&
		ok "reload storm: $nr reloads and $ne refusals" ||
		fail "reload storm: reloads and refusals" "$nr config_reloaded, $ne config_error"
	sed -n 's/.*"policy":"\([0-9a-f]*\)".*/\1/p' "$T/storm.out" | sort | uniq -c >"$T/storm.hashes"
	others=$(awk -v a="$h1" -v b="$h2" '$2 != a && $2 != b' "$T/storm.hashes")
	[ -n "$h1" ] && [ -n "$h2" ] && [ "$h1" != "$h2" ] && [ -z "$others" ] &&
		ok "reload storm: events carry only the policy hashes of the valid configurations" ||
		fail "reload storm: only valid policy hashes" "valid: $h1 $h2" "$(cat "$T/storm.hashes")"
	v=$(count '"event":"violation"' "$T/storm.out")
	[ "$v" -ge 1000 ] && ok "reload storm: decisions continued ($v violations)" ||
		fail "reload storm: decisions continued" "$v violations"
}
want storm && storm

