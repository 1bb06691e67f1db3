#!/bin/sh
# eeaguard consent: add/revoke/renew/list/show/history/verify, refusals,
# the terminal dialogue, permissions, tampering, concurrency and crashes.
. tests/cli/lib.sh

Y=$(date -u +%Y)
mkdir "$T/etc"
cat >"$T/e.conf" <<C
consent: { register = "etc/consent.conf"; audit_log = "etc/consent.log"; };
alerts: { syslog = false; jsonl = ""; };
C
C="$T/e.conf"
R="$T/etc/consent.conf"
L="$T/etc/consent.log"
# sudo names its caller in SUDO_USER; only root's is believed.
SUDO_USER=lvisser
export SUDO_USER
if [ "$(id -u)" -eq 0 ]; then ME=lvisser; else ME=$(id -un); fi

# state: the register's and the log's hashes, to prove nothing was written
state() { cat "$R" "$L" 2>/dev/null | sha256sum; }

# refused NAME MESSAGE CMD...: exit 1, MESSAGE on stderr, nothing written
refused() {
	name=$1 msg=$2
	shift 2
	s0=$(state)
	run "$@"
	expect_rc "$name: exit 1" 1
	expect_err_has "$name: says what is wrong" "$msg"
	no_sanitizer_report "$name: no sanitizer report"
	if [ "$(state)" = "$s0" ]; then ok "$name: nothing written"; else
		fail "$name: nothing written" "register or log changed"; fi
}

printf 'the signed annex, scanned\n' >"$T/annex1.pdf"
DOC1=$(sha256sum "$T/annex1.pdf" | cut -c1-64)

run "$EEAGUARD" consent list -c "$C"
expect_rc "list without a register" 0
expect_out_has "list says none are recorded" "no consents are recorded in $R"

# --- add --------------------------------------------------------------------
run "$EEAGUARD" consent add -c "$C" --customer acme --countries us \
    --hosts 'api.stripe.com,*.stripe.com' --ports 443 \
    --purpose 'card payment processing' --subprocessor 'Stripe, Inc.' \
    --document 'DMS-4711 (signed annex 1)' --document-file "$T/annex1.pdf" \
    --granted-by 'J. de Vries, DPO Acme B.V.' --signed 2026-03-01 \
    --valid-from 2026-03-01 --expires 2099-03-01 </dev/null
expect_rc "add with every field" 0
cat >"$T/want" <<W
recorded C-$Y-0001: customer acme; countries US; hosts api.stripe.com, *.stripe.com; ports 443; purpose card payment processing; document DMS-4711 (signed annex 1); signed 2026-03-01; valid_from 2026-03-01; expires 2099-03-01
W
expect_out "add says what it recorded" "$T/want"
no_sanitizer_report "add: no sanitizer report"
grep -q "document_sha256 = \"$DOC1\";" "$R" && ok "add: --document-file gives document_sha256" ||
	fail "add: --document-file gives document_sha256" "$(cat "$R")"
grep -q "recorded_by = \"$ME\";" "$R" && ok "add: recorded_by is the real user" ||
	fail "add: recorded_by is the real user" "$(grep recorded_by "$R")"
grep -q "recorded_at = \"$Y-[0-9-]*T[0-9:]*Z\";" "$R" && ok "add: recorded_at is now, UTC" ||
	fail "add: recorded_at is now, UTC" "$(grep recorded_at "$R")"
grep -q '^# .*comments added here by hand' "$R" && ok "register header warns about hand comments" ||
	fail "register header warns about hand comments" "$(head -12 "$R")"
RA=$(sed -n 's/.*recorded_at = "\(.*\)";/\1/p' "$R")

run "$EEAGUARD" consent add -c "$C" --customer globex --countries CH \
    --networks '203.0.113.0/24,2001:DB8:100::/48' \
    --purpose 'off-site "backup" of C:\data' --document DMS-4802 \
    --granted-by 'A. Keller' --signed 2026-05-12 </dev/null
expect_rc "second add" 0
expect_out_has "ids count up" "recorded C-$Y-0002:"
grep -q 'purpose = "off-site \\"backup\\" of C:\\\\data";' "$R" &&
	ok "quotes and backslashes are escaped for libconfig" ||
	fail "quotes and backslashes are escaped for libconfig" "$(grep purpose "$R")"
