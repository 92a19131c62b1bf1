#!/bin/sh
# Leak sites: 100 leaks from one call site are one site with count 100, two call sites two
# sites, the site id is the same across runs of the same binary (ASLR on); --junit and
# --sarif validated by real consumers (junitparser; the SARIF multitool and the SARIF 2.1.0
# JSON schema), written on --on-leak kill too; sockstrace-report sums the counts of runs.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
REPORT=$top_builddir/src/sockstrace-report

# A python3 that has module $1 (Debian's python3-junitparser is in /usr/bin), or "".
python_with() {
	for p in python3 /usr/bin/python3; do
		if "$p" -c "import $1" 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}
py_junit=$(python_with junitparser)
py_schema=$(python_with jsonschema)
# The SARIF 2.1.0 schema, from the npm package tools/install-deps installs.
schema=${SARIF_SCHEMA:-}
if [ -z "$schema" ] && command -v npm >/dev/null; then
	schema=$(npm root -g 2>/dev/null)/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json
fi

site_count() {
	json_true "[.[] | select(.event == \"site\")] | length == $1"
}
# jq over the report: the count of the site whose first stack has function $1 is $2.
site_of_is() {
	json_true "[.[] | select(.event == \"site\") | select(any(.stack[]; .function == \"$1\")) | .count] == [$2]"
}

st -- "$T/siteloop" 203.0.113.1 80 100 0
check "one call site, 100 leaks: the summary says 1 site" \
	out_has "^sockstrace: 1 leak site, 100 leaks$"
check "one call site: one site object with count 100" sh -c \
	"jq -e -s '[.[] | select(.event == \"site\")] | length == 1 and .[0].count == 100' '$tmp/report.jsonl' >/dev/null"
check "every leak's lines end with its site, after its stack" sh -c \
	"test \"\$(grep -Ec '^sockstrace: leak blocked: .*\[tcp, x86_64\]$' '$tmp/out')\" = 100 &&
	 test \"\$(grep -Ec '^    \[site [0-9a-f]{12}\]$' '$tmp/out')\" = 100 &&
	 test \"\$(grep -B1 '^    \[site ' '$tmp/out' | grep -c '^    #')\" = 100"
check "the site object comes before the summary object" \
	json_true 'map(.event) | index("site") < index("summary")'
site1=$(jq -r 'select(.event == "site") | .site' "$tmp/report.jsonl")
pc1=$(jq -r 'select(.event == "leak") | .stack[] | select(.function == "leak_a") | .pc' \
	"$tmp/report.jsonl" | head -n 1)

st -- "$T/siteloop" 203.0.113.1 80 100 3
check "two call sites: 2 sites, 103 leaks" out_has "^sockstrace: 2 leak sites, 103 leaks$"
check "two call sites: leak_a's site has 100 leaks" site_of_is leak_a 100
check "two call sites: leak_b's site has 3 leaks" site_of_is leak_b 3
check "the summary names the calling function and the count" \
	out_has "^sockstrace: site [0-9a-f]{12} \(3 leaks\): tcp leak by connect in leak_b \(siteloop\)$"
check "the summary lists the destination" out_has "^    to 203\.0\.113\.1:80$"
check "each leak's site is one of the site objects" json_true \
	'([.[] | select(.event == "site") | .site] | sort) == ([.[] | select(.event == "leak") | .site] | unique)'
site2=$(jq -r 'select(.event == "site") | select(.count == 100) | .site' "$tmp/report.jsonl")
pc2=$(jq -r 'select(.event == "leak") | .stack[] | select(.function == "leak_a") | .pc' \
	"$tmp/report.jsonl" | head -n 1)
check "the same call site has the same id in another run ($site1)" test "$site1" = "$site2"
if [ "$(cat /proc/sys/kernel/randomize_va_space)" != 0 ] && [ -n "$pc1" ]; then
	check "and ASLR did move it (pc $pc1, then $pc2)" test "$pc1" != "$pc2"
else
	skip "ASLR is off (kernel.randomize_va_space = 0)"
fi
cp "$tmp/report.jsonl" "$tmp/run1.jsonl"

