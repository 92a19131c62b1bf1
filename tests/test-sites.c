/*
 * Unit tests of src/sites.c: which frames make a site, that absolute addresses do not
 * (ASLR), the kind does, the fallback without a stack, and grouping: counts, first and
 * last times, distinct destinations and the caps (SITES_MAX, SITE_DESTS_MAX).
 */

#include <stdio.h>
#include <string.h>

#include "junit.h"
#include "sarif.h"
#include "sites.h"
#include "tap.h"

static struct frame frame(uint64_t pc, const char *function, const char *module,
			  uint64_t module_offset, const char *build_id)
{
	struct frame f = { .pc = pc, .module_offset = module_offset };

	snprintf(f.function, sizeof(f.function), "%s", function);
	snprintf(f.module, sizeof(f.module), "%s", module);
	snprintf(f.build_id, sizeof(f.build_id), "%s", build_id);
	return f;
}

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define PROG "/usr/bin/prog"
#define BID "0123456789abcdef0123456789abcdef01234567"

/* A stack: libc's connect, then f_a or f_b of prog, main, libc's start, at load base. */
static void stack(struct frame out[5], uint64_t base, const char *fn, uint64_t off)
{
	out[0] = frame(0x7f0000000000 + base + 0x10a7c0, "__connect", LIBC, 0x10a7c0, "");
	out[1] = frame(0x550000000000 + base + off, fn, PROG, off, BID);
	out[2] = frame(0x550000000000 + base + 0x1160, "main", PROG, 0x1160, BID);
	out[3] = frame(0x7f0000000000 + base + 0x27305, "__libc_start_main", LIBC, 0x27305, "");
	out[4] = frame(0x550000000000 + base + 0x1211, "_start", PROG, 0x1211, BID);
}

static void test_ids(void)
{
	struct frame a1[5], a2[5], b[5], nobid[5], nobid_moved[5], libc_only[1];
	uint64_t id;
	char hex[SITE_ID_STRLEN];

	stack(a1, 0, "f_a", 0x130b);
	stack(a2, 0x123456000, "f_a", 0x130b);
	stack(b, 0, "f_b", 0x135b);
	ok(site_id(KIND_TCP, "connect", PROG, a1, 5) == site_id(KIND_TCP, "connect", PROG, a2, 5),
	   "the same code at another load address (ASLR) is the same site");
	ok(site_id(KIND_TCP, "connect", PROG, a1, 5) != site_id(KIND_TCP, "connect", PROG, b, 5),
	   "another caller is another site");
	ok(site_id(KIND_TCP, "connect", PROG, a1, 5) != site_id(KIND_UDP, "connect", PROG, a1, 5),
	   "another kind is another site");
	ok(site_id(KIND_TCP, "connect", PROG, a1, 5) == site_id(KIND_TCP, "sendto", "/x", a1, 5),
	   "with a stack, the syscall and executable do not enter the site");

	a2[0].module_offset = 0x999;
	ok(site_id(KIND_TCP, "connect", PROG, a1, 5) == site_id(KIND_TCP, "connect", PROG, a2, 5),
	   "libc frames do not enter the site (another libc build)");
	stack(a2, 0, "f_a", 0x130b);
	a2[4].module_offset = 0x4444;
	ok(site_id(KIND_TCP, "connect", PROG, a1, 5) != site_id(KIND_TCP, "connect", PROG, a2, 5),
	   "the third frame outside libc enters the site");
	{
		struct frame six[6];
		memcpy(six, a1, sizeof(a1));
		six[5] = frame(1, "other", "/lib/libother.so", 0x77, "");
		ok(site_id(KIND_TCP, "connect", PROG, a1, 5) ==
		   site_id(KIND_TCP, "connect", PROG, six, 6),
		   "a fourth frame outside libc does not");
	}

	stack(nobid, 0, "f_a", 0x130b);
	stack(nobid_moved, 0x1000, "f_a", 0x1f0b);
	for (int i = 0; i < 5; i++)
		nobid[i].build_id[0] = nobid_moved[i].build_id[0] = '\0';
	for (int i = 0; i < 5; i++)
		nobid_moved[i].module_offset += 0x800;
	ok(site_id(KIND_TCP, "connect", PROG, nobid, 5) ==
	   site_id(KIND_TCP, "connect", PROG, nobid_moved, 5),
	   "without a build ID: module and function name, not the offset");
	nobid_moved[1].inlined = 1;
	ok(site_id(KIND_TCP, "connect", PROG, nobid, 5) !=
	   site_id(KIND_TCP, "connect", PROG, nobid_moved, 5),
	   "an inlined frame does not count as a frame of the site");

	libc_only[0] = a1[0];
	ok(site_id(KIND_TCP, "connect", PROG, NULL, 0) == site_id(KIND_TCP, "connect", PROG, libc_only, 1),
	   "a stack only in libc is a site by kind, syscall and executable");
	ok(site_id(KIND_TCP, "connect", PROG, NULL, 0) == site_id(KIND_TCP, "connect", "/x/prog", NULL, 0),
	   "without a stack, the executable's base name counts, not its directory");
	ok(site_id(KIND_TCP, "connect", PROG, NULL, 0) != site_id(KIND_TCP, "sendto", PROG, NULL, 0),
	   "without a stack, the syscall counts");

	id = site_id(KIND_DNS, "sendto", PROG, a1, 5);
	site_id_format(id, hex);
	is_int((long long)strlen(hex), 12, "a site id is 12 hex digits (%s)", hex);
	{
		uint64_t back = 0;
		ok(site_id_parse(hex, &back) == 0 && back == id, "site_id_parse reads it back");
		ok(site_id_parse("12345", &back) < 0 && site_id_parse("zzzzzzzzzzzz", &back) < 0,
		   "site_id_parse refuses the wrong length and non-hex");
	}
	ok(site_system_library("/lib/x86_64-linux-gnu/libnss_dns.so.2") &&
	   site_system_library("/usr/lib/x86_64-linux-gnu/libresolv.so.2") &&
	   site_system_library("/lib64/ld-linux-x86-64.so.2") && !site_system_library(PROG) &&
	   !site_system_library("/usr/lib/x86_64-linux-gnu/libcurl.so.4") &&
	   site_system_library("/lib/libc-2.31.so") &&
	   !site_system_library("/usr/lib/libc-client.so.2007e"),
	   "libc, libnss_*, libresolv, the loader are system libraries; libcurl, c-client not");
}

