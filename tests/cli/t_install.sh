#!/bin/sh
# make install into a staging root: every file and mode, configuration kept
# across reinstalls, the unit verified and rated by systemd-analyze, the man
# pages lint-clean, the scripts clean; then, in a private mount namespace,
# setup-users.sh for real and the permissions it gives legal staff and the
# agent's user. Installs the binary under test; builds nothing.
. tests/cli/lib.sh

R=$T/root
BIN_ABS=$(cd "$(dirname "$EEAGUARD")" && pwd)/$(basename "$EEAGUARD")
DB_ABS=$(pwd)/build/country.mmdb

# The caller's make flags (SANITIZE=1, -j) must not reach this make.
do_install() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
	    install DESTDIR="$R" PREFIX=/usr INSTALL_BIN="$BIN_ABS" \
	    INSTALL_DB="$DB_ABS" >"$T/out" 2>"$T/err"
	rc=$?
}

do_install
expect_rc "make install DESTDIR PREFIX=/usr" 0
if grep -qE '^ *(CC|LD|AR) ' "$T/out"; then
	fail "install builds nothing" "$(cat "$T/out")"
else ok "install builds nothing"; fi

# ---- the tree: every file and directory, with its mode ----------------------
cat >"$T/want" <<'W'
755 etc
755 etc/eeaguard
2775 etc/eeaguard/consent
664 etc/eeaguard/consent/consent.conf
644 etc/eeaguard/eeaguard.conf
755 etc/logrotate.d
644 etc/logrotate.d/eeaguard
755 usr
755 usr/lib
755 usr/lib/systemd
755 usr/lib/systemd/system
644 usr/lib/systemd/system/eeaguard.service
755 usr/sbin
755 usr/sbin/eeaguard
755 usr/share
755 usr/share/doc
755 usr/share/doc/eeaguard
644 usr/share/doc/eeaguard/INSTALL.md
644 usr/share/doc/eeaguard/LEGAL.md
644 usr/share/doc/eeaguard/README.md
755 usr/share/doc/eeaguard/examples
644 usr/share/doc/eeaguard/examples/consent.conf
644 usr/share/doc/eeaguard/examples/eeaguard.conf
755 usr/share/eeaguard
644 usr/share/eeaguard/country.mmdb
755 usr/share/eeaguard/setup-users.sh
755 usr/share/man
755 usr/share/man/man5
644 usr/share/man/man5/eeaguard-consent.5
644 usr/share/man/man5/eeaguard.conf.5
755 usr/share/man/man8
644 usr/share/man/man8/eeaguard.8
755 var
755 var/lib
755 var/lib/eeaguard
2775 var/lib/eeaguard/consent
664 var/lib/eeaguard/consent/consent.log
755 var/log
755 var/log/eeaguard
640 var/log/eeaguard/events.jsonl
W
tree() { (cd "$R" && find . -mindepth 1 -printf '%m %P\n' | LC_ALL=C sort -k2); }
tree >"$T/tree"
if diff -u "$T/want" "$T/tree" >"$T/diff"; then ok "installed tree and modes"
else fail "installed tree and modes" "$(cat "$T/diff")"; fi

same() { # same NAME A B: files A and B are identical
	if cmp -s "$2" "$3"; then ok "$1"; else fail "$1" "$2 differs from $3"; fi
}
same "binary installed" "$EEAGUARD" "$R/usr/sbin/eeaguard"
same "database installed" "$DB_ABS" "$R/usr/share/eeaguard/country.mmdb"
same "logrotate installed" deploy/eeaguard.logrotate "$R/etc/logrotate.d/eeaguard"
same "example register in the docs" deploy/consent.conf \
    "$R/usr/share/doc/eeaguard/examples/consent.conf"
for m in eeaguard.8:man8 eeaguard.conf.5:man5 eeaguard-consent.5:man5; do
	same "man page ${m%%:*}" "doc/${m%%:*}" "$R/usr/share/man/${m#*:}/${m%%:*}"
done

# The unit names the binary where PREFIX put it.
if grep -qx 'ExecStart=/usr/sbin/eeaguard agent -c /etc/eeaguard/eeaguard.conf --user eeaguard' \
    "$R/usr/lib/systemd/system/eeaguard.service"; then ok "unit ExecStart under PREFIX"
else fail "unit ExecStart under PREFIX" "$(grep ExecStart "$R/usr/lib/systemd/system/eeaguard.service")"; fi