# --- JUnit ---------------------------------------------------------------------------
junit_cases() { # FILE: "TESTS FAILURES" as junitparser reads them
	"$py_junit" -c '
import sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for s in xml for c in s]
failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
print(len(cases), len(failed))' "$1"
}
# check_junit DESCRIPTION FILE "TESTS FAILED": junitparser reads that many test cases.
check_junit() {
	if [ -n "$py_junit" ]; then
		check "$1" test "$(junit_cases "$2")" = "$3"
	else
		skip "junitparser is not installed (Debian: python3-junitparser)"
	fi
}
st --junit "$tmp/sites.xml" -- "$T/siteloop" 203.0.113.1 80 100 3
check "--junit: the file is written, nothing is left in FILE.tmp" \
	sh -c "test -s '$tmp/sites.xml' && ! test -e '$tmp/sites.xml.tmp'"
check_junit "--junit: junitparser reads two test cases, both failed" "$tmp/sites.xml" "2 2"
check "--junit: the failure text has the stack" grep -q "leak_b+0x" "$tmp/sites.xml"
st --junit "$tmp/clean.xml" -- "$T/siteloop" 203.0.113.1 80 0 0
check_junit "--junit without leaks: one passing test case" "$tmp/clean.xml" "1 0"
if [ -n "$py_junit" ]; then
	check "junitparser verify: fails the run with leaks, passes the one without" sh -c \
		"! '$py_junit' -m junitparser verify '$tmp/sites.xml' >/dev/null 2>&1 &&
		 '$py_junit' -m junitparser verify '$tmp/clean.xml'"
else
	skip "junitparser is not installed (Debian: python3-junitparser)"
fi
st --on-leak kill --junit "$tmp/killed.xml" --sarif "$tmp/killed.sarif" -- \
	"$T/siteloop" 203.0.113.1 80 5 0
check "--on-leak kill: the program was killed" test "$status" = 3
check "--on-leak kill: the JUnit file is still written with the site" \
	grep -q "site [0-9a-f]\{12\}: tcp leak by connect in leak_a" "$tmp/killed.xml"
check "--on-leak kill: the SARIF file too" grep -q '"ruleId":"tcp"' "$tmp/killed.sarif"
st --junit /nonexistent/dir/x.xml -- "$T/siteloop" 203.0.113.1 80 1 0
check "--junit into a missing directory: sockstrace fails before running" \
	sh -c "[ $status = 125 ] && grep -q 'cannot create the JUnit file' '$tmp/stderr' && ! grep -q connects '$tmp/stdout'"

# --- SARIF ---------------------------------------------------------------------------
# SARIF FILE: the multitool's own validation (its exit status is 0 even on errors: its
# console output says "error").
multitool_ok() {
	(cd "$tmp" && timeout 120 sarif-multitool validate "$1" -o "$1.validation" >"$1.mt" 2>&1)
	if grep -E ': error [A-Z]+[0-9]+:' "$1.mt" || ! grep -q "Analysis completed successfully" "$1.mt"; then
		sed 's/^/#   /' "$1.mt"
		false
	fi
}
schema_ok() {
	"$py_schema" -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors[:5]:
    print("#  ", list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)' "$schema" "$1"
}
# check_schema DESCRIPTION FILE: FILE is valid against the SARIF 2.1.0 JSON schema.
check_schema() {
	if [ -n "$py_schema" ] && [ -f "$schema" ]; then
		check "$1" schema_ok "$2"
	else
		skip "no SARIF 2.1.0 schema or python3-jsonschema (tools/install-deps)"
	fi
}
st --sarif "$tmp/sites.sarif" -- "$T/siteloop" 203.0.113.1 80 100 3
check "--sarif: two results, rule tcp, the site ids as fingerprints" sh -c \
	"jq -e '.runs[0].results | length == 2 and all(.ruleId == \"tcp\") and (map(.partialFingerprints[\"sockstraceSite/v1\"]) | index(\"$site1\") != null)' '$tmp/sites.sarif' >/dev/null"
check "--sarif: counts 100 and 3, the whole stack of each in stacks" sh -c \
	"jq -e '[.runs[0].results[] | .properties.count] == [100, 3] and all(.runs[0].results[]; .stacks[0].frames | length >= 3)' '$tmp/sites.sarif' >/dev/null"