static void test_destinations(void)
{
	char buf[SITE_DEST_STRLEN];

	site_destination(buf, sizeof(buf), NULL, NULL, "AF_INET", "203.0.113.1", 80, NULL);
	is_str(buf, "203.0.113.1:80", "IPv4 destination");
	site_destination(buf, sizeof(buf), NULL, NULL, "AF_INET6", "2001:db8::1", 80, NULL);
	is_str(buf, "[2001:db8::1]:80", "IPv6 destination in brackets");
	site_destination(buf, sizeof(buf), NULL, NULL, "AF_UNIX", NULL, -1, "/run/x.sock");
	is_str(buf, "unix:/run/x.sock", "unix destination");
	site_destination(buf, sizeof(buf), "socket(AF_PACKET, SOCK_RAW, 768)", NULL, NULL, NULL,
			 -1, NULL);
	is_str(buf, "socket(AF_PACKET, SOCK_RAW, 768)", "a denied call is its own destination");
	site_destination(buf, sizeof(buf), NULL, "unreadable address", NULL, NULL, -1, NULL);
	is_str(buf, "unreadable address", "a bad address says so");
	site_destination(buf, sizeof(buf), NULL, NULL, "AF_NETLINK", NULL, -1, NULL);
	is_str(buf, "AF_NETLINK", "another family by its name");
}

static struct site_leak leak(const struct frame *frames, int n, const char *dest,
			     const char *time)
{
	return (struct site_leak){ .kind = KIND_TCP, .syscall = "connect", .exe = PROG,
				   .dest = dest, .time = time, .frames = frames, .n_frames = n };
}

static void test_grouping(void)
{
	struct frame a[5], b[5];
	struct sites t;
	struct site_leak l;
	char text[512], dest[32];
	bool all_ok = true;

	stack(a, 0, "f_a", 0x130b);
	stack(b, 0, "f_b", 0x135b);
	sites_init(&t);
	for (int i = 0; i < 100; i++) {
		char time[32];
		snprintf(time, sizeof(time), "2026-12-01T10:00:%02d.000Z", 50 - i % 50);
		l = leak(a, 5, i % 2 ? "203.0.113.1:80" : "203.0.113.1:81", time);
		all_ok &= sites_add(&t, &l) == 0;
	}
	l = leak(b, 5, "203.0.113.1:80", "2026-12-01T11:00:00.000Z");
	all_ok &= sites_add(&t, &l) == 0;
	ok(all_ok, "sites_add succeeds");
	is_int((long long)t.n, 2, "100 leaks from one site and 1 from another: two sites");
	is_int((long long)t.leaks, 101, "every leak counted");
	is_int((long long)t.v[0].count, 100, "the first site has 100 leaks");
	is_int((long long)t.v[1].count, 1, "the second site has 1");
	is_str(t.v[0].first, "2026-12-01T10:00:01.000Z", "first is the earliest time");
	is_str(t.v[0].last, "2026-12-01T10:00:50.000Z", "last is the latest time");
	is_int((long long)t.v[0].n_dests, 2, "two distinct destinations");
	is_int(t.v[0].n_frames, 5, "the first stack is kept");
	is_str(t.v[0].stack[1].function, "f_a", "with its frames");
	site_title(&t.v[0], text, sizeof(text));
	is_str(text, "tcp leak by connect in f_a (prog)", "site_title");
	ok(site_caller(&t.v[1]) == &t.v[1].stack[1], "site_caller skips libc");
	ok(site_source_frame(&t.v[0]) == NULL, "no source frame without file and line");

	for (int i = 0; i < 40; i++) {
		snprintf(dest, sizeof(dest), "203.0.113.%d:80", i);
		l = leak(b, 5, dest, "2026-12-01T11:00:00.000Z");
		sites_add(&t, &l);
	}
	is_int((long long)t.v[1].n_dests, SITE_DESTS_MAX, "destinations are capped");
	ok(t.v[1].dests_truncated, "and the cap is noted");
	site_dests_format(&t.v[1], 5, text, sizeof(text));
	is_str(text, "203.0.113.1:80, 203.0.113.0:80, 203.0.113.2:80, 203.0.113.3:80, "
	       "203.0.113.4:80 and 11+ more", "site_dests_format: five, then how many more");
	sites_free(&t);

	sites_init(&t);
	for (int i = 0; i < SITES_MAX + 10; i++) {
		struct frame f[2];
		char fn[32];
		snprintf(fn, sizeof(fn), "fn%d", i);
		f[0] = frame(1, "__connect", LIBC, 1, "");
		f[1] = frame(2, fn, PROG, 0x1000, "");
		l = leak(f, 2, "203.0.113.1:80", "2026-12-01T11:00:00.000Z");
		sites_add(&t, &l);
		sites_add(&t, &l);
	}
	is_int((long long)t.n, SITES_MAX, "sites are capped at SITES_MAX");
	is_int((long long)t.dropped_leaks, 20, "leaks past the cap are counted as dropped");
	is_int((long long)t.leaks, 2 * (SITES_MAX + 10), "and in the total");
	sites_free(&t);

	sites_init(&t);
	l = leak(a, 5, "x", "t");
	l.id = 42;
	sites_add(&t, &l);
	is_int((long long)t.v[0].id, 42, "a given id (from a report) is kept");
	sites_free(&t);
}

