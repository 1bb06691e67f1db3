#!/bin/sh
# Runs libFuzzer binaries, FUZZ_JOBS at a time, each for $FUZZ_SECONDS seconds.
#
#   FUZZ_SECONDS=60 FUZZ_JOBS=2 tests/fuzz/run.sh build/fuzz/fuzz_decode [...]
#
# FUZZ_JOBS defaults to the number of CPUs; FUZZ_SECONDS=0 only replays the
# regressions and runs the corpus once.
#
# Target name = binary basename. For each target, first every file in
# tests/fuzz/regress/<name>/ is replayed once (inputs that once crashed it:
# they must keep passing), then it fuzzes with its working corpus
# build/fuzz/corpus/<name>, seeded from tests/fuzz/corpus/<name>/. New inputs
# stay in build/: nothing is merged back into the repository. Per target,
# tests/fuzz/dict/<name>.dict is passed with -dict= and tests/fuzz/<name>.options
# adds libFuzzer flags (one or more a line, # comments). Crashes land in
# build/fuzz/artifacts/<name>/, logs in build/fuzz/<name>.log (fuzzing) and
# build/fuzz/<name>.regress.log (replay).
#
# Prints one line per target, in the order given (executions, cov, ft,
# corpus files), and exits non-zero if any target crashed, leaked, timed out
# or could not run, naming the crash file and a command that reproduces it.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/fuzz"

# What a failed run's log says: the harness's own last words (the line
# before the sanitizer's report, when it printed one), then the report.
explain() {
	awk '/^==[0-9]+== ?ERROR/ && !seen { if (prev ~ /^[A-Za-z]/ &&
	    prev !~ /^(INFO|Running|MS|Base64|artifact_prefix|ALARM)/) print prev
	    seen = 1 } { prev = $0 }' "$1" | sed 's/^/  /'
	grep -E '^==[0-9]+== ?ERROR|^SUMMARY:|runtime error:|^ALARM' "$1" |
	    head -n 5 | sed 's/^/  /'
}

# One target; prints its summary line(s) to stdout. Run by the parent below.
# Its logs are written in this run's own directory and named by where they
# end up, build/fuzz/<name>.log: another run in the same tree (make check
# beside make fuzz) cannot mix its numbers into ours.
run_one() {
	bin=$1
	seconds=$2
	name=$(basename "$bin")
	corpus="$out/corpus/$name"
	artifacts="$out/artifacts/$name"
	regress="$root/tests/fuzz/regress/$name"
	log="$3/$name.log"
	rlog="$3/$name.regress.log"

	if [ ! -x "$bin" ]; then
		echo "$name: FAILED: $bin is not an executable (make fuzz-build)"
		return 1
	fi
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$root/tests/fuzz/corpus/$name" ]; then
		cp -p "$root/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
	fi
	opts="-timeout=10 -rss_limit_mb=2048"
	if [ -f "$root/tests/fuzz/$name.options" ]; then
		opts="$opts $(sed 's/#.*//' "$root/tests/fuzz/$name.options" | tr '\n' ' ')"
	fi
	dict=
	if [ -f "$root/tests/fuzz/dict/$name.dict" ]; then
		dict="-dict=$root/tests/fuzz/dict/$name.dict"
	fi

	# Replay: libFuzzer runs files named as arguments once each.
	nregress=0
	if [ -d "$regress" ]; then
		nregress=$(find "$regress" -type f | wc -l)
	fi
	if [ "$nregress" -gt 0 ]; then
		# shellcheck disable=SC2086 # $opts is a list of flags
		find "$regress" -type f | sort | xargs "$bin" $opts \
		    >"$rlog" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ]; then
			crash=$(sed -n 's/^Running: //p' "$rlog" | tail -n 1)
			echo "$name: FAILED (exit $rc) replaying tests/fuzz/regress/$name"
			explain "$rlog"
			echo "  crash file: ${crash:-unknown}"
			echo "  reproduce: $bin ${crash:-$regress/FILE}"
			echo "  log: $out/$name.regress.log"
			return 1
		fi
	fi

	# FUZZ_SECONDS=0: only run the seeds and the corpus once.
	if [ "$seconds" -eq 0 ]; then
		limit=-runs=0
	else
		limit=-max_total_time=$seconds
	fi
	# shellcheck disable=SC2086
	"$bin" $limit $opts $dict -print_final_stats=1 \
	    -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	# The last status line ("#N DONE cov: C ft: F ...") holds the totals.
	cov=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]*' | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -E '^#[0-9]+' "$log" | grep -o 'ft: [0-9]*' | tail -n 1 | cut -d' ' -f2)
	files=$(find "$corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "$name: ok: ${execs:-?} execs in ${seconds}s, cov ${cov:-?}, ft ${ft:-?}, corpus $files files, regress $nregress"
		return 0
	fi
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	echo "$name: FAILED (exit $rc): ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}"
	explain "$log"
	# A leak reported after the run's DONE line was found at exit
	# (-detect_leaks=0): the unit libFuzzer saves then is not the input.
	if awk '/^#[0-9]+[ \t]+DONE/ { done = 1 }
	    /ERROR: LeakSanitizer/ && done { found = 1 } END { exit !found }' "$log"; then
		grep -E '^ +#[0-9]+ .* in ' "$log" |
		    grep -v -E ' in (__interceptor|[mc]alloc|realloc|strn?dup|fuzzer::|main|_start|__libc)' |
		    awk '!seen[$0]++' | head -n 4 | sed 's/^ */  /'
		echo "  leaked at exit; find the input: $bin -detect_leaks=1 -runs=0 $corpus"
		echo "  log: $out/$name.log"
		return 1
	fi
	echo "  crash file: ${crash:-none written}"
	echo "  reproduce: $bin ${crash:-}"
	echo "  keep it: cp ${crash:-CRASH} tests/fuzz/regress/$name/WHAT-IT-WAS"
	echo "  log: $out/$name.log"
	return 1
}

