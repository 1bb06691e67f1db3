#!/bin/sh
# End-to-end cases: replay a generated capture through `eeaguard agent -r`
# and compare its JSON events field by field (format: tests/e2e/README.md).
#
#   tests/e2e/run.sh [CASE...]     all cases, or the named ones
#
# EEAGUARD (default build/eeaguard) is the binary under test, TOOLS (default
# build/tools) holds pcapgen. E2E_KEEP=1 keeps the work directory, and
# E2E_TIMEOUT (default 60) bounds each agent run in seconds. Prints one
# "ok - e2e CASE" or "FAIL - e2e CASE" line per case, as tests/cli/lib.sh
# does; exits 1 when any case failed.
cd "$(dirname "$0")/../.." || exit 2
: "${EEAGUARD:=build/eeaguard}" "${TOOLS:=build/tools}" "${E2E_TIMEOUT:=60}"
E2E=tests/e2e
DEFAULT_FILTER="agent_started agent_stopped stats"

fail() { echo "FAIL - e2e $1"; shift; for l in "$@"; do echo "    $l"; done; }

command -v jq >/dev/null 2>&1 || {
	fail "setup" "jq is not installed (apt-get install jq)"; exit 1; }
[ -x "$TOOLS/pcapgen" ] || {
	fail "setup" "$TOOLS/pcapgen is missing (make build/tools/pcapgen)"; exit 1; }

T=$(mktemp -d /tmp/eeaguard-e2e.XXXXXX) || exit 2
if [ "${E2E_KEEP:-0}" = 1 ]; then
	echo "# e2e work directory: $T"
else
	trap 'rm -rf "$T"' EXIT
	trap 'rm -rf "$T"; exit 2' INT TERM
fi

if ! "$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" \
    >"$T/geodb.out" 2>&1; then
	fail "setup" "geodb build from tests/fixtures/geo.csv failed:" \
	    "$(head -c 600 "$T/geodb.out")"
	exit 1
fi

if command -v timeout >/dev/null 2>&1; then
	TIMEOUT="timeout $E2E_TIMEOUT"
else
	TIMEOUT=
fi

# Prints the lines of FILE that are not one JSON object each, with their
# numbers. Lines starting with '#' (after blanks) and blank lines are
# skipped when $2 is "comments".
bad_json_lines() {
	jq -R -r --arg comments "${2:-}" '
	    . as $l
	    | if $comments == "comments" and test("^\\s*(#.*)?$") then empty
	      else (try (fromjson | if type == "object" then empty
	                             else "line \(input_line_number): not an object: \($l[:200])" end)
	            catch "line \(input_line_number): not JSON: \($l[:200])")
	      end' "$1"
}

# substitute SRC DST: copies SRC with @GEODB@, @CASE@ and @TMP@ replaced.
substitute() {
	sed -e "s|@GEODB@|$T/geo.mmdb|g" -e "s|@CASE@|$PWD/$c|g" \
	    -e "s|@TMP@|$w|g" "$1" >"$2"
}