check "--sarif: a rule for every leak kind" sh -c \
	"jq -e '[.runs[0].tool.driver.rules[].id] == [\"tcp\",\"dns\",\"udp\",\"route-probe\",\"raw-socket\",\"io-uring\",\"tamper\",\"inbound\",\"other\"]' '$tmp/sites.sarif' >/dev/null"
if command -v sarif-multitool >/dev/null; then
	check "--sarif: the SARIF multitool validates it" multitool_ok "$tmp/sites.sarif"
else
	skip "sarif-multitool is not installed (tools/install-deps: npm @microsoft/sarif-multitool)"
fi
check_schema "--sarif: valid against the SARIF 2.1.0 JSON schema" "$tmp/sites.sarif"

# --- sockstrace-report -------------------------------------------------------------------
st -- "$T/siteloop" 203.0.113.1 80 50 7
cp "$tmp/report.jsonl" "$tmp/run2.jsonl"
rstatus=0
"$REPORT" --junit "$tmp/merged.xml" --sarif "$tmp/merged.sarif" "$tmp/run1.jsonl" \
	"$tmp/run2.jsonl" >"$tmp/merged.out" 2>"$tmp/merged.err" || rstatus=$?
check "sockstrace-report: two runs merged, counts summed (150 and 10)" sh -c \
	"grep -q '^sockstrace-report: 2 leak sites, 160 leaks$' '$tmp/merged.out' &&
	 grep -Eq '^sockstrace-report: site $site1 \(150 leaks\): tcp leak by connect in leak_a' '$tmp/merged.out' &&
	 grep -Eq '^sockstrace-report: site [0-9a-f]{12} \(10 leaks\): tcp leak by connect in leak_b' '$tmp/merged.out'"
check "sockstrace-report: exit status 3 when there are leaks" test "$rstatus" = 3
check "sockstrace-report --sarif: the same counts" sh -c \
	"jq -e '[.runs[0].results[] | .properties.count] == [150, 10]' '$tmp/merged.sarif' >/dev/null"
check_junit "sockstrace-report --junit: two failed test cases" "$tmp/merged.xml" "2 2"
check_schema "sockstrace-report --sarif: valid against the schema" "$tmp/merged.sarif"
printf '{"event":"leak","kind":"tcp"\nnot json\n{"event":"summary","leaks":0}\n' >"$tmp/bad.jsonl"
rstatus=0
"$REPORT" "$tmp/bad.jsonl" >"$tmp/bad.out" 2>"$tmp/bad.err" || rstatus=$?
check "sockstrace-report: a bad line names file and line" sh -c \
	"grep -q '^sockstrace-report: $tmp/bad.jsonl:1: not JSON: ' '$tmp/bad.err' &&
	 grep -q '^sockstrace-report: $tmp/bad.jsonl:2: not JSON: ' '$tmp/bad.err'"
check "sockstrace-report: bad lines and no leak: exit status 1" test "$rstatus" = 1
rstatus=0
"$REPORT" "$tmp/bad.jsonl" "$tmp/run1.jsonl" >"$tmp/bad.out" 2>"$tmp/bad.err" || rstatus=$?
check "sockstrace-report: bad lines skipped, the good reports still counted (exit 3)" sh -c \
	"[ $rstatus = 3 ] && grep -q '^sockstrace-report: 2 leak sites, 103 leaks$' '$tmp/bad.out'"
# A run that ended while a stack was taken: its last leak was found, never completed.
grep -c '"event":"leak_found"' "$tmp/run1.jsonl" >"$tmp/found.count"
grep -v '"event":"site"\|"event":"summary"' "$tmp/run1.jsonl" | sed '$d' >"$tmp/cut.jsonl"
rstatus=0
"$REPORT" "$tmp/cut.jsonl" >"$tmp/cut.out" 2>"$tmp/cut.err" || rstatus=$?
check "sockstrace-report: every leak has its leak_found object first (103)" \
	test "$(cat "$tmp/found.count")" = 103
check "sockstrace-report: a leak found whose stack never came is still counted, once" sh -c \
	"[ $rstatus = 3 ] && grep -q '^sockstrace-report: 3 leak sites, 103 leaks$' '$tmp/cut.out'"

done_testing
