#!/bin/sh
# Static analysis of eeaguard's own C code: cppcheck, then clang-tidy.
#
#   tests/lint/run.sh COMPILER-FLAGS...     (make lint passes the build's)
#
# The arguments are the flags the build compiles with (CPPFLAGS, -std and
# the libraries' pkg-config --cflags). clang-tidy gets all of them through
# build/lint/compile_commands.json, which editors can use too; cppcheck
# gets the -D/-U and the project's own -I only (see below).
#
# Checked: the product (agent/ rules/ geodb/), the test tools and the fuzz
# targets. Not the Check unit tests (yet): they run under ASan/UBSan in make
# check SANITIZE=1, and linting them found 30 clang-tidy and 17 cppcheck
# findings of test-only kinds (unchecked fclose of fixtures, test structs
# and tables cppcheck thinks unused, usleep), not defects in what they test.
#
# Configuration: .clang-tidy (top level) and tests/lint/cppcheck.supp, both
# with a reason for everything disabled; a finding that is wrong at one line
# is silenced there with /* NOLINT(check): why */ or /* cppcheck-suppress
# id ; why */. Prints one line per finding, file:line:col: severity: text
# [check], then "lint: cppcheck N findings, clang-tidy N findings", and
# exits 1 if there was any. LINT_JOBS (default: the CPU count) runs that many
# clang-tidy processes at once; CLANG_TIDY and CPPCHECK name the programs.
set -u

cd "$(dirname "$0")/../.." || exit 2
jobs=${LINT_JOBS:-$(nproc 2>/dev/null || echo 2)}
tidy=${CLANG_TIDY:-clang-tidy-14}
command -v "$tidy" >/dev/null 2>&1 || tidy=clang-tidy
cppcheck=${CPPCHECK:-cppcheck}
for p in "$tidy" "$cppcheck"; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "lint: $p not found (deploy/install-deps.sh installs it)" >&2
		exit 2
	fi
done

out=build/lint
rm -rf "$out/tidy" "$out/tidy.found"
mkdir -p "$out/tidy" "$out/cppcheck-cache" || exit 2

# The files, biggest first: the slowest clang-tidy runs start first, so the
# parallel jobs end together.
files=$(wc -c agent/*.c rules/*.c geodb/*.c tests/tools/*.c tests/fuzz/*.c |
    awk '$2 != "total" { print $1, $2 }' | sort -rn | awk '{ print $2 }')

# cppcheck: the build's -D/-U and the project's own -I only. Without the
# system include directories it does not parse glibc and the libraries'
# headers (slow, and findings we cannot fix); it knows the C and POSIX
# library from its std and posix configurations instead. It understands
# __attribute__((noreturn)) but not C11's noreturn from <stdnoreturn.h>,
# which it does not read: without that mapping every "if (p == NULL)
# fatal(...)" looks like a possible NULL dereference after it.
cpp_flags='-Dnoreturn=__attribute__((noreturn))'
for f in "$@"; do
	case $f in
	-D*|-U*|-I.|-I./*|-I[a-z]*) cpp_flags="$cpp_flags $f" ;;
	esac
done
t0=$(date +%s)
# cppcheck prints its findings on stderr, nothing on stdout with -q.
# shellcheck disable=SC2086 # cpp_flags: flags without blanks, one per word
"$cppcheck" -q -j "$jobs" --std=c11 --platform=unix64 --library=posix \
    --enable=warning,style,performance,portability --inline-suppr \
    --suppressions-list=tests/lint/cppcheck.supp --error-exitcode=1 \
    --cppcheck-build-dir="$out/cppcheck-cache" \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
    $cpp_flags $files 2>"$out/cppcheck.txt"
cpp_rc=$?
grep -E '^[^ :]+:[0-9]+:[0-9]+: ' "$out/cppcheck.txt" | sort -u \
    >"$out/cppcheck.found"
cat "$out/cppcheck.found"
cpp_n=$(wc -l <"$out/cppcheck.found")
if [ "$cpp_rc" -ne 0 ] && [ "$cpp_n" -eq 0 ]; then
	# cppcheck failed without a finding (bad option, crash): show why.
	cat "$out/cppcheck.txt"
	cpp_n=1
fi
t1=$(date +%s)

# clang-tidy: a compilation database with the build's flags, one clang-tidy
# per file, $jobs at a time, each into its own file (no interleaving).
{
	printf '['
	sep=
	for f in $files; do
		printf '%s\n{"directory":"%s","file":"%s","arguments":["cc"' \
		    "$sep" "$PWD" "$f"
		for a in "$@"; do
			printf ',"%s"' "$(printf '%s' "$a" | sed 's/[\\"]/\\&/g')"
		done
		printf ',"-c","%s"]}' "$f"
		sep=,
	done
	printf '\n]\n'
} >"$out/compile_commands.json"
# The static analyzer is nearly all of the time (38 s of 39 for
# consent_edit.c). Its budget per function, max-nodes, is 150000 instead of
# 225000: on the tree of this writing that found the same 20 analyzer
# findings in agent/ rules/ geodb/ for 148 CPU seconds instead of 219
# (100000: 121 s, one false positive fewer; 75000: 102 s, a real leak lost).
# shellcheck disable=SC2016 # $1..$4 belong to the inner shell
printf '%s\n' "$files" | xargs -n 1 -P "$jobs" sh -c '
	log=$3/$(printf "%s" "$4" | tr / _)
	"$1" -p "$2" --quiet --extra-arg=-Xclang --extra-arg=-analyzer-config \
	    --extra-arg=-Xclang --extra-arg=max-nodes=150000 "$4" \
	    >"$log.txt" 2>&1
	echo $? >"$log.rc"' sh "$tidy" "$out" "$out/tidy"
# One line per finding, paths relative to the tree; a header's finding is
# reported by every file that includes it, so duplicates go. A clang-tidy
# that failed without a finding (a crash, a bad option) counts as one.
for f in $files; do
	log=$out/tidy/$(printf '%s' "$f" | tr / _)
	rc=$(cat "$log.rc")
	if ! grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$log.txt" &&
	    [ "$rc" -ne 0 ]; then
		echo "$f:1:1: error: clang-tidy exited with $rc [lint]"
		tail -n 5 "$log.txt" >&2
	fi
done | sed -e "s|^$PWD/||" -e 's|^\./||' -e 's/,-warnings-as-errors\]$/]/' |
    sort -u >"$out/tidy.found"
cat "$out/tidy.found"
tidy_n=$(wc -l <"$out/tidy.found")
t2=$(date +%s)

echo "lint: cppcheck $cpp_n findings, clang-tidy $tidy_n findings" \
    "($((t1 - t0)) s + $((t2 - t1)) s)"
[ "$cpp_n" -eq 0 ] && [ "$tidy_n" -eq 0 ]