# The comparison: $got and $want are arrays of objects; prints nothing when
# every wanted field of every event matches, else what differs first.
# shellcheck disable=SC2016 # jq, not shell, expands these
COMPARE='
def show: tojson | if length > 600 then .[:600] + "..." else . end;
def summary: [.event // "?", .verdict, (if .dst then "\(.dst)\(if .dport then ":\(.dport)" else "" end)" else null end)]
  | map(select(. != null) | tostring) | join(" ");
# A wanted value matches the actual one by jq equality, except the two
# escape objects {"$match": REGEX} (a string matching REGEX) and
# {"$type": "string"|"number"|...} (any value of that JSON type).
def matches($w):
  if ($w | type) == "object" and ($w | keys) == ["$match"] then
    (type == "string") and test($w["$match"])
  elif ($w | type) == "object" and ($w | keys) == ["$type"] then
    type == $w["$type"]
  else . == $w end;
def mismatch($i):
  $want[$i] as $w | $got[$i] as $g
  | first(($w | keys_unsorted[]) as $k
      | select(($g | has($k) | not) or (($g[$k] | matches($w[$k])) | not))
      | [ "event \($i + 1) of \($want | length), field \"\($k)\": want \($w[$k] | show), got \(if $g | has($k) then ($g[$k] | show) else "(no such field)" end)",
          "got:  \($g | show)" ]) // empty;
([range(0; [($got | length), ($want | length)] | min)] | map(mismatch(.)) | first // null) as $first
| if ($got | length) != ($want | length) then
    "want \($want | length) events, got \($got | length)\($dropped)",
    ($first // empty | .[]),
    ("want: " + ($want | map(summary) | join(", ") | if . == "" then "(none)" else . end)),
    ("got:  " + ($got | map(summary) | join(", ") | if . == "" then "(none)" else . end)),
    (if ($got | length) > ($want | length) then
       "first unexpected event \($want | length + 1): \($got[$want | length] | show)"
     else empty end)
  elif $first != null then $first[]
  else empty end
'

if [ $# -gt 0 ]; then
	cases=$(for a in "$@"; do echo "$E2E/${a##*/}"; done)
else
	cases=$(for d in "$E2E"/*/; do [ -e "$d/flows.txt" ] && echo "${d%/}"; done)
fi

failed=0
for c in $cases; do
	name=${c##*/}
	w="$T/$name"
	mkdir -p "$w"
	if [ ! -f "$c/flows.txt" ] || [ ! -f "$c/eeaguard.conf" ] ||
	    [ ! -f "$c/expect.jsonl" ]; then
		fail "$name" "a case needs flows.txt, eeaguard.conf and expect.jsonl in $c"
		failed=1; continue
	fi

	# The capture.
	if ! "$TOOLS/pcapgen" "$c/flows.txt" "$w/capture.pcap" 2>"$w/pcapgen.err"; then
		fail "$name" "pcapgen failed:" "$(head -c 600 "$w/pcapgen.err")"
		failed=1; continue
	fi

	# The configuration, with its register next to it (an empty one when
	# the case has none) and the other case files alongside.
	for f in "$c"/*; do
		[ -f "$f" ] && cp "$f" "$w/"
	done
	substitute "$c/eeaguard.conf" "$w/eeaguard.conf"
	if [ -f "$c/consent.conf" ]; then
		substitute "$c/consent.conf" "$w/consent.conf"
	else
		echo 'consents = ();' >"$w/consent.conf"
	fi

	args=-v
	[ -f "$c/args" ] && args=$(sed -n 1p "$c/args" | sed -e "s|@TMP@|$w|g" -e "s|@CASE@|$PWD/$c|g")
	want_rc=0
	[ -f "$c/exit" ] && want_rc=$(tr -d ' \n' <"$c/exit")
	filter=$DEFAULT_FILTER
	[ -f "$c/filter" ] && filter=$(grep -v '^#' "$c/filter" | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//')

	# shellcheck disable=SC2086 # args is a word list
	$TIMEOUT "$EEAGUARD" agent -r "$w/capture.pcap" -c "$w/eeaguard.conf" $args \
	    >"$w/stdout" 2>"$w/stderr" </dev/null
	rc=$?
	cmd="eeaguard agent -r capture.pcap -c eeaguard.conf $args"

	if [ "$rc" -ne "$want_rc" ]; then
		if [ "$rc" -eq 124 ] && [ -n "$TIMEOUT" ]; then
			why="timed out after ${E2E_TIMEOUT}s"
		else
			why="exit $rc, want $want_rc"
		fi
		fail "$name" "$cmd: $why" "stderr: $(head -c 600 "$w/stderr")"
		failed=1; continue
	fi
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$w/stderr"; then
		fail "$name" "sanitizer report:" "$(head -c 1200 "$w/stderr")"
		failed=1; continue
	fi
	bad=$(bad_json_lines "$w/stdout")
	if [ -n "$bad" ]; then
		fail "$name" "stdout is not one JSON object per line:" "$(printf '%s\n' "$bad" | head -5)"
		failed=1; continue
	fi
	bad=$(bad_json_lines "$c/expect.jsonl" comments)
	if [ -n "$bad" ]; then
		fail "$name" "$c/expect.jsonl is not one JSON object per line:" "$(printf '%s\n' "$bad" | head -5)"
		failed=1; continue
	fi

	# Expected events (comments dropped), and the actual ones minus the
	# filtered bookkeeping events that the expectations do not name.
	grep -vE '^[[:space:]]*(#.*)?$' "$c/expect.jsonl" | jq -s . >"$w/want.json"
	if ! jq -s --arg filter "$filter" --slurpfile want "$w/want.json" '
	    ($filter | split(" ") | map(select(length > 0))) as $drop
	    | ($want[0] | map(.event)) as $named
	    | map(select(.event as $e | ($drop | index([$e])) == null
	                                 or ($named | index([$e])) != null))' \
	    "$w/stdout" >"$w/got.json" 2>"$w/jq.err"; then
		fail "$name" "jq failed on the events:" "$(head -c 600 "$w/jq.err")"
		failed=1; continue
	fi
	dropped=""
	[ -n "$filter" ] && dropped=" (not counting: $filter)"
	if ! diffs=$(jq -n -r --slurpfile got "$w/got.json" --slurpfile want "$w/want.json" \
	    --arg dropped "$dropped" "\$got[0] as \$got | \$want[0] as \$want | $COMPARE" \
	    2>"$w/jq.err"); then
		fail "$name" "jq failed comparing (a bad \$match regex?):" "$(head -c 600 "$w/jq.err")"
		failed=1; continue
	fi
	if [ -n "$diffs" ]; then
		echo "FAIL - e2e $name"
		printf '%s\n' "$diffs" | sed 's/^/    /'
		failed=1; continue
	fi
	echo "ok - e2e $name"
done
exit "$failed"
