#!/bin/sh
# Runs the Check unit-test binaries given as arguments and sums their results.
# Each binary prints Check's own summary line; the last line here is the
# plain total "unit: N passed, N failed".
passed=0 failed=0 status=0
for t in "$@"; do
	out=$(CK_FORK=yes "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^Running suite' || true
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	if [ -z "$line" ]; then
		echo "$t: no Check summary (exit $rc)"
		failed=$((failed + 1)); status=1; continue
	fi
	n=$(printf '%s' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(printf '%s' "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + n - f - e)); failed=$((failed + f + e))
	[ "$rc" -ne 0 ] && status=1
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && exit $status
exit 1
