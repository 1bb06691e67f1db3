#!/bin/sh
# Creates eeaguard's users, groups and directories with their owners and
# modes. Idempotent: run it after every install or upgrade; it changes only
# what differs from the layout below and never touches the contents of the
# configuration, the register, the audit log or the events.
#
#   deploy/setup-users.sh             as root: users, groups, directories
#   deploy/setup-users.sh --dry-run   print what it would do, change nothing
#   DESTDIR=/tmp/root deploy/setup-users.sh
#                                     lay out the directories and modes under
#                                     a staging root (a package build); users,
#                                     groups and owners are left to the
#                                     target system (its postinst)
#
# The layout (see INSTALL.md and LEGAL.md for why):
#
#   user eeaguard (system, group eeaguard, home /var/lib/eeaguard, no shell)
#       the agent runs as it (deploy/eeaguard.service: User=eeaguard)
#   group eeaguard-legal (system)
#       legal staff who record consents: `usermod -aG eeaguard-legal NAME`
#
#   /etc/eeaguard                       root:eeaguard        0755
#   /etc/eeaguard/eeaguard.conf         root:eeaguard        not writable by group or others
#   /etc/eeaguard/consent               root:eeaguard-legal  2775 (setgid: new files join the group)
#   /etc/eeaguard/consent/consent.conf  root:eeaguard-legal  0664 (the register)
#   /var/lib/eeaguard                   eeaguard:eeaguard    0755
#   /var/lib/eeaguard/consent           root:eeaguard-legal  2775
#   /var/lib/eeaguard/consent/consent.log root:eeaguard-legal 0664 (the audit log)
#   /var/log/eeaguard                   eeaguard:eeaguard    0755
#   /var/log/eeaguard/events.jsonl      eeaguard:adm         0640 (as logrotate creates it)
#
# /etc/eeaguard, the configuration and the register are readable by every
# local user, as LEGAL.md needs (legal staff read the configuration to find
# the register; "list, show, history and verify work for anyone who may read
# the files"). The agent never writes there. /var/lib/eeaguard and
# /var/log/eeaguard are searchable by everyone so that legal staff reach the
# audit log and Debian's adm group reads the events; the events themselves
# are 0640. The modes of /var/lib/eeaguard and /var/log/eeaguard are also
# what eeaguard.service sets (StateDirectoryMode=, LogsDirectoryMode=).
set -eu

USER_NAME=eeaguard
LEGAL_GROUP=eeaguard-legal
LOG_GROUP=adm
DESTDIR=${DESTDIR:-}
DRY_RUN=0

usage() {
	echo "usage: $0 [--dry-run]   (DESTDIR=DIR lays out a staging root)" >&2
	exit 1
}

for arg in "$@"; do
	case "$arg" in
	--dry-run|-n) DRY_RUN=1 ;;
	-h|--help) usage ;;
	*) echo "setup-users: unknown option '$arg'" >&2; usage ;;
	esac
done

# run CMD...: runs it, or only prints it with --dry-run
run() {
	if [ "$DRY_RUN" -eq 1 ]; then
		echo "+ $*"
	else
		"$@"
	fi
}

note() { echo "setup-users: $*"; }

# With DESTDIR owners are the target system's business: names may not exist here.
owners=1
if [ -n "$DESTDIR" ]; then
	owners=0
