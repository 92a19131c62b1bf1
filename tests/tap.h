/*
 * A tiny TAP producer for the unit tests, read by automake's tap-driver.sh.
 * One "ok N - description" line per assertion; diagnostics go to stdout as "# ..." lines.
 * A test that cannot run its checks (missing data file, malformed table) calls bail_out(),
 * which prints "Bail out!" and exits 99, automake's "the test itself is broken".
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAP_FN static __attribute__((unused))
#define TAP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

static int tap_planned = -1; /* count from plan(), -1 when the plan comes at the end */
static int tap_run;          /* assertions so far */
static int tap_failed;       /* failed assertions so far */

/* Announces how many assertions will follow. Call at most once, before any. */
TAP_FN void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Prints a diagnostic line. */
TAP_FN TAP_PRINTF(1, 2) void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Gives up: the test is broken, not the code under test. Exits 99. */
TAP_FN TAP_PRINTF(1, 2) __attribute__((noreturn)) void bail_out(const char *fmt, ...)
{
	va_list ap;

	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(99);
}

/* Counts and prints one result line. */
TAP_FN TAP_PRINTF(2, 0) bool tap_vok(bool cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	return cond;
}

/* One assertion. Returns cond so that callers can add diagnostics on failure. */
TAP_FN TAP_PRINTF(2, 3) bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

/* Asserts got == want and shows both when they differ. */
TAP_FN TAP_PRINTF(3, 4) bool is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		diag("       got: %lld\n#   expected: %lld", got, want);
	return got == want;
}

/* Asserts two strings are equal (NULL equals only NULL) and shows both when they differ. */
TAP_FN TAP_PRINTF(3, 4) bool is_str(const char *got, const char *want, const char *fmt, ...)
{
	bool same = (got && want) ? strcmp(got, want) == 0 : got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vok(same, fmt, ap);
	va_end(ap);
	if (!same)
		diag("       got: %s%s%s\n#   expected: %s%s%s", got ? "\"" : "", got ? got : "NULL",
		     got ? "\"" : "", want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
	return same;
}

/*
 * Ends the test: prints the plan if none was given, and returns the exit status for main():
 * 0 when every assertion passed, 1 when one failed, 99 when the count does not match the plan.
 */
TAP_FN int done_testing(void)
{
	if (tap_planned < 0) {
		printf("1..%d\n", tap_run);
	} else if (tap_planned != tap_run) {
		diag("planned %d tests but ran %d", tap_planned, tap_run);
		fflush(stdout);
		return 99;
	}
	fflush(stdout);
	if (tap_failed)
		diag("%d of %d tests failed", tap_failed, tap_run);
	return tap_failed ? 1 : 0;
}
