# Shared helpers for the command-line tests (sourced, POSIX sh).
# Each test script reports "ok - NAME" or "FAIL - NAME" lines; the runner
# counts them. $EEAGUARD is the binary under test; $T a private temp dir.

: "${EEAGUARD:?EEAGUARD must name the eeaguard binary}"
T=$(mktemp -d /tmp/eeaguard-test.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

ok() { echo "ok - $1"; }
fail() { echo "FAIL - $1"; shift; for l in "$@"; do echo "    $l"; done; }

# run CMD...: runs it, keeping stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect_rc NAME WANT: the last run exited with WANT
expect_rc() {
	if [ "$rc" -eq "$2" ]; then ok "$1"; else
		fail "$1" "exit $rc, want $2" "stderr: $(head -c 600 "$T/err")"; fi
}

# expect_out NAME FILE: the last run's stdout equals FILE exactly
expect_out() {
	if diff -u "$2" "$T/out" >"$T/diff"; then ok "$1"; else
		fail "$1" "$(cat "$T/diff")"; fi
}

# expect_err_has NAME TEXT: stderr contains TEXT (fixed string)
expect_err_has() {
	if grep -qF -- "$2" "$T/err"; then ok "$1"; else
		fail "$1" "stderr lacks: $2" "stderr: $(head -c 600 "$T/err")"; fi
}

# expect_out_has NAME TEXT: stdout contains TEXT (fixed string)
expect_out_has() {
	if grep -qF -- "$2" "$T/out"; then ok "$1"; else
		fail "$1" "stdout lacks: $2" "stdout: $(head -c 600 "$T/out")"; fi
}

# no_sanitizer_report NAME: stderr holds no ASan/UBSan report
no_sanitizer_report() {
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$T/err"; then
		fail "$1" "$(head -c 1200 "$T/err")"; else ok "$1"; fi
}
