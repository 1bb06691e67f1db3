#!/bin/sh
# eeaguard report: golden reports over replayed e2e captures plus the
# hand-written events of tests/fixtures/events/ (incident lines as
# doc/EVENTS.md specifies them), JSON checked field by field with jq, HTML
# in headless Chromium, malformed lines, rotated files, exit statuses.
#
#   REPORT_REGEN=1 sh tests/cli/t_report.sh   rewrites tests/fixtures/report/*.txt|*.err
#   REPORT_KEEP=1 ...                         keeps the work directory
cd "$(dirname "$0")/../.." || exit 2
. tests/cli/lib.sh
if [ "${REPORT_KEEP:-0}" = 1 ]; then
	trap - EXIT INT TERM
	echo "# work directory: $T"
fi
: "${TOOLS:=build/tools}"
# The tests run in $T: relative paths must not depend on the directory.
case $EEAGUARD in /*) ;; */*) EEAGUARD=$PWD/$EEAGUARD ;; esac
case $TOOLS in /*) ;; *) TOOLS=$PWD/$TOOLS ;; esac
F=$PWD/tests/fixtures/events
R=$PWD/tests/fixtures/report
NOW=2026-11-27T10:10:01Z

# golden NAME: stdout of the last run (temp dir as @TMP@) equals $R/NAME.
golden() {
	sed "s|$T|@TMP@|g" "$T/out" >"$T/out.norm"
	if [ "${REPORT_REGEN:-0}" = 1 ]; then
		cp "$T/out.norm" "$R/$1"
		ok "report golden $1 (regenerated)"
	elif diff -u "$R/$1" "$T/out.norm" >"$T/diff"; then
		ok "report golden $1"
	else
		fail "report golden $1" "$(head -80 "$T/diff")"
	fi
}

# jqcheck NAME FILTER: the JSON in $T/out makes FILTER true.
jqcheck() {
	if jq -e "$2" "$T/out" >/dev/null 2>"$T/jq.err"; then ok "report json $1"
	else fail "report json $1" "jq: $2 is not true" "$(cat "$T/jq.err")" \
	    "got: $(jq -c "$(echo "$2" | sed 's/ *==.*//')" "$T/out" 2>&1 | head -c 600)"; fi
}

# ---- the events: e2e captures replayed, plus hand-written lines ----------
"$EEAGUARD" geodb build --csv tests/fixtures/geo.csv -o "$T/geo.mmdb" \
    >"$T/geo.out" 2>&1 || fail "report setup: geodb" "$(cat "$T/geo.out")"

# replay CASE: the case's events on stdout, without the wall-clock
# lifecycle lines, with geodb and policy fingerprints fixed (the test geodb
# and the configuration paths differ per run). The agent's own incident
# lines are kept aside in $T/agent-incidents.jsonl: the goldens use the
# hand-written ones, so they test the report, not the agent's episodes.
replay() {
	c=tests/e2e/$1
	w=$T/e2e-$1
	mkdir -p "$w"
	"$TOOLS/pcapgen" "$c/flows.txt" "$w/capture.pcap" || return 1
	for f in eeaguard.conf consent.conf; do
		[ -f "$c/$f" ] && sed -e "s|@GEODB@|$T/geo.mmdb|g" \
		    -e "s|@CASE@|$PWD/$c|g" -e "s|@TMP@|$w|g" "$c/$f" >"$w/$f"
	done
	[ -f "$w/consent.conf" ] || echo 'consents = ();' >"$w/consent.conf"
	args=-v
	[ -f "$c/args" ] && args=$(sed -n 1p "$c/args")
	# shellcheck disable=SC2086 # args is a word list
	"$EEAGUARD" agent -r "$w/capture.pcap" -c "$w/eeaguard.conf" $args \
	    >"$w/events" 2>"$w/err" || return 1
	jq -c 'select(.event == "incident")' "$w/events" >>"$T/agent-incidents.jsonl"
	jq -c 'select(.event != "agent_started" and .event != "agent_stopped" and
	        .event != "incident")
	    | if has("geodb") then .geodb = "2026-11-01T00:00:00Z/0123456789ab" else . end
	    | if has("policy") then .policy = "9f86d081884c" else . end' "$w/events"
}

: >"$T/all.jsonl"
: >"$T/agent-incidents.jsonl"
for c in basic-v4 consent-allowed multi-customer dedup-on unscoped-block \
    names-sni-reverse consent-expiry; do
	if ! replay "$c" >>"$T/all.jsonl"; then
		fail "report setup: replay $c" "$(head -c 600 "$T/e2e-$c/err")"
	fi
