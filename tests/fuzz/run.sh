#!/bin/sh
# Runs each libFuzzer binary given as an argument for $FUZZ_SECONDS seconds.
#
#   FUZZ_SECONDS=60 tests/fuzz/run.sh build/fuzz/fuzz_decode [build/fuzz/fuzz_dns ...]
#
# Target name = binary basename. Its working corpus is build/fuzz/corpus/<name>,
# seeded from tests/fuzz/corpus/<name>/ when that exists; crashes land in
# build/fuzz/artifacts/<name>/ and the full log in build/fuzz/<name>.log.
# Prints one line per target (executions, cov, ft) and exits non-zero if any
# target crashed, leaked, timed out or could not run, naming the crash file.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
out="$root/build/fuzz"
status=0

if [ "$#" -eq 0 ]; then
	echo "usage: FUZZ_SECONDS=N $0 FUZZ_BINARY..." >&2
	exit 2
fi

for bin in "$@"; do
	name=$(basename "$bin")
	corpus="$out/corpus/$name"
	artifacts="$out/artifacts/$name"
	log="$out/$name.log"
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$root/tests/fuzz/corpus/$name" ]; then
		cp -p "$root/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
	fi
	if [ ! -x "$bin" ]; then
		echo "$name: FAILED: $bin is not an executable (make fuzz-build)"
		status=1
		continue
	fi

	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$artifacts/" \
	    "$corpus" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	# The last status line ("#N DONE cov: C ft: F ...") holds the totals.
	cov=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]*' | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -E '^#[0-9]+' "$log" | grep -o 'ft: [0-9]*' | tail -n 1 | cut -d' ' -f2)
	files=$(find "$corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "$name: ok: ${execs:-?} execs in ${seconds}s, cov ${cov:-?}, ft ${ft:-?}, corpus $files files"
		continue
	fi
	status=1
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	echo "$name: FAILED (exit $rc): ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}"
	grep -E '^==[0-9]+==ERROR|^SUMMARY:|runtime error:|deadly signal|timeout' "$log" | head -n 5 | sed 's/^/  /'
	echo "  crash file: ${crash:-none written}"
	echo "  reproduce: $bin ${crash:-}"
	echo "  log: $log"
done
exit $status
