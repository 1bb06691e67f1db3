#!/bin/sh
# Runs every tests/cli/*.sh script and sums their ok/FAIL lines.
# The last line is the plain total "cli: N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
: "${EEAGUARD:=build/eeaguard}"
export EEAGUARD TOOLS
passed=0 failed=0
for t in tests/cli/t_*.sh; do
	echo "== $t"
	start=$(date +%s)
	out=$(sh "$t" 2>&1)
	rc=$?
	took=$(($(date +%s) - start))
	printf '%s\n' "$out" | grep -v '^ok - ' || true
	p=$(printf '%s\n' "$out" | grep -c '^ok - ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL - ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL - $t exited $rc"
		f=1
	fi
	echo "   $p passed, $f failed (${took} s)"
	passed=$((passed + p)); failed=$((failed + f))
done
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