static void test_source_frame(void)
{
	struct frame f[4];
	struct site s = { .stack = f, .n_frames = 4 };

	f[0] = frame(1, "__connect", LIBC, 1, "");
	snprintf(f[0].file, sizeof(f[0].file), "../sysdeps/unix/sysv/linux/connect.c");
	f[0].line = 26;
	f[1] = frame(2, "curl_thing", "/usr/lib/x86_64-linux-gnu/libcurl.so.4", 2, "");
	snprintf(f[1].file, sizeof(f[1].file), "lib/connect.c");
	f[1].line = 10;
	f[2] = frame(3, "inl", PROG, 3, "");
	snprintf(f[2].file, sizeof(f[2].file), "/usr/include/x86_64-linux-gnu/bits/socket2.h");
	f[2].line = 5;
	f[3] = frame(4, "f_a", PROG, 4, "");
	snprintf(f[3].file, sizeof(f[3].file), "/src/prog/a.c");
	f[3].line = 42;
	ok(site_source_frame(&s) == &f[3],
	   "the source frame skips libc, libraries in /usr/lib and /usr/include");
}

/* Runs a writer into memory; returns the text (to free). */
static char *written(int (*write)(FILE *, const struct sites *), const struct sites *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || write(f, t) < 0)
		bail_out("cannot write into memory");
	fclose(f);
	return text;
}

static void test_writers(void)
{
	struct frame f[3];
	struct sites t;
	struct site_leak l;
	char *text;

	f[0] = frame(1, "__connect", LIBC, 1, "");
	f[1] = frame(2, "f<&\"'\x01\xe9>", PROG, 0x130b, BID);
	snprintf(f[1].file, sizeof(f[1].file), "/src/my prog/a.c");
	f[1].line = 42;
	f[2] = frame(3, "main", PROG, 0x1160, BID);
	sites_init(&t);
	text = written(junit_write, &t);
	ok(strstr(text, "tests=\"1\" failures=\"0\"") && strstr(text, "name=\"no proxy leaks\""),
	   "JUnit without leaks: one passing test case");
	free(text);
	l = leak(f, 3, "203.0.113.1:80", "2026-12-01T11:00:00.000Z");
	sites_add(&t, &l);
	text = written(junit_write, &t);
	ok(strstr(text, "tests=\"1\" failures=\"1\"") && strstr(text, "<failure type=\"tcp\""),
	   "JUnit with a site: one failed test case");
	ok(strstr(text, "f&lt;&amp;&quot;&apos;?&#xe9;&gt;+0x0") != NULL,
	   "JUnit escapes markup, drops controls, writes bytes past ASCII as characters");
	free(text);
	text = written(sarif_write, &t);
	ok(strstr(text, "\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
			"\"file:///src/my%20prog/a.c\"},\"region\":{\"startLine\":42}}") != NULL,
	   "SARIF: the source frame as the physical location, its path as a file URI");
	ok(strstr(text, "\"ruleId\":\"tcp\",\"ruleIndex\":0") != NULL, "SARIF: rule and index");
	free(text);
	sites_free(&t);
}

int main(void)
{
	test_writers();
	test_ids();
	test_destinations();
	test_grouping();
	test_source_frame();
	return done_testing();
}