# The installed configuration: the register and log where LEGAL.md puts
# them, every interface, and it loads with the empty register.
conf=$R/etc/eeaguard/eeaguard.conf
for want in 'register = "consent/consent.conf";' \
    'audit_log = "/var/lib/eeaguard/consent/consent.log";' 'interfaces = [];'; do
	if grep -qF "$want" "$conf"; then ok "installed config: $want"
	else fail "installed config: $want" "$(grep -nE 'register|audit_log|interfaces' "$conf")"; fi
done
if [ "$(cat "$R/etc/eeaguard/consent/consent.conf")" = "consents = ( );" ]; then
	ok "installed register holds no consents"
else fail "installed register holds no consents" "$(cat "$R/etc/eeaguard/consent/consent.conf")"; fi
run "$EEAGUARD" check -c "$conf"
expect_rc "eeaguard check on the installed configuration" 0
expect_out_has "check read the installed register" "consent register $R/etc/eeaguard/consent/consent.conf"

# ---- a second install keeps what the admin changed ---------------------------
echo '# edited by the admin' >>"$conf"
sed 's/rotate 90/rotate 400/' "$R/etc/logrotate.d/eeaguard" >"$T/lr" &&
    cat "$T/lr" >"$R/etc/logrotate.d/eeaguard"
echo 'consents = ( ); # edited' >"$R/etc/eeaguard/consent/consent.conf"
echo '{"ts":"x"}' >"$R/var/log/eeaguard/events.jsonl"
for f in etc/eeaguard/eeaguard.conf etc/logrotate.d/eeaguard \
    etc/eeaguard/consent/consent.conf var/log/eeaguard/events.jsonl; do
	cp "$R/$f" "$T/saved.$(basename "$f")"
done
chmod 0640 "$conf"
printf 'stale\n' >"$R/usr/sbin/eeaguard"
do_install
expect_rc "second make install" 0
same "second install keeps the edited eeaguard.conf" "$T/saved.eeaguard.conf" "$conf"
same "second install keeps the edited logrotate file" "$T/saved.eeaguard" "$R/etc/logrotate.d/eeaguard"
same "second install keeps the register" "$T/saved.consent.conf" "$R/etc/eeaguard/consent/consent.conf"
same "second install keeps the events" "$T/saved.events.jsonl" "$R/var/log/eeaguard/events.jsonl"
same "second install replaces the binary" "$EEAGUARD" "$R/usr/sbin/eeaguard"
expect_out_has "second install says it kept the configuration" "kept $conf"
if [ "$(stat -c %a "$conf")" = 640 ]; then ok "a tightened config mode is kept"
else fail "a tightened config mode is kept" "mode $(stat -c %a "$conf")"; fi
chmod 0644 "$conf"
tree >"$T/tree2"
if diff -u "$T/tree" "$T/tree2" >"$T/diff"; then ok "second install: same tree and modes"
else fail "second install: same tree and modes" "$(cat "$T/diff")"; fi

# ---- uninstall: the program goes, configuration and evidence stay ------------
cp -a "$R" "$T/root2"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory uninstall \
    DESTDIR="$T/root2" PREFIX=/usr >"$T/out" 2>"$T/err"
rc=$?
expect_rc "make uninstall" 0
left=$(cd "$T/root2" && find usr -type f)
if [ -z "$left" ]; then ok "uninstall removes every installed program file"
else fail "uninstall removes every installed program file" "$left"; fi
(cd "$T/root2" && find etc var -type f | LC_ALL=C sort) >"$T/kept"
printf '%s\n' etc/eeaguard/consent/consent.conf etc/eeaguard/eeaguard.conf \
    etc/logrotate.d/eeaguard var/lib/eeaguard/consent/consent.log \
    var/log/eeaguard/events.jsonl >"$T/kept.want"
if diff -u "$T/kept.want" "$T/kept" >"$T/diff"; then ok "uninstall keeps configuration, audit log and events"
else fail "uninstall keeps configuration, audit log and events" "$(cat "$T/diff")"; fi
expect_out_has "uninstall says how to remove the table" "nft delete table inet eeaguard"
rm -rf "$T/root2"