grep -q 'networks = \["203.0.113.0/24", "2001:db8:100::/48"\];' "$R" &&
	ok "networks are written canonically" ||
	fail "networks are written canonically" "$(grep networks "$R")"

# --- refusals ---------------------------------------------------------------
REQ="--purpose p --document d --granted-by g --signed 2026-03-01"
refused "UK" "eeaguard: --countries: unknown country code 'UK' — did you mean GB?" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries UK $REQ
refused "EEA country" "eeaguard: --countries: NL is inside the EEA: no consent is needed" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US,NL $REQ
expect_err_has "refusal ends with nothing recorded" "eeaguard: nothing was recorded"
refused "expires before valid-from" \
    "eeaguard: --expires: expires 2025-01-01 is before valid-from 2026-03-01: the consent would never be in force" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US $REQ \
    --valid-from 2026-03-01 --expires 2025-01-01
refused "missing fields without a terminal" \
    "eeaguard: missing --purpose, --document, --granted-by, --signed: a consent is recorded with --customer, --countries, --purpose, --document, --granted-by and --signed; nothing was recorded" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US
refused "port" "eeaguard: --ports: 'https' is not a port number (valid: 1-65535, as in 443 or 443,8443)" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US $REQ --ports 443,https
refused "address as host" "eeaguard: --hosts: '192.0.2.1' is an address, not a host name: list it under networks instead" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US $REQ --hosts 192.0.2.1
refused "network" "eeaguard: --networks: '10.1.2.3/16' is not a network:" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US $REQ --networks 10.1.2.3/16
refused "date" "eeaguard: --signed: '2026-02-30' is not a valid date (valid: YYYY-MM-DD" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US --purpose p \
    --document d --granted-by g --signed 2026-02-30
refused "control character" "eeaguard: --purpose: contains a control character (a line break, tab or similar): write it on one line" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US --purpose "$(printf 'a\tb')" \
    --document d --granted-by g --signed 2026-03-01
refused "document hash" "eeaguard: --document-sha256: expected the 64 hexadecimal digits of the signed document's SHA-256" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US $REQ --document-sha256 abc
refused "document file" "eeaguard: --document-file: cannot read $T/nope.pdf: No such file or directory" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US $REQ --document-file "$T/nope.pdf"
refused "events without dry run" "eeaguard: --events goes with --dry-run" \
    "$EEAGUARD" consent add -c "$C" --customer acme --countries US $REQ --events "$T/x"
refused "revoke unknown id" "eeaguard: there is no consent with id 'C-1999-0001' in the register (eeaguard consent list shows them)" \
    "$EEAGUARD" consent revoke -c "$C" C-1999-0001 --reason r
refused "revoke without reason" "eeaguard: a revocation needs its reason" \
    "$EEAGUARD" consent revoke -c "$C" "C-$Y-0001"
refused "renew without document" "eeaguard: a renewal needs the signed document that extends the consent" \
    "$EEAGUARD" consent renew -c "$C" "C-$Y-0001" --expires 2100-01-01
refused "renew to an earlier date" "eeaguard: expires 2098-01-01 is not after the current expiry 2099-03-01 of C-$Y-0001" \
    "$EEAGUARD" consent renew -c "$C" "C-$Y-0001" --expires 2098-01-01 --document DMS-5
refused "renew an open-ended consent" "eeaguard: C-$Y-0002 does not expire: there is nothing to renew" \
    "$EEAGUARD" consent renew -c "$C" "C-$Y-0002" --expires 2100-01-01 --document DMS-5
run "$EEAGUARD" consent frobnicate -c "$C"
expect_rc "unknown subcommand exits 1" 1
expect_err_has "unknown subcommand is named" "eeaguard: consent: unknown command 'frobnicate'"