done
cat "$F/blocked.jsonl" "$F/incidents.jsonl" "$F/gaps.jsonl" >>"$T/all.jsonl"
# The agent's own incidents, from the e2e case made for them (if any).
[ -d tests/e2e/incident ] && replay incident >"$T/e2e-incident.jsonl"
cp "$R/report.conf" "$R/consent.conf" "$T/"
cd "$T" || exit 2

# ---- text ---------------------------------------------------------------------
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW"
expect_rc "report text: exit 0" 0
no_sanitizer_report "report text: no sanitizer report"
golden all.txt
# The deadlines: the earliest first, the overdue ones marked.
if grep -n 'OVERDUE by\|due in' "$T/out" | head -3 | awk -F: '{print $2}' |
    tr -d '\n' | grep -q '^  OVERDUE by 1d 1h.*  OVERDUE by 3h .*  due in 14h 49m'; then
	ok "report text: overdue first, marked"
else
	fail "report text: overdue first, marked" "$(grep 'OVERDUE\|due in' "$T/out")"
fi

run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --customer acme --since 2026-11-26 --until 2026-11-26
expect_rc "report text acme one day: exit 0" 0
golden acme-2026-11-26.txt

# ---- JSON, field by field ----------------------------------------------------
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" --format json
expect_rc "report json: exit 0" 0
jqcheck "lines" '.report.lines == (.report.used + .report.filtered + .report.malformed + .report.blank) and .report.malformed == 0'
jqcheck "incidents: 3, deadline first" '[.incidents[].incident] == ["INC-20261125-b4446760", "INC-20261126-a8f20516", "INC-20261127-eb7a6d77"]'
jqcheck "incidents: status" '[.incidents[].status] == ["overdue", "overdue", "due"]'
jqcheck "incidents: seconds left" '[.incidents[].seconds_left] == [-90601, -10800, 53399]'
jqcheck "incident: merged update" '.incidents[0] | .bytes_sent == 250000 and .packets_sent == 190 and .lines == 2 and .measures.blocked_at == "2026-11-25T09:00:00.350000Z" and .last_seen == "2026-11-25T09:00:00.350000Z"'
jqcheck "incident: fields" '.incidents[1] | .customer == "acme" and .subjects == 1200 and .destinations == [{"dst":"198.51.100.7","dport":443,"country":"US","host":null}] and .process.comm == null and .measures == {"action":"alert","blocked_at":null} and .notify_customer_by == "2026-11-27T07:10:01.000000Z"'
jqcheck "incident: unknown subjects stay null" '.incidents[2].subjects == null and .incidents[2].customer == "globex"'
# Violations: basic-v4 1, consent-allowed 2, multi-customer 2, dedup-on
# 3 lines = 6 (one carries suppressed 3), unscoped-block 2, names-sni-
# reverse 1 (the revision), consent-expiry 2, blocked 2 lines = 4 (suppressed
# 2), incidents.jsonl 2.
jqcheck "violations: total" '.violations.total == 22'
jqcheck "violations: blocked" '.violations.blocked == 8'
jqcheck "violations: by customer" '[.violations.by_customer[] | [.customer, .count, .blocked]] == [["acme", 21, 7], ["globex", 3, 1], ["(no scope)", 1, 1]]'
jqcheck "violations: by country" '[.violations.by_country[] | [.country, .count]] == [["US", 17], ["CN", 5]]'
jqcheck "violations: blocked-only destination has no incident" '.violations.by_destination[] | select(.destination == "203.0.113.140") | .count == 4 and .blocked == 4 and .incidents == 0 and .country == "CN"'
jqcheck "violations: destination with an incident" '.violations.by_destination[] | select(.destination == "198.51.100.7") | .incidents == 1 and .blocked == 2 and .count == 13'
jqcheck "violations: incident by host" '.violations.by_destination[] | select(.destination == "cdn.example.cn") | .incidents == 1 and .count == 1'
jqcheck "violations: by process" '[.violations.by_process[] | [.process, .count]] == [["(unknown)", 16], ["payroll", 4], ["crm-sync", 1], ["report-export", 1]]'
jqcheck "violations: by day" '[.violations.by_day[] | [.day, .count]] == [["2026-11-25", 1], ["2026-11-26", 20], ["2026-11-27", 1]]'
jqcheck "violations: first and last" '.violations.first_seen == "2026-11-25T08:59:59.900000Z" and .violations.last_seen == "2026-11-27T00:59:59.950000Z"'
jqcheck "consents used: ids" '[.consents_used[].consent] == ["A-1", "C-2026-0001", "C-2026-0007", "G-1"]'
jqcheck "consents used: counts" '[.consents_used[].transfers] == [1, 2, 2, 1]'
jqcheck "consents used: register check" '[.consents_used[].register] == ["not_in_register", "within_terms", "within_terms", "outside_terms"]'
jqcheck "consents used: outside terms says why" '.consents_used[3].note | test("198.51.100.200 port 443 is outside")'
jqcheck "consents used: the revised one is gone" '[.consents_used[].consent] | index("C-STRIPE") == null'
jqcheck "revisions" '.report.revised == 1 and .report.revise_orphans == 0'
jqcheck "consents expiring" '.consents_expiring.checked and [.consents_expiring.consents[].consent] == ["C-2026-0042"] and .consents_expiring.consents[0].countries == ["US", "CH"]'
jqcheck "gaps" '[.gaps[] | [.kind, .count]] == [["stopped", 1], ["config_error", 1], ["sink_error", 3], ["enforce_error", 1], ["capture_error", 1], ["geodb_stale", 2], ["unclean", 1]]'
jqcheck "gaps: stopped interval" '.gaps[0] | .from == "2026-11-25T20:00:00.000000Z" and .to == "2026-11-25T22:30:00.000000Z" and .seconds == 9000'
jqcheck "gaps: unclean restart" '.gaps[6] | .from == "2026-11-27T07:00:00.000000Z" and .to == "2026-11-27T09:00:00.000000Z"'
jqcheck "gaps: stale geodb age" '.gaps[5].max_age_days == 47'
jqcheck "totals by verdict" '.totals.by_verdict == {"violation": 21, "allow-consent": 5, "allow-eea": 2, "unscoped": 1}'
jqcheck "totals by event" '.totals.by_event.incident == 4 and .totals.by_event.blocked == 2 and .totals.by_event.consent_expired == 1'