# ---- the unit: systemd-analyze verify and security --------------------------
unit=$R/usr/lib/systemd/system/eeaguard.service
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "skip - systemd-analyze is not installed: unit not verified"
else
	# verify checks that ExecStart exists and the man pages open: point it
	# at the staged binary and pages.
	mkdir -p "$T/unit"
	sed "s|/usr/sbin/eeaguard|$R/usr/sbin/eeaguard|g" "$unit" >"$T/unit/eeaguard.service"
	run env MANPATH="$R/usr/share/man" systemd-analyze verify "$T/unit/eeaguard.service"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/err" ] && [ ! -s "$T/out" ]; then
		ok "systemd-analyze verify"
	else fail "systemd-analyze verify" "exit $rc" "$(cat "$T/out" "$T/err")"; fi
	run systemd-analyze security --offline=yes --no-pager "$T/unit/eeaguard.service"
	score=$(sed -n 's/.*Overall exposure level for eeaguard.service: \([0-9.]*\) .*/\1/p' "$T/out")
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s < 5.0) }'; then
		ok "systemd-analyze security: $score (OK or better)"
	else fail "systemd-analyze security: OK or better" "exposure '$score'" "$(tail -n 3 "$T/out" "$T/err")"; fi
	for want in 'User=/DynamicUser=' 'CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)' \
	    'NoNewPrivileges=' 'ProtectSystem=' 'PrivateDevices=' 'ProtectHome='; do
		if grep -F "✓ $want " "$T/out" >/dev/null; then ok "security: $want"
		else fail "security: $want" "$(grep -F "$want " "$T/out")"; fi
	done
fi

# ---- man pages: lint-clean ---------------------------------------------------
for p in man8/eeaguard.8 man5/eeaguard.conf.5 man5/eeaguard-consent.5; do
	f=$R/usr/share/man/$p
	if command -v mandoc >/dev/null 2>&1; then
		# STYLE notes (pages not installed on this host) depend on the host.
		mandoc -T lint -W warning "$f" >"$T/lint" 2>&1
		grep -v 'outdated mandoc.db' "$T/lint" >"$T/lint2"
		if [ -s "$T/lint2" ]; then fail "mandoc -T lint ${p#*/}" "$(cat "$T/lint2")"
		else ok "mandoc -T lint ${p#*/}"; fi
	fi
	groff -ww -mdoc -Tutf8 "$f" >/dev/null 2>"$T/lint"
	if [ -s "$T/lint" ]; then fail "groff -ww ${p#*/}" "$(cat "$T/lint")"
	else ok "groff -ww ${p#*/}"; fi
done
command -v mandoc >/dev/null 2>&1 || echo "skip - mandoc is not installed: groff only"

# ---- scripts -----------------------------------------------------------------
# The postrotate script as logrotate runs it (sh -c).
sed -n '/postrotate/,/endscript/p' deploy/eeaguard.logrotate | sed '1d;$d' >"$T/postrotate.sh"
for s in deploy/setup-users.sh tests/cli/t_install.sh "$T/postrotate.sh"; do
	if sh -n "$s" 2>"$T/err"; then ok "sh -n $(basename "$s")"
	else fail "sh -n $(basename "$s")" "$(cat "$T/err")"; fi
	if command -v shellcheck >/dev/null 2>&1; then
		if shellcheck -s sh -e SC1091 "$s" >"$T/sc" 2>&1; then ok "shellcheck $(basename "$s")"
		else fail "shellcheck $(basename "$s")" "$(head -c 1500 "$T/sc")"; fi
	fi
done
command -v shellcheck >/dev/null 2>&1 || echo "skip - shellcheck is not installed: sh -n only"
if command -v logrotate >/dev/null 2>&1; then
	# -d reads and checks the file, rotates nothing; the user must exist here.
	sed 's/create 0640 eeaguard adm/create 0640 root adm/' deploy/eeaguard.logrotate >"$T/lr"
	run logrotate -d -s "$T/lrstate" "$T/lr"
	if [ "$rc" -eq 0 ] && ! grep -qi 'error' "$T/out" "$T/err"; then ok "logrotate -d accepts the file"
	else fail "logrotate -d accepts the file" "$(cat "$T/out" "$T/err")"; fi
fi

run deploy/setup-users.sh --dry-run
expect_rc "setup-users.sh --dry-run" 0
expect_out_has "dry run creates the service user" "adduser --system --group --no-create-home --home /var/lib/eeaguard"
expect_out_has "dry run: register directory setgid" "chmod 2775 /etc/eeaguard/consent"
run deploy/setup-users.sh --bogus
expect_rc "setup-users.sh refuses an unknown option" 1

# ---- setup-users.sh for real, in a private mount namespace -------------------
# /etc is a copy and /var/lib, /var/log are empty tmpfs: the host's users and
# directories are untouched. Then: legal staff record a consent, the agent's
# user reads everything it needs and can write none of legal's files, and
# someone outside the group is told why not.
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
    ! command -v setpriv >/dev/null 2>&1 || ! command -v useradd >/dev/null 2>&1 ||
    ! unshare -m --propagation private true 2>/dev/null; then
	echo "skip - setup-users.sh for real needs root, unshare -m, setpriv and useradd"
	exit 0