# --- list and show ----------------------------------------------------------
cat >"$T/want" <<W
ID           CUSTOMER  COUNTRIES  WHERE                                  VALID                    STATE
C-$Y-0001  acme      US         api.stripe.com, *.stripe.com port 443  2026-03-01 - 2099-03-01  active
C-$Y-0002  globex    CH         203.0.113.0/24, 2001:db8:100::/48      2026-05-12 - no end      active
W
run "$EEAGUARD" consent list -c "$C"
expect_rc "list" 0
expect_out "list is a readable table" "$T/want"
run "$EEAGUARD" consent list -c "$C" --customer globex
expect_out_has "list --customer" "C-$Y-0002"
grep -q "C-$Y-0001" "$T/out" && fail "list --customer filters" || ok "list --customer filters"
run "$EEAGUARD" consent list -c "$C" --country us
grep -q "C-$Y-0002" "$T/out" && fail "list --country filters" || ok "list --country filters"
run "$EEAGUARD" consent list -c "$C" --expiring 30d
expect_out_has "list --expiring: none soon" "no consents match in $R"
run "$EEAGUARD" consent list -c "$C" --expiring soon
expect_rc "list --expiring with a bad value" 1
expect_err_has "list --expiring explains" "eeaguard: --expiring: 'soon' is not a number of days (valid: such as 30d)"
run "$EEAGUARD" consent list -c "$C" --json
expect_rc "list --json" 0
if command -v jq >/dev/null 2>&1; then
	jq -e 'length == 2 and .[0].state == "active" and .[0].ports == [443] and
	    .[1].purpose == "off-site \"backup\" of C:\\data" and .[1].revoked == false' "$T/out" >/dev/null &&
		ok "list --json is a JSON array of every field" || fail "list --json is a JSON array of every field" "$(cat "$T/out")"
fi

cat >"$T/want" <<W
  id               C-$Y-0001 (active)
  customer         acme
  countries        US (United States)
  hosts            api.stripe.com, *.stripe.com
  networks         (any)
  ports            443
  purpose          card payment processing
  subprocessor     Stripe, Inc.
  document         DMS-4711 (signed annex 1)
  document_sha256  $DOC1
  granted_by       J. de Vries, DPO Acme B.V.
  signed           2026-03-01
  valid_from       2026-03-01
  expires          2099-03-01
  recorded_by      $ME
  recorded_at      $RA
  revoked          no
  revoked_at       (none)
  revoked_by       (none)
  revoke_reason    (none)
W
run "$EEAGUARD" consent show -c "$C" "C-$Y-0001"
expect_rc "show" 0
expect_out "show prints every field" "$T/want"
run "$EEAGUARD" consent show -c "$C" C-1999-0001
expect_rc "show unknown id exits 1" 1

