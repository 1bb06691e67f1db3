#!/bin/sh
# Installs every Debian package eeaguard needs to build, run and test.
# Idempotent: runs apt-get only when something is missing.
set -eu

# build: compiler, pkg-config and the libraries eeaguard links
BUILD="gcc make pkg-config libpcap-dev libmaxminddb-dev libconfig-dev libssl-dev libjson-c-dev libnftables-dev libmnl-dev libsystemd-dev libcap-ng-dev zlib1g-dev"
# run: the embedded country database's source data and the MMDB tools
RUN="tor-geoipdb mmdb-bin nftables logrotate adduser"
# test: unit tests, fuzzing compiler, network namespaces, static analysis
TEST="check clang iproute2 jq bsdutils tcpdump mandoc shellcheck systemd chromium cppcheck clang-tidy"

missing=""
for p in $BUILD $RUN $TEST; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