elif [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
	echo "setup-users: run as root (or: sudo $0), or try --dry-run" >&2
	exit 1
fi

# ---- users and groups -------------------------------------------------------

have_group() { getent group "$1" >/dev/null 2>&1; }
have_user() { getent passwd "$1" >/dev/null 2>&1; }

if [ "$owners" -eq 1 ]; then
	if ! have_group "$LEGAL_GROUP"; then
		if command -v addgroup >/dev/null 2>&1; then
			run addgroup --system "$LEGAL_GROUP"
		else
			run groupadd --system "$LEGAL_GROUP"
		fi
	fi
	if ! have_user "$USER_NAME"; then
		# Its home: made here so adduser does not warn it is missing.
		[ -d /var/lib/eeaguard ] || run mkdir -p /var/lib/eeaguard
		if command -v adduser >/dev/null 2>&1; then
			run adduser --system --group --no-create-home \
			    --home /var/lib/eeaguard --shell /usr/sbin/nologin \
			    --gecos "eeaguard data-residency agent" "$USER_NAME"
		else
			run groupadd --system "$USER_NAME"
			run useradd --system --gid "$USER_NAME" --no-create-home \
			    --home-dir /var/lib/eeaguard --shell /usr/sbin/nologin \
			    --comment "eeaguard data-residency agent" "$USER_NAME"
		fi
	elif [ "$(id -u "$USER_NAME")" -eq 0 ]; then
		echo "setup-users: user $USER_NAME has uid 0: fix that first" >&2
		exit 1
	fi
	if ! have_group "$LOG_GROUP"; then
		# Debian always has adm; elsewhere the events stay eeaguard's.
		LOG_GROUP=$USER_NAME
	fi
fi

# ---- directories and files --------------------------------------------------

# dir PATH OWNER:GROUP MODE: creates it, then sets owner and mode
dir() {
	if [ ! -d "$DESTDIR$1" ]; then
		run mkdir -p "$DESTDIR$1"
	fi
	if [ "$owners" -eq 1 ]; then
		run chown "$2" "$DESTDIR$1"
	fi
	run chmod "$3" "$DESTDIR$1"
}

# file PATH OWNER:GROUP MODE [TEXT]: creates it (empty, or one line of TEXT)
# if absent, then sets owner and mode
file() {
	if [ ! -e "$DESTDIR$1" ]; then
		if [ "$DRY_RUN" -eq 1 ]; then
			echo "+ create $DESTDIR$1${4:+ containing: $4}"
		elif [ -n "${4:-}" ]; then
			printf '%s\n' "$4" >"$DESTDIR$1"
		else
			: >"$DESTDIR$1"
		fi
	fi
	if [ "$owners" -eq 1 ]; then
		run chown "$2" "$DESTDIR$1"
	fi
	run chmod "$3" "$DESTDIR$1"
}

dir /etc/eeaguard "root:$USER_NAME" 0755
if [ -e "$DESTDIR/etc/eeaguard/eeaguard.conf" ]; then
	# Keep a mode the admin tightened; only forbid writes by others.
	if [ "$owners" -eq 1 ]; then
		run chown "root:$USER_NAME" "$DESTDIR/etc/eeaguard/eeaguard.conf"
	fi
	run chmod go-w "$DESTDIR/etc/eeaguard/eeaguard.conf"
fi
dir /etc/eeaguard/consent "root:$LEGAL_GROUP" 2775
# A new register holds no consents: nothing may leave the EEA until legal
# records one.
file /etc/eeaguard/consent/consent.conf "root:$LEGAL_GROUP" 0664 \
    "consents = ( );"
if [ -e /etc/eeaguard/consent.conf ] && [ -z "$DESTDIR" ]; then
	note "/etc/eeaguard/consent.conf exists: if it is the register in force," \
	    "move it into /etc/eeaguard/consent/ as LEGAL.md says and point" \
	    "consent.register at it"
fi

dir /var/lib/eeaguard "$USER_NAME:$USER_NAME" 0755
dir /var/lib/eeaguard/consent "root:$LEGAL_GROUP" 2775
file /var/lib/eeaguard/consent/consent.log "root:$LEGAL_GROUP" 0664

dir /var/log/eeaguard "$USER_NAME:$USER_NAME" 0755
file /var/log/eeaguard/events.jsonl "$USER_NAME:$LOG_GROUP" 0640

if [ "$DRY_RUN" -eq 1 ]; then
	note "dry run: nothing was changed"
elif [ "$owners" -eq 1 ]; then
	note "done. Next: add legal staff with 'usermod -aG $LEGAL_GROUP NAME'," \
	    "edit /etc/eeaguard/eeaguard.conf, run 'eeaguard check', then" \
	    "'systemctl enable --now eeaguard'"
else
	note "laid out under $DESTDIR; users, groups and owners are for the" \
	    "target system: run this script there without DESTDIR"
fi
