#!/bin/sh
# End-to-end cases tests/e2e/*/: one ok/FAIL line per case (see tests/e2e/README.md).
exec sh "$(dirname "$0")/../e2e/run.sh" "$@"