run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --format json --customer globex
jqcheck "customer filter: globex" '[.incidents[].incident] == ["INC-20261127-eb7a6d77"] and .violations.total == 3 and [.consents_used[].consent] == ["A-1", "G-1"] and .consents_expiring.consents == []'

run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --format json --since 2026-11-26T07:10:30Z --until 2026-11-26T08:00:00Z
jqcheck "period filter" '.incidents == [] and .violations.total == 6 and .violations.first_seen == "2026-11-26T07:10:30.000000Z" and .report.since == "2026-11-26T07:10:30.000000Z"'

# ---- the agent's own incident events (doc/EVENTS.md) ---------------------------
# Not golden: the agent decides episodes; the report must read what it writes.
if [ -s "$T/agent-incidents.jsonl" ]; then
	run "$EEAGUARD" report --events "$T/agent-incidents.jsonl" --now "$NOW" --format json
	expect_rc "agent incidents: exit 0" 0
	jqcheck "agent incidents: every line read" '.report.malformed == 0 and (.incidents | length) > 0'
	jqcheck "agent incidents: the contract's fields" '[.incidents[] | (.incident | test("^INC-[0-9]{8}-[0-9a-f]{8}$")) and (.customer | type) == "string" and (.destinations | length) > 0 and (.bytes_sent | type) == "number" and .bytes_sent > 0 and .discovered_at != null and .notify_customer_by != null and (.measures.action | type) == "string"] | all'
	jqcheck "agent incidents: 24 hours to notify" '[.incidents[] | ((.notify_customer_by | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.discovered_at | sub("\\.[0-9]+Z$"; "Z") | fromdate)) == 86400] | all'
else
	echo "skip - agent incidents: the replayed captures gave no incident event"
fi

# ---- the draft notice ------------------------------------------------------
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --incident INC-20261126-a8f20516
expect_rc "notice: exit 0" 0
golden notice-INC-20261126-a8f20516.txt
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --incident INC-20261125-b4446760 --lang nl
expect_rc "notice nl: exit 0" 0
golden notice-INC-20261125-b4446760.nl.txt
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --incident INC-20261127-eb7a6d77
expect_out_has "notice: unknown subjects are not made up" "Approximate number of data subjects: unknown"
expect_out_has "notice: time left" "Deadline: send by 2026-11-28 01:00:00 UTC (14h 49m left"
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --incident INC-20261127-eb7a6d77 --format json
jqcheck "notice json" '.incident == "INC-20261127-eb7a6d77" and .status == "due" and .process.pid == 777'
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" \
    --incident INC-20991231-00000000