fi
chmod 0755 "$T"
cat >"$T/ns.sh" <<'NS'
set -u
T=$1 R=$2 BIN=$3
say() { echo "$1 - $2"; }
check() { # check NAME CMD...: ok when CMD succeeds
	n=$1; shift
	if "$@" >"$T/ns.out" 2>"$T/ns.err"; then say ok "$n"
	else say FAIL "$n"; sed 's/^/    /' "$T/ns.out" "$T/ns.err"; fi
}
refuse() { # refuse NAME CMD...: ok when CMD fails
	n=$1; shift
	if "$@" >"$T/ns.out" 2>"$T/ns.err"; then say FAIL "$n"; else say ok "$n"; fi
}
as() { u=$1; shift; setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@"; }

cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc || exit 1
mount -t tmpfs -o mode=0755 tmpfs /var/lib || exit 1
mount -t tmpfs -o mode=0755 tmpfs /var/log || exit 1
rm -rf /etc/eeaguard
cp -a "$R/etc/eeaguard" /etc/eeaguard
check "setup-users.sh creates users and directories" sh "$R/usr/share/eeaguard/setup-users.sh"
check "setup-users.sh again (idempotent)" sh "$R/usr/share/eeaguard/setup-users.sh"
find /etc/eeaguard /var/lib/eeaguard /var/log/eeaguard -printf '%m %u:%g %p\n' | LC_ALL=C sort -k3 >"$T/owners"
cat >"$T/owners.want" <<'W'
755 root:eeaguard /etc/eeaguard
2775 root:eeaguard-legal /etc/eeaguard/consent
664 root:eeaguard-legal /etc/eeaguard/consent/consent.conf
644 root:eeaguard /etc/eeaguard/eeaguard.conf
755 eeaguard:eeaguard /var/lib/eeaguard
2775 root:eeaguard-legal /var/lib/eeaguard/consent
664 root:eeaguard-legal /var/lib/eeaguard/consent/consent.log
755 eeaguard:eeaguard /var/log/eeaguard
640 eeaguard:adm /var/log/eeaguard/events.jsonl
W
check "owners and modes" diff -u "$T/owners.want" "$T/owners"
check "eeaguard is a system user without a shell" sh -c \
    'getent passwd eeaguard | awk -F: "\$3 < 1000 && \$7 == \"/usr/sbin/nologin\" && \$6 == \"/var/lib/eeaguard\"" | grep -q .'

useradd -M -s /usr/sbin/nologin -G eeaguard-legal eglegal
check "legal staff record a consent" as eglegal "$BIN" consent add --customer acme \
    --countries US --purpose 'card payments' --document 'DMS-1' \
    --granted-by 'J. Doe, DPO' --signed 2026-01-01
check "the register holds it" grep -q 'customer = "acme"' /etc/eeaguard/consent/consent.conf
check "the new register keeps group and mode" sh -c \
    '[ "$(stat -c %a:%G /etc/eeaguard/consent/consent.conf)" = 664:eeaguard-legal ]'
check "the audit log has its line" sh -c \
    '[ "$(wc -l </var/lib/eeaguard/consent/consent.log)" -eq 1 ]'
check "anyone may verify" as nobody "$BIN" consent verify
check "the agent's user loads config, register and geodb" as eeaguard "$BIN" check
refuse "the agent's user cannot write the register" as eeaguard sh -c \
    ': >>/etc/eeaguard/consent/consent.conf'
refuse "the agent's user cannot write the register's directory" as eeaguard \
    touch /etc/eeaguard/consent/x
refuse "the agent's user cannot write the audit log" as eeaguard sh -c \
    ': >>/var/lib/eeaguard/consent/consent.log'
refuse "the agent's user cannot write the configuration" as eeaguard sh -c \
    ': >>/etc/eeaguard/eeaguard.conf'
check "the agent's user writes the events" as eeaguard sh -c \
    ': >>/var/log/eeaguard/events.jsonl'
refuse "others cannot read the events" as nobody cat /var/log/eeaguard/events.jsonl
as nobody "$BIN" consent revoke C-2026-0001 --reason test >"$T/ns.out" 2>"$T/ns.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q eeaguard-legal "$T/ns.err"; then say ok "outsiders are refused (exit 2, told why)"
else say FAIL "outsiders are refused (exit 2, told why)"; echo "    exit $rc: $(cat "$T/ns.err")"; fi
NS
unshare -m --propagation private sh "$T/ns.sh" "$T" "$R" "$BIN_ABS"