if [ "${1:-}" = "--one" ]; then
	# $2 binary, $3 seconds, $4 run directory, $5 result file in it:
	# the summary there, the status last; then the logs go public.
	run_one "$2" "$3" "$4" >"$4/$5.tmp" 2>&1
	echo "status $?" >>"$4/$5.tmp"
	mv "$4/$5.tmp" "$4/$5"
	name=$(basename "$2")
	for f in "$name.log" "$name.regress.log"; do
		if [ -f "$4/$f" ]; then
			mv -f "$4/$f" "$out/$f"
		fi
	done
	exit 0
fi

if [ "$#" -eq 0 ]; then
	echo "usage: FUZZ_SECONDS=N [FUZZ_JOBS=N] $0 FUZZ_BINARY..." >&2
	exit 2
fi
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
case "$jobs" in
''|*[!0-9]*|0) echo "$0: FUZZ_JOBS must be a positive number" >&2; exit 2 ;;
esac
case "$seconds" in
''|*[!0-9]*) echo "$0: FUZZ_SECONDS must be a number" >&2; exit 2 ;;
esac

mkdir -p "$out"
run=$(mktemp -d "$out/run.XXXXXX") || exit 2
trap 'rm -rf "$run"' EXIT
trap 'exit 130' INT TERM
i=0
# The inner sh expands its own $0..$4: run.sh, seconds, run directory,
# binary, result file.
# shellcheck disable=SC2016
for bin in "$@"; do
	i=$((i + 1))
	printf '%s\0%s\0' "$bin" "$i"
done | xargs -0 -n 2 -P "$jobs" sh -c 'sh "$0" --one "$3" "$1" "$2" "$4"' \
    "$root/tests/fuzz/run.sh" "$seconds" "$run"

# Summaries in the order the targets were given, whatever finished first.
status=0
i=0
for bin in "$@"; do
	i=$((i + 1))
	res="$run/$i"
	if [ ! -f "$res" ]; then
		echo "$(basename "$bin"): FAILED: no result (killed?)"
		status=1
		continue
	fi
	sed '$d' "$res"
	[ "$(tail -n 1 "$res")" = "status 0" ] || status=1
done
exit $status