expect_rc "notice: unknown id exits 1" 1
expect_err_has "notice: unknown id says so" "no incident INC-20991231-00000000"

# ---- malformed lines ----------------------------------------------------------
run "$EEAGUARD" report --events "$F/malformed.jsonl" --now "$NOW" --format json
expect_rc "malformed: exit 0" 0
no_sanitizer_report "malformed: no sanitizer report"
sed "s|$F/||" "$T/err" >"$T/out.err"
mv "$T/out" "$T/out.json"
mv "$T/out.err" "$T/out"
golden malformed.err
mv "$T/out.json" "$T/out"
jqcheck "malformed: counted" '.report.lines == 15 and .report.malformed == 11 and .report.blank == 1 and .report.used == 3'
jqcheck "malformed: escapes decoded" '[.violations.by_destination[].destination] | index("é😀\ufffd") != null'

# ---- rotated files, gzip, the configured events file ------------------------------
mkdir rot
head -20 all.jsonl | gzip >rot/events.jsonl.3.gz
sed -n 21,40p all.jsonl | gzip >rot/events.jsonl.2.gz
sed -n 41,60p all.jsonl >rot/events.jsonl.1
sed -n '61,$p' all.jsonl >rot/events.jsonl
echo junk >rot/events.jsonl.old
cp rot/events.jsonl.1 rot/events.jsonl.1.gz.tmp
printf 'consent: { register = "%s/consent.conf"; audit_log = "x.log"; };\nalerts: { syslog = false; jsonl = "events.jsonl"; };\n' "$T" >rot/r.conf
run "$EEAGUARD" report -c rot/r.conf --now "$NOW" --format json
expect_rc "rotated: exit 0" 0
jqcheck "rotated: oldest first" '[.report.sources[].file | sub(".*/"; "")] == ["events.jsonl.3.gz", "events.jsonl.2.gz", "events.jsonl.1", "events.jsonl"]'
jqcheck "rotated: every line" "[.report.sources[].lines] | add == $(wc -l <all.jsonl)"
mv "$T/out" "$T/rot.json"
run "$EEAGUARD" report -c report.conf --events all.jsonl --now "$NOW" --format json
if jq -e --slurpfile a "$T/rot.json" '(.violations == $a[0].violations) and ([.incidents[] | del(.source)] == [$a[0].incidents[] | del(.source)]) and (.gaps == $a[0].gaps) and (.consents_used == $a[0].consents_used) and (.totals == $a[0].totals)' "$T/out" >/dev/null; then
	ok "rotated: the same report as the whole file"
else
	fail "rotated: the same report as the whole file"
fi
# logrotate's dateext (deploy/eeaguard.logrotate), just after a rotation:
# no FILE yet, yesterday's uncompressed (delaycompress), older ones gzip'd.
mkdir rot2
head -25 all.jsonl | gzip >rot2/events.jsonl-20261125.gz
sed -n '26,$p' all.jsonl >rot2/events.jsonl-20261126
head -3 all.jsonl >rot2/events.jsonl-2026112
sed "s|jsonl = \"events.jsonl\"|jsonl = \"$T/rot2/events.jsonl\"|" rot/r.conf >rot2/r.conf
run "$EEAGUARD" report -c rot2/r.conf --now "$NOW" --format json
expect_rc "rotated dateext: exit 0" 0
jqcheck "rotated dateext: oldest first, no FILE" '[.report.sources[].file | sub(".*/"; "")] == ["events.jsonl-2026112", "events.jsonl-20261125.gz", "events.jsonl-20261126"]'
jqcheck "rotated dateext: every line" "[.report.sources[].lines] | add == $(wc -l <all.jsonl) + 3"
gzip -c all.jsonl >all.jsonl.gz
run "$EEAGUARD" report --events all.jsonl.gz --now "$NOW" --format json
jqcheck "gzip named with --events" '.violations.total == 22'
run sh -c "cat all.jsonl.gz | \"$EEAGUARD\" report --events - --now $NOW --format json"
jqcheck "gzip on standard input" '.violations.total == 22 and .report.sources[0].file == "-"'
# A line longer than the reader takes is skipped, and the next one read.
{ head -c 5000000 /dev/zero | tr '\0' 'a'; echo; head -1 all.jsonl; } >long.jsonl
run "$EEAGUARD" report --events long.jsonl --now "$NOW" --format json
expect_rc "overlong line: exit 0" 0
expect_err_has "overlong line: reported" "long.jsonl:1: not a JSON object — skipped (longer than"
jqcheck "overlong line: the next line read" '.report.lines == 2 and .report.malformed == 1 and .report.used == 1'
printf 'alerts: { syslog = false; jsonl = ""; };\n' >off.conf
run "$EEAGUARD" report -c off.conf --now "$NOW"
expect_rc "no events file configured: exit 1" 1
expect_err_has "no events file configured: says so" "alerts.jsonl is off"

