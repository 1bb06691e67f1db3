#!/bin/sh
# Allocation-failure tests: every allocation of each scenario fails in turn
# (tests/fault/fault.c); prints one "fault: ..." line per scenario and mode,
# "FAIL - fault ..." lines for problems, and exits 1 when there was any.
#
#   tests/fault/run.sh [SCENARIO...]   all, or those whose name matches
#
# FAULT (default build/san/fault/fault) is the harness, EEAGUARD (default
# build/eeaguard) builds the test geodb, TOOLS (default build/tools) holds
# pcapgen. FAULT_KEEP=1 keeps the work directory. Each scenario's stderr
# (the harness announces every iteration there before it runs it, and ASan
# reports there) is in WORK/NAME.log; on a crash its tail is shown, naming
# the failure that caused it: rerun that one with "fault -n N ...".
cd "$(dirname "$0")/../.." || exit 2
# The leak checks need LeakSanitizer, whatever the caller's options.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export ASAN_OPTIONS
: "${FAULT:=build/san/fault/fault}" "${EEAGUARD:=build/eeaguard}" \
    "${TOOLS:=build/tools}"

fail() { echo "FAIL - fault $1"; shift; for l in "$@"; do echo "    $l"; done; }

for f in "$FAULT" "$EEAGUARD" "$TOOLS/pcapgen"; do
	[ -x "$f" ] || { fail "setup" "$f is missing (make fault builds it)"; exit 1; }
done

T=$(mktemp -d /tmp/eeaguard-fault.XXXXXX) || exit 2
if [ "${FAULT_KEEP:-0}" = 1 ]; then
	echo "# fault work directory: $T"
else
	trap 'rm -rf "$T"' EXIT
	trap 'rm -rf "$T"; exit 2' INT TERM
fi

# The e2e test world as a geodb, and the agent case's capture and files.
if ! "$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" \
    >"$T/geodb.out" 2>&1; then
	fail "setup" "geodb build failed:" "$(head -c 600 "$T/geodb.out")"
	exit 1
fi
mkdir -p "$T/agent"
if ! "$TOOLS/pcapgen" tests/fault/agent/flows.txt "$T/agent/capture.pcap" \
    2>"$T/pcapgen.err"; then
	fail "setup" "pcapgen failed:" "$(head -c 600 "$T/pcapgen.err")"
	exit 1
fi
sed -e "s|@GEODB@|$T/geo.mmdb|g" -e "s|@TMP@|$T/agent|g" \
    tests/fault/agent/eeaguard.conf >"$T/agent/eeaguard.conf"
cp tests/fault/agent/consent.conf "$T/agent/consent.conf"
# The same without a register file: the agent starts with an empty one.
mkdir -p "$T/agent-noreg"
sed -e "s|@GEODB@|$T/geo.mmdb|g" -e "s|@TMP@|$T/agent-noreg|g" \
    -e 's|register = "consent.conf"|register = "none.conf"|' \
    tests/fault/agent/eeaguard.conf >"$T/agent-noreg/eeaguard.conf"

# libconfig 1.5 writes through the NULL its calloc gives and its scanner
# exit()s: its own allocations are not failed (README.md). libmaxminddb
# leaks in MMDB_open when one of its own allocations fails: counted, known.
LIBS="-x libconfig.so -k libmaxminddb.so"

failed=0

# The interposer itself: it counts and fails, and ASan still sees through it.
if ! "$FAULT" selftest count 2>"$T/selftest.log"; then
	fail "selftest" "$(tail -n 20 "$T/selftest.log")"
	failed=1
fi
if "$FAULT" selftest leak >/dev/null 2>"$T/leak.log" ||
    ! grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$T/leak.log"; then
	fail "selftest" "LeakSanitizer did not report a block leaked through the interposer"
	failed=1
fi
if "$FAULT" selftest overflow >/dev/null 2>"$T/overflow.log" ||
    ! grep -q 'ERROR: AddressSanitizer: heap-buffer-overflow' "$T/overflow.log"; then
	fail "selftest" "AddressSanitizer did not report an overflow of a block from the interposer"
	failed=1
fi
[ $failed -eq 0 ] && echo "fault: selftest: the interposer counts and fails allocations; ASan and LSan still report through it"

# name, then the harness arguments.
scenario() {
	name=$1
	shift
	if [ -n "$ONLY" ] && ! printf '%s\n' "$ONLY" | grep -qF "$name"; then
		return
	fi
	# shellcheck disable=SC2086 # LIBS is a word list
	"$FAULT" $LIBS "$@" 2>"$T/$name.log"
	rc=$?
	log=$T/$name.log
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|exit\(\) called' "$log" ||
	    ! grep -q '^# fault: finished' "$log"; then
		# A crash: the last iteration announced is the one that did it.
		fail "$name" "crashed (exit status $rc) at: $(grep '^# fault ' "$log" | tail -n 1)" \
		    "$(grep -v '^# fault' "$log" | tail -n 30)"
		failed=1
	elif sed -n '/^# fault: finished/,$p' "$log" | grep -q 'ERROR: LeakSanitizer'; then
		fail "$name" "LeakSanitizer at exit:" \
		    "$(sed -n '/^# fault: finished/,$p' "$log" | head -n 40)"
		failed=1
	elif [ $rc -ne 0 ]; then
		failed=1	# the harness printed its FAIL lines
	fi
}

ONLY="$*"
scenario config-deploy config deploy/eeaguard.conf
scenario config-big config tests/fault/big/eeaguard.conf
scenario consent-deploy consent deploy/consent.conf
scenario consent-big consent tests/fault/big/consent.conf
scenario geodb-test -l tests/fixtures/geo.csv geodb "$T/geo.mmdb"
# The world database: some 540 allocations of 0.2 s each in "all" mode,
# most of them one decoded record after another: all of the first 60, then
# every 10th.
scenario geodb-world -B 60 -S 10 geodb build/country.mmdb
scenario agent -l tests/fault/agent agent "$T/agent/eeaguard.conf" \
    "$T/agent/capture.pcap" "$T/agent"
scenario agent-noreg -l "tests/fault/agent, no register" agent \
    "$T/agent-noreg/eeaguard.conf" "$T/agent/capture.pcap" "$T/agent-noreg"
exit $failed