# --- dry runs, with recorded events -----------------------------------------
cat >"$T/events.jsonl" <<'J'
{"ts":"2026-11-26T07:10:00.123456Z","event":"violation","verdict":"violation","action":"alert","dst":"198.51.100.7","dport":443,"country":"JP","host":"api.example.jp","scope":"acme-payroll","customers":["acme"],"consents":[]}
{"ts":"2026-11-26T07:11:00Z","event":"violation","verdict":"violation","action":"alert","dst":"198.51.100.8","dport":443,"country":"JP","host":null,"scope":"initech","customers":["initech"],"consents":[]}
{"ts":"2026-11-26T07:12:00Z","event":"violation", broken
{"ts":"2026-11-26T07:13:00Z","event":"consent_transfer","verdict":"allow-consent","action":"none","dst":"203.0.113.9","dport":22,"country":"CH","host":null,"scope":"globex-backup","customers":["globex"],"consents":["C-2026-0002"]}
{"ts":"2026-11-26T07:14:00Z","event":"flow","verdict":"allow-eea","dst":"192.0.2.1","dport":443,"country":"NL"}
J
s0=$(state)
run "$EEAGUARD" consent add -c "$C" --customer acme --countries JP --ports 443 \
    --purpose p --document d --granted-by g --signed 2026-01-01 --dry-run \
    --events "$T/events.jsonl"
expect_rc "add --dry-run" 0
expect_out_has "dry run shows the consent" "dry run: would record C-$Y-0003 (nothing was written):"
expect_out_has "dry run: a violation it would have allowed" \
    "$T/events.jsonl:1  2026-11-26T07:10:00.123456Z  acme  198.51.100.7 port 443  api.example.jp  JP  violation -> would be allow-consent"
expect_out_has "dry run: the count" "1 of 3 decision events would change: 1 would now be allowed, 0 would now be violations"
expect_err_has "dry run: a malformed event line is named and skipped" "eeaguard: $T/events.jsonl:3: not a JSON event ("
[ "$(state)" = "$s0" ] && ok "add --dry-run writes nothing" || fail "add --dry-run writes nothing"
run "$EEAGUARD" consent revoke -c "$C" "C-$Y-0002" --reason test --dry-run --events "$T/events.jsonl"
expect_rc "revoke --dry-run" 0
expect_out_has "dry run: a transfer it would have turned into a violation" \
    "$T/events.jsonl:4  2026-11-26T07:13:00Z  globex  203.0.113.9 port 22  (host unknown)  CH  consent_transfer -> would be violation"
[ "$(state)" = "$s0" ] && ok "revoke --dry-run writes nothing" || fail "revoke --dry-run writes nothing"
run "$EEAGUARD" consent renew -c "$C" "C-$Y-0001" --expires 2100-03-01 --document DMS-5 --dry-run
expect_out_has "renew --dry-run shows the change" "dry run: would renew C-$Y-0001 (nothing was written): document: DMS-4711 (signed annex 1) -> DMS-5; document_sha256: $DOC1 -> (none); expires: 2099-03-01 -> 2100-03-01"

# --- renew, revoke, history -------------------------------------------------
printf 'the renewal, scanned\n' >"$T/annex2.pdf"
DOC2=$(sha256sum "$T/annex2.pdf" | cut -c1-64)
run "$EEAGUARD" consent renew -c "$C" "C-$Y-0001" --expires 2100-03-01 \
    --document 'DMS-5120 (renewal 2027)' --document-file "$T/annex2.pdf" --signed 2027-02-20
expect_rc "renew" 0
expect_out_has "renew says what changed" "renewed C-$Y-0001: document: DMS-4711 (signed annex 1) -> DMS-5120 (renewal 2027); document_sha256: $DOC1 -> $DOC2; signed: 2026-03-01 -> 2027-02-20; expires: 2099-03-01 -> 2100-03-01"
run "$EEAGUARD" consent revoke -c "$C" "C-$Y-0002" --reason 'customer withdrew consent by letter of 2026-09-14'
expect_rc "revoke" 0
expect_out_has "revoke says so" "revoked C-$Y-0002: revoked: no -> yes;"
refused "revoke twice" "eeaguard: C-$Y-0002 was already revoked at" \
    "$EEAGUARD" consent revoke -c "$C" "C-$Y-0002" --reason again
refused "renew a revoked consent" "a revoked consent cannot be renewed" \
    "$EEAGUARD" consent renew -c "$C" "C-$Y-0002" --expires 2100-01-01 --document x
run "$EEAGUARD" consent show -c "$C" "C-$Y-0002"
expect_out_has "show: revoked state" "C-$Y-0002 (revoked)"
expect_out_has "show: revoke reason" "revoke_reason    customer withdrew consent by letter of 2026-09-14"
run "$EEAGUARD" consent list -c "$C" --active
grep -q "C-$Y-0002" "$T/out" && fail "list --active leaves out revoked" || ok "list --active leaves out revoked"

run "$EEAGUARD" consent history -c "$C"
expect_rc "history" 0
[ "$(wc -l <"$T/out")" -eq 4 ] && ok "history: one line per change" || fail "history: one line per change" "$(cat "$T/out")"
expect_out_has "history: the add, with who and the document file" \
    "  $ME  add     C-$Y-0001  customer acme; countries US; hosts api.stripe.com, *.stripe.com; ports 443; purpose card payment processing; document DMS-4711 (signed annex 1); signed 2026-03-01; valid_from 2026-03-01; expires 2099-03-01; document file $T/annex1.pdf"
expect_out_has "history: the renewal" "  $ME  renew   C-$Y-0001  document: DMS-4711 (signed annex 1) -> DMS-5120 (renewal 2027);"
expect_out_has "history: the revocation" "  $ME  revoke  C-$Y-0002  revoked: no -> yes;"
run "$EEAGUARD" consent history -c "$C" "C-$Y-0002"
[ "$(wc -l <"$T/out")" -eq 2 ] && ok "history ID: only that consent" || fail "history ID: only that consent" "$(cat "$T/out")"
run "$EEAGUARD" consent history -c "$C" C-1999-0001
expect_rc "history of an unknown id exits 1" 1

run "$EEAGUARD" consent verify -c "$C"
expect_rc "verify a clean history" 0
expect_out_has "verify says OK" "verify: OK: the register is the one the audit log describes"
no_sanitizer_report "verify: no sanitizer report"
# The chain is checkable with standard tools: prev is sha256sum of the line.
p2=$(sed -n 2p "$L" | sed 's/.*"prev":"\([0-9a-f]*\)".*/\1/')
h1=$(sed -n 1p "$L" | sha256sum | cut -c1-64)
[ "$p2" = "$h1" ] && ok "prev is sha256sum of the previous line" || fail "prev is sha256sum of the previous line" "$p2 != $h1"
rs=$(tail -n 1 "$L" | sed 's/.*"register_sha256":"\([0-9a-f]*\)".*/\1/')
[ "$rs" = "$(sha256sum "$R" | cut -c1-64)" ] && ok "register_sha256 is sha256sum of the register" ||
	fail "register_sha256 is sha256sum of the register"
grep -q "\"document_file\":\"$T/annex1.pdf\"" "$L" && ok "the log records the document file" ||
	fail "the log records the document file"

# --- tampering --------------------------------------------------------------
cp "$R" "$T/reg.good"
cp "$L" "$T/log.good"
sed -i 's/countries = \["US"\];/countries = ["CA"];/' "$R"
run "$EEAGUARD" consent verify -c "$C"
expect_rc "hand edit: verify exits 1" 1
expect_out_has "hand edit: names the entry and field" "problem: C-$Y-0001: countries is [\"CA\"] in the register but [\"US\"] in the audit log ($L:3)"
expect_out_has "hand edit: says when" "problem: the register was edited by hand after "
cp "$T/reg.good" "$R"

sed -i 2d "$L"
run "$EEAGUARD" consent verify -c "$C"
expect_rc "deleted log line: verify exits 1" 1
expect_out_has "deleted log line: names the line" "problem: $L:2: the hash chain is broken: \"prev\" is not the SHA-256 of line 1"
cp "$T/log.good" "$L"

sed -i '1s/DMS-4711/DMS-4712/' "$L"
run "$EEAGUARD" consent verify -c "$C"
expect_rc "altered log line: verify exits 1" 1
expect_out_has "altered log line: names the line" "problem: $L:2: the hash chain is broken: \"prev\" is not the SHA-256 of line 1 (line 1 was altered"
cp "$T/log.good" "$L"

sed -i '$s/"customer withdrew/"customer agreed/' "$L"
run "$EEAGUARD" consent verify -c "$C"
expect_rc "altered last line: verify exits 1" 1
expect_out_has "altered last line: names entry and field" "problem: C-$Y-0002: revoke_reason is \"customer withdrew consent by letter of 2026-09-14\" in the register but \"customer agreed consent by letter of 2026-09-14\" in the audit log ($L:4)"
cp "$T/log.good" "$L"

printf 'changed after signing\n' >"$T/annex2.pdf"
run "$EEAGUARD" consent verify -c "$C"
expect_rc "document swapped: verify exits 1" 1
expect_out_has "document swapped: named" "problem: C-$Y-0001: the signed document $T/annex2.pdf no longer matches document_sha256"
rm "$T/annex2.pdf"
run "$EEAGUARD" consent verify -c "$C"
expect_rc "document unreachable: not a problem" 0
expect_out_has "document unreachable: noted" "note: C-$Y-0001: the signed document $T/annex2.pdf cannot be read here"

mv "$L" "$T/log.away"
run "$EEAGUARD" consent verify -c "$C"
expect_rc "no audit log: verify exits 1" 1
expect_out_has "no audit log: says so" "problem: no audit log: 2 consents were never recorded through eeaguard consent"
mv "$T/log.away" "$L"

mkdir "$T/isdir"
printf 'consent: { register = "isdir"; audit_log = "etc/consent.log"; };\n' >"$T/dir.conf"
run "$EEAGUARD" consent verify -c "$T/dir.conf"
expect_rc "unreadable register: verify exits 2" 2
expect_err_has "unreadable register: named" "eeaguard: cannot read $T/isdir:"

# A register written by hand: its comments go, and verify says why.
mkdir "$T/hand"
cp deploy/consent.conf "$T/hand/consent.conf"
printf 'consent: { register = "hand/consent.conf"; audit_log = "hand/consent.log"; };\n' >"$T/hand.conf"
run "$EEAGUARD" consent verify -c "$T/hand.conf"
expect_rc "hand-written register without a log: exit 1" 1
expect_out_has "hand-written register: counted" "problem: no audit log: 3 consents were never recorded through eeaguard consent"
run "$EEAGUARD" consent add -c "$T/hand.conf" --customer acme --countries JP $REQ </dev/null
expect_rc "add to a hand-written register" 0
expect_out_has "add: says hand-written comments were not kept" "note: the comments written by hand in $T/hand/consent.conf were not kept"
grep -q 'Stripe, Inc.' "$T/hand/consent.conf" && ok "add keeps the hand-written consents" || fail "add keeps the hand-written consents"
run "$EEAGUARD" consent verify -c "$T/hand.conf"
expect_rc "hand-written consents stay unrecorded" 1
expect_out_has "verify names each" "problem: C-2026-0001: in the register but never recorded through eeaguard consent"

# A hand edit is warned about at the next change.
sed -i 's/purpose = "p";/purpose = "q";/' "$T/hand/consent.conf"
run "$EEAGUARD" consent revoke -c "$T/hand.conf" C-2026-0002 --reason r
expect_err_has "edit after a hand change: warned" "was changed by hand after the last recorded change"

# --- the terminal dialogue --------------------------------------------------
if command -v script >/dev/null 2>&1; then
	printf 'initech\nUK\nGB\nweb analytics\nDMS-4790\n\nP. Janssen, CMO\n2026-13-01\n2026-04-01\ny\n' >"$T/answers"
	script -qec "$EEAGUARD consent add -c $C --expires 2099-04-01" /dev/null <"$T/answers" >"$T/out" 2>&1
	rc=$?
	expect_rc "terminal: add after answering" 0
	expect_out_has "terminal: asks in plain language" "Countries outside the EEA the data may go to, as two-letter codes separated by commas (e.g. US, CH):"
	expect_out_has "terminal: a wrong answer is explained" "unknown country code 'UK' — did you mean GB?"
	expect_out_has "terminal: an empty answer is refused" "This is required: a consent cannot be recorded without it."
	expect_out_has "terminal: a bad date is explained" "'2026-13-01' is not a valid date"
	expect_out_has "terminal: shows a summary" "  granted_by       P. Janssen, CMO"
	expect_out_has "terminal: asks to confirm" "Record this consent? [y/N]"
	expect_out_has "terminal: records" "recorded C-$Y-0003: customer initech; countries GB; purpose web analytics; document DMS-4790; signed 2026-04-01; expires 2099-04-01"
	no_sanitizer_report "terminal: no sanitizer report"
	printf 'x\n' >"$T/answers"
	script -qec "$EEAGUARD consent add -c $C --countries UK" /dev/null <"$T/answers" >"$T/out" 2>&1
	rc=$?
	expect_rc "terminal: options given are checked before asking" 1
	expect_out_has "terminal: the given option is named" "eeaguard: --countries: unknown country code 'UK'"
	grep -q "^Customer" "$T/out" && fail "terminal: no question after a bad option" || ok "terminal: no question after a bad option"
	s0=$(state)
	printf 'initech\nGB\nweb analytics\nDMS-4790\nP. Janssen\n2026-04-01\nn\n' >"$T/answers"
	script -qec "$EEAGUARD consent add -c $C" /dev/null <"$T/answers" >"$T/out" 2>&1
	rc=$?
	expect_rc "terminal: declining exits 1" 1
	expect_out_has "terminal: declining records nothing" "eeaguard: cancelled: nothing was recorded"
	[ "$(state)" = "$s0" ] && ok "terminal: nothing written after no" || fail "terminal: nothing written after no"
else
	ok "terminal: skipped (no script)"
fi

# --- permissions ------------------------------------------------------------
P=$(mktemp -d /tmp/eeaguard-perm.XXXXXX)
trap 'rm -rf "$T" "$P"' EXIT INT TERM
chmod 0755 "$P"
printf 'consent: { register = "%s/consent.conf"; audit_log = "%s/consent.log"; };\n' "$P" "$P" >"$P/e.conf"
"$EEAGUARD" consent add -c "$P/e.conf" --customer acme --countries US $REQ </dev/null >/dev/null 2>&1
chmod 0644 "$P"/*
chmod 0555 "$P"
as_other=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 && as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
	as_other="env"
fi
if [ -n "$as_other" ]; then
	run $as_other "$EEAGUARD" consent add -c "$P/e.conf" --customer acme --countries US $REQ
	expect_rc "no permission: exit 2" 2
	expect_err_has "no permission: says whom to ask" \
	    "eeaguard: you cannot write $P/consent.conf: ask an administrator to add you to the eeaguard-legal group"
	run $as_other "$EEAGUARD" consent list -c "$P/e.conf"
	expect_rc "no write permission: list still works" 0
else
	ok "no permission: skipped (cannot drop root)"
fi
chmod 0755 "$P"

# --- two editors at once ----------------------------------------------------
mkdir "$T/par"
printf 'consent: { register = "par/consent.conf"; audit_log = "par/consent.log"; };\n' >"$T/par.conf"
for j in 1 2; do
	(
		i=0
		while [ $i -lt 50 ]; do
			i=$((i + 1))
			"$EEAGUARD" consent add -c "$T/par.conf" --customer "c$j" \
			    --countries US --purpose "p$i" --document d \
			    --granted-by g --signed 2026-01-01 </dev/null \
			    >/dev/null 2>>"$T/par.err" || echo "add $j/$i failed" >>"$T/par.err"
		done
	) &
done
wait
n=$(grep -c '^    id = ' "$T/par/consent.conf")
u=$(grep '^    id = ' "$T/par/consent.conf" | sort -u | wc -l)
[ "$n" -eq 100 ] && [ "$u" -eq 100 ] && ok "parallel adds: 100 consents, unique ids" ||
	fail "parallel adds: 100 consents, unique ids" "$n consents, $u unique" "$(head -c 600 "$T/par.err")"
[ "$(wc -l <"$T/par/consent.log")" -eq 100 ] && ok "parallel adds: 100 log lines" || fail "parallel adds: 100 log lines"
run "$EEAGUARD" consent verify -c "$T/par.conf"
expect_rc "parallel adds: the chain verifies" 0

# --- kill -9 at random moments ----------------------------------------------
mkdir "$T/crash"
printf 'consent: { register = "crash/consent.conf"; audit_log = "crash/consent.log"; };\n' >"$T/crash.conf"
bad=0 interrupted=0 landed=0 i=0
"$EEAGUARD" consent list -c "$T/crash.conf" --json >"$T/before.json" 2>/dev/null || echo '[]' >"$T/before.json"
while [ $i -lt 30 ]; do
	i=$((i + 1))
	d=$(awk -v s="$$$i" 'BEGIN { srand(s); printf "%.3f", rand() * 0.08 }')
	"$EEAGUARD" consent add -c "$T/crash.conf" --customer "k$i" --countries US \
	    --purpose p --document d --granted-by g --signed 2026-01-01 </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if ! "$EEAGUARD" consent list -c "$T/crash.conf" --json >"$T/after.json" 2>"$T/err"; then
		bad=1; fail "crash $i: the register still loads" "$(cat "$T/err")"; continue
	fi
	grep '"id"' "$T/before.json" >"$T/b.ids"
	grep '"id"' "$T/after.json" >"$T/a.ids"
	nb=$(wc -l <"$T/b.ids"); na=$(wc -l <"$T/a.ids")
	if ! head -n "$nb" "$T/a.ids" | cmp -s - "$T/b.ids" || [ "$na" -gt $((nb + 1)) ]; then
		bad=1; fail "crash $i: register is the old or the new one" "$nb -> $na"
	fi
	[ "$na" -gt "$nb" ] && landed=$((landed + 1))
	cp "$T/after.json" "$T/before.json"
	"$EEAGUARD" consent verify -c "$T/crash.conf" >"$T/v" 2>&1
	vrc=$?
	if [ $vrc -ne 0 ] || grep -q '^problem:' "$T/v"; then
		bad=1; fail "crash $i: verify passes" "$(cat "$T/v")"
	fi
	grep -q 'interrupted change\|incomplete last line' "$T/v" && interrupted=1
done
[ $bad -eq 0 ] && ok "30 kills: register always old or new, verify always passes ($landed landed)"
run "$EEAGUARD" consent add -c "$T/crash.conf" --customer after --countries US $REQ </dev/null
expect_rc "after the kills: add works" 0
run "$EEAGUARD" consent verify -c "$T/crash.conf"
expect_rc "after the kills: verify passes" 0
if [ $interrupted -eq 1 ]; then
	expect_out_has "an interrupted change is a note, not a problem" "note: "
fi
exit 0