# ---- exit statuses -------------------------------------------------------------------
run "$EEAGUARD" report --events no-such-file.jsonl
expect_rc "unreadable events file: exit 1" 1
expect_err_has "unreadable events file: named" "no-such-file.jsonl"
run "$EEAGUARD" report --events all.jsonl --bogus
expect_rc "unknown option: exit 1" 1
run "$EEAGUARD" report --events all.jsonl --since yesterday
expect_rc "bad --since: exit 1" 1
expect_err_has "bad --since: says what is valid" "is not a time"
run "$EEAGUARD" report --events all.jsonl --format pdf
expect_rc "bad --format: exit 1" 1
run "$EEAGUARD" report --events all.jsonl --incident X --format html
expect_rc "--incident with html: exit 1" 1
run "$EEAGUARD" report --events all.jsonl --since 2026-11-27 --until 2026-11-26
expect_rc "--until before --since: exit 1" 1
run "$EEAGUARD" report --events all.jsonl --lang nl
expect_rc "--lang without --incident: exit 1" 1

# ---- HTML ---------------------------------------------------------------------------
cat all.jsonl "$F/html-escape.jsonl" >html.jsonl
run "$EEAGUARD" report -c report.conf --events html.jsonl --now "$NOW" --format html
expect_rc "html: exit 0" 0
cp "$T/out" report.html
if grep -q '<script' report.html || grep -q 'src="http\|href="http\|<link' report.html; then
	fail "html: self-contained, event strings escaped" "$(grep -n '<script\|http' report.html | head -5)"
else
	ok "html: self-contained, event strings escaped"
fi
expect_out_has "html: escaped host" '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;.example'
expect_out_has "html: overdue marked" 'OVERDUE by 3h</span>'
expect_out_has "html: per-day chart" 'aria-label="Violations per day"'
expect_out_has "html: per-country chart" 'aria-label="Violations per country"'
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "skip - html in headless Chromium: chromium is not installed"
else
	shot=$(mktemp -d /tmp/eeaguard-shot.XXXXXX)
	cflags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
	# shellcheck disable=SC2086 # cflags is a word list
	timeout 120 "$CHROMIUM" $cflags --user-data-dir="$shot/profile" \
	    --screenshot="$shot/r.png" --window-size=1200,1600 \
	    "file://$T/report.html" >"$shot/log" 2>&1
	if [ -s "$shot/r.png" ] && [ "$(head -c 4 "$shot/r.png" | od -An -c | tr -d ' ')" = "211PNG" ] &&
	    [ "$(stat -c %s "$shot/r.png")" -gt 40000 ]; then
		ok "html: Chromium renders a screenshot ($(stat -c %s "$shot/r.png") bytes)"
	else
		fail "html: Chromium renders a screenshot" "$(tail -5 "$shot/log")"
	fi
	# shellcheck disable=SC2086
	timeout 120 "$CHROMIUM" $cflags --user-data-dir="$shot/profile2" \
	    --dump-dom "file://$T/report.html" >"$shot/dom" 2>"$shot/log"
	missing=""
	for h in "Data-residency evidence report" "Incidents: data left the host" \
	    "Violations" "Violations per day" "Violations per destination country" \
	    "Consents used" "Consents expiring within 30 days" "Gaps and faults" \
	    "Totals"; do
		grep -q "<h[123]>$h" "$shot/dom" || missing="$missing [$h]"
	done
	if [ -z "$missing" ]; then ok "html: Chromium's DOM has every heading"
	else fail "html: Chromium's DOM has every heading" "missing:$missing"; fi
	[ -n "${REPORT_KEEP_SHOT:-}" ] && echo "# screenshot: $shot/r.png" || rm -rf "$shot"
fi
