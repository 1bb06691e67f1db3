# Two test hosts in their own network namespaces, joined by a veth pair:
#   $NS_CLI  the protected server (192.0.2.10, 2001:db8::10), where the agent runs
#   $NS_SRV  a "foreign" host: 198.51.100.7 (US in the test geodb) and
#            192.0.2.20 (NL), 2001:db8:1::7 (US)
# Only documentation addresses, only between these namespaces. Sourced
# after lib.sh; netns_up creates, the EXIT trap removes.

NS_CLI="eg-cli-$$"
NS_SRV="eg-srv-$$"

netns_down() {
	ip netns del "$NS_CLI" 2>/dev/null
	ip netns del "$NS_SRV" 2>/dev/null
}

netns_can() {
	[ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1 &&
		ip netns add "eg-probe-$$" 2>/dev/null && ip netns del "eg-probe-$$"
}

netns_up() {
	trap 'netns_down; rm -rf "$T"' EXIT INT TERM
	ip netns add "$NS_CLI" && ip netns add "$NS_SRV" || return 1
	ip -n "$NS_CLI" link add vc type veth peer name vs netns "$NS_SRV" || return 1
	ip -n "$NS_CLI" link set lo up
	ip -n "$NS_SRV" link set lo up
	ip -n "$NS_CLI" addr add 192.0.2.10/32 dev vc
	ip -n "$NS_CLI" addr add 2001:db8::10/128 dev vc nodad
	ip -n "$NS_SRV" addr add 198.51.100.7/32 dev vs
	ip -n "$NS_SRV" addr add 192.0.2.20/32 dev vs
	ip -n "$NS_SRV" addr add 2001:db8:1::7/128 dev vs nodad
	ip -n "$NS_CLI" link set vc up
	ip -n "$NS_SRV" link set vs up
	ip -n "$NS_CLI" route add 198.51.100.0/24 dev vc
	ip -n "$NS_CLI" route add 192.0.2.20/32 dev vc
	ip -n "$NS_CLI" route add 2001:db8:1::/48 dev vc
	ip -n "$NS_SRV" route add 192.0.2.10/32 dev vs
	ip -n "$NS_SRV" route add 2001:db8::10/128 dev vs
}

# wait_for FILE TEXT SECONDS: until FILE contains TEXT (fixed string)
wait_for() {
	i=0
	while [ "$i" -lt $(($3 * 10)) ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
