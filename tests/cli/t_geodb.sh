#!/bin/sh
# eeaguard geodb build / lookup: exact output, bad input, bad database files.
. tests/cli/lib.sh

run "$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb"
expect_rc "build from CSV" 0

cat >"$T/want" <<'W'
192.0.2.1 NL eea 192.0.2.0/24
192.0.2.255 NL eea 192.0.2.0/24
198.51.100.7 US non-eea 198.51.100.0/24
203.0.113.1 DE eea 203.0.113.0/25
203.0.113.130 CN non-eea 203.0.113.128/26
203.0.113.200 EU non-eea 203.0.113.192/27
203.0.113.230 SJ non-eea 203.0.113.224/27
127.0.0.1 -- internal 127.0.0.0/8
10.1.2.3 -- internal 10.0.0.0/8
2001:db8::5 NL eea 2001:db8::/48
2001:db8:1:ffff:ffff:ffff:ffff:ffff US non-eea 2001:db8:1::/48
2001:db8:2::1 AP non-eea 2001:db8:2::/48
192.0.2.9 NL eea 192.0.2.0/24
2002:c633:6401:: US non-eea 2002:c633:6400::/40
fe80::1 -- internal fe80::/10
W
run "$EEAGUARD" geodb lookup --db "$T/geo.mmdb" 192.0.2.1 192.0.2.255 \
    198.51.100.7 203.0.113.1 203.0.113.130 203.0.113.200 203.0.113.230 \
    127.0.0.1 10.1.2.3 2001:db8::5 2001:db8:1:ffff:ffff:ffff:ffff:ffff \
    2001:db8:2::1 ::ffff:192.0.2.9 2002:c633:6401:: fe80::1
expect_rc "lookup exit" 0
# ::ffff:192.0.2.9 is IPv4-mapped and prints as IPv4; 2002:c633:6401:: is
# the 6to4 form of 198.51.100.1 and resolves through the IPv4 tree.
expect_out "lookup output, both families and aliases" "$T/want"

run "$EEAGUARD" geodb lookup --db "$T/geo.mmdb" 8.8.8.8
expect_out_has "unknown address is non-eea with --" "8.8.8.8 -- non-eea "

run "$EEAGUARD" geodb lookup --db "$T/geo.mmdb" 192.0.2.1 192.0.2.300
expect_rc "bad address exits 1" 1
expect_err_has "bad address is named" "'192.0.2.300' is not an IP address"
[ -s "$T/out" ] && fail "bad address: nothing printed" "$(cat "$T/out")" || ok "bad address: nothing printed"

# Bad database files: each exits 1 with a message naming the file.
: >"$T/empty.mmdb"
size=$(stat -c %s "$T/geo.mmdb")
head -c $((size / 2)) "$T/geo.mmdb" >"$T/trunc.mmdb"
head -c 3000 /dev/urandom >"$T/garbage.mmdb"
head -c $((size - 40)) "$T/geo.mmdb" >"$T/short.mmdb"
for f in missing empty trunc garbage short; do
	run "$EEAGUARD" geodb lookup --db "$T/$f.mmdb" 192.0.2.1
	expect_rc "$f database exits 1" 1
	expect_err_has "$f database is named" "$T/$f.mmdb"
	no_sanitizer_report "$f database: no sanitizer report"
done
# A search tree that points outside the file: every node's records set to
# a huge value. The tree starts at byte 0.
cp "$T/geo.mmdb" "$T/badtree.mmdb"
printf '\377\377\377\377\377\377' | dd of="$T/badtree.mmdb" bs=1 seek=0 conv=notrunc 2>/dev/null
run "$EEAGUARD" geodb lookup --db "$T/badtree.mmdb" 192.0.2.1
expect_rc "corrupt tree exits 1" 1
expect_err_has "corrupt tree is reported" "corrupt"

# Builder refusals name the file and line.
printf 'network,iso_code\n192.0.2.0/24,NL\n192.0.2.128/25,US\n' >"$T/overlap.csv"
run "$EEAGUARD" geodb build --csv "$T/overlap.csv" -o "$T/o.mmdb"
expect_rc "overlap exits 1" 1
expect_err_has "overlap names the line" "overlap.csv:3"
printf '192.0.2.0/24,nl\n' >"$T/lower.csv"
run "$EEAGUARD" geodb build --csv "$T/lower.csv" -o "$T/o.mmdb"
expect_rc "bad code exits 1" 1
expect_err_has "bad code names the line" "lower.csv:1"
printf 'network,iso_code\n192.0.2.0/24,??\n' >"$T/none.csv"
run "$EEAGUARD" geodb build --csv "$T/none.csv" -o "$T/o.mmdb"
expect_rc "an input without a country exits 1" 1
expect_err_has "an input without a country says so" "holds no address range with a country code"
[ -e "$T/o.mmdb" ] && fail "failed build leaves no output" || ok "failed build leaves no output"

# The embedded default answers as /usr/share/tor/geoip* do.
tor4() { # tor country of a dotted quad
	echo "$1" | awk -F. '{ printf "%.0f\n", ($1*16777216)+($2*65536)+($3*256)+$4 }' | {
		read -r n
		awk -F, -v n="$n" '!/^#/ && $1 <= n && n <= $2 { print $3; exit }' /usr/share/tor/geoip
	}
}
if [ -r /usr/share/tor/geoip ] && [ -r build/country.mmdb ]; then
	for ip in 8.8.8.8 193.0.6.139 1.1.1.1 81.2.69.160; do
		want=$(tor4 "$ip")
		run "$EEAGUARD" geodb lookup --db build/country.mmdb "$ip"
		got=$(cut -d' ' -f2 "$T/out")
		[ "$got" = "$want" ] && ok "world: $ip is $want" ||
			fail "world: $ip" "got $got, tor says $want"
	done
	want6=$(grep -m1 '^2001:4860:' /usr/share/tor/geoip6 | cut -d, -f3)
	run "$EEAGUARD" geodb lookup --db build/country.mmdb 2001:4860:4860::8888
	got=$(cut -d' ' -f2 "$T/out")
	[ "$got" = "$want6" ] && ok "world: 2001:4860:4860::8888 is $want6" ||
		fail "world: 2001:4860:4860::8888" "got $got, tor says $want6"
	run "$EEAGUARD" geodb lookup 127.0.0.1
	expect_out_has "default database, internal" "127.0.0.1 -- internal 127.0.0.0/8"
fi
