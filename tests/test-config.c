/*
 * Unit tests of src/config.c. Every .conf file in tests/fixtures is loaded with
 * settings_load_file(), in sorted order. Its first line says what must happen:
 *
 *   # expect: FILE:3: on_leak must be one of block, kill, log, redirect
 *       the load fails with exactly this message, FILE standing for the fixture's path;
 *   # expect: ok
 *       the load succeeds; the "# check: KEY=VALUE" lines right after it give the
 *       settings the file changes, and every other setting must keep its default.
 *
 * KEY is a configuration key, or proxy_kinds; lists are comma-separated rule texts and
 * block_errno is an errno name. A file of zero bytes must load and change nothing.
 * Then TOR_SOCKS_HOST / TOR_SOCKS_PORT, errno_parse(), settings_set() and
 * settings_load_string() are checked.
 */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "tap.h"

#define VALUE_MAX 4096

/* Every setting the checks can name, with its built-in default as rendered below. */
static const struct {
	const char *key;
	const char *def;
} defaults[] = {
	{ "proxies", "socks5://127.0.0.1:9050,socks5://[::1]:9050" },
	{ "proxy_kinds", "socks5,socks5" },
	{ "allow", "" },
	{ "allow_listen", "" },
	{ "allow_loopback", "false" },
	{ "restrict_unix", "false" },
	{ "unix_only", "false" },
	{ "allow_netlink", "true" },
	{ "on_leak", "block" },
	{ "block_errno", "0" },
	{ "output", "-" },
	{ "report", "-" },
	{ "junit", "-" },
	{ "sarif", "-" },
	{ "stack", "true" },
	{ "stack_depth", "32" },
	{ "debuginfo_path", "-" },
	{ "leak_exit_code", "3" },
	{ "quiet", "false" },
	{ "verbose", "false" },
	{ "io_uring", "false" },
	{ "route_probes", "leak" },
	{ "userfaultfd", "false" },
};
#define N_KEYS (sizeof(defaults) / sizeof(defaults[0]))

static const char *srcdir;

static const char *bool_text(bool b)
{
	return b ? "true" : "false";
}

/* Appends text to buf, comma-separated. */
static void append(char *buf, size_t size, const char *text)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n ? "," : "", text);
}

/* An errno by name, since the numbers differ between architectures; 0 or unnamed as a number. */
static void render_errno(int e, char *buf, size_t size)
{
	const char *name = e > 0 ? strerrorname_np(e) : NULL;

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%d", e);
}

/* Renders one setting of s as text; returns false for a key it does not know. */
static bool render(const struct settings *s, const char *key, char *buf, size_t size)
{
	static const char *const kinds[] = {
		[PROXY_SOCKS5] = "socks5", [PROXY_SOCKS5H] = "socks5h",
		[PROXY_HTTP] = "http", [PROXY_UNIX] = "unix",
	};
	static const char *const actions[] = {
		[ACTION_BLOCK] = "block", [ACTION_KILL] = "kill",
		[ACTION_LOG] = "log", [ACTION_REDIRECT] = "redirect",
	};
	const struct policy *p = &s->policy;

	buf[0] = '\0';
	if (strcmp(key, "proxies") == 0)
		for (size_t i = 0; i < p->n_proxies; i++)
			append(buf, size, p->proxies[i].where.text);
	else if (strcmp(key, "proxy_kinds") == 0)
		for (size_t i = 0; i < p->n_proxies; i++)
			append(buf, size, kinds[p->proxies[i].kind]);
	else if (strcmp(key, "allow") == 0)
		for (size_t i = 0; i < p->n_allow; i++)
			append(buf, size, p->allow[i].text);
	else if (strcmp(key, "allow_listen") == 0)
		for (size_t i = 0; i < p->n_listen; i++)
			append(buf, size, p->listen[i].text);
	else if (strcmp(key, "allow_loopback") == 0)
		snprintf(buf, size, "%s", bool_text(p->allow_loopback));
	else if (strcmp(key, "restrict_unix") == 0)
		snprintf(buf, size, "%s", bool_text(p->unix_restrict));
	else if (strcmp(key, "unix_only") == 0)
		snprintf(buf, size, "%s", bool_text(p->unix_only));
	else if (strcmp(key, "allow_netlink") == 0)
		snprintf(buf, size, "%s", bool_text(p->allow_netlink));
	else if (strcmp(key, "on_leak") == 0)
		snprintf(buf, size, "%s", actions[s->on_leak]);
	else if (strcmp(key, "block_errno") == 0)
		render_errno(s->block_errno, buf, size);
	else if (strcmp(key, "output") == 0)
		snprintf(buf, size, "%s", s->output ? s->output : "-");
	else if (strcmp(key, "report") == 0)
		snprintf(buf, size, "%s", s->report ? s->report : "-");
	else if (strcmp(key, "route_probes") == 0)
		snprintf(buf, size, "%s", s->route_probes == PROBES_REPORT ? "report" : "leak");
	else if (strcmp(key, "junit") == 0)
		snprintf(buf, size, "%s", s->junit ? s->junit : "-");
	else if (strcmp(key, "sarif") == 0)
		snprintf(buf, size, "%s", s->sarif ? s->sarif : "-");
	else if (strcmp(key, "stack") == 0)
		snprintf(buf, size, "%s", bool_text(s->stack));
	else if (strcmp(key, "stack_depth") == 0)
		snprintf(buf, size, "%u", s->stack_depth);
	else if (strcmp(key, "debuginfo_path") == 0)
		snprintf(buf, size, "%s", s->debuginfo_path ? s->debuginfo_path : "-");
	else if (strcmp(key, "leak_exit_code") == 0)
		snprintf(buf, size, "%d", s->leak_exit_code);
	else if (strcmp(key, "quiet") == 0)
		snprintf(buf, size, "%s", bool_text(s->quiet));
	else if (strcmp(key, "verbose") == 0)
		snprintf(buf, size, "%s", bool_text(s->verbose));
	else if (strcmp(key, "io_uring") == 0)
		snprintf(buf, size, "%s", bool_text(s->io_uring));
	else if (strcmp(key, "userfaultfd") == 0)
		snprintf(buf, size, "%s", bool_text(s->userfaultfd));
	else
		return false;
	return true;
}

static struct settings *settings_new(void)
{
	struct settings *s = malloc(sizeof(*s));

	if (!s)
		bail_out("out of memory");
	settings_init(s);
	return s;
}

static void settings_delete(struct settings *s)
{
	settings_free(s);
	free(s);
}

/* Replaces every "FILE" in text by path. */
static void expand_file(const char *text, const char *path, char *buf, size_t size)
{
	size_t o = 0;

	for (const char *t = text; *t && o + 1 < size;) {
		if (strncmp(t, "FILE", 4) == 0) {
			o += (size_t)snprintf(buf + o, size - o, "%s", path);
			t += 4;
		} else {
			buf[o++] = *t++;
		}
	}
	buf[o < size ? o : size - 1] = '\0';
}

static char *chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

/* The values a good fixture's checks expect, indexed like defaults[]. */
struct expectation {
	char value[N_KEYS][VALUE_MAX];
};

static void run_fixture(const char *dir, const char *name)
{
	char path[4096 + 512], line[VALUE_MAX + 64], want[VALUE_MAX], err[VALUE_MAX], got[VALUE_MAX];
	struct expectation *exp = calloc(1, sizeof(*exp));
	struct settings *s = settings_new();
	bool expect_ok;
	FILE *f;
	int rc;

	if (!exp)
		bail_out("out of memory");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		bail_out("cannot open %s", path);
	for (size_t k = 0; k < N_KEYS; k++)
		snprintf(exp->value[k], VALUE_MAX, "%s", defaults[k].def);
	if (!fgets(line, sizeof(line), f)) {
		expect_ok = true; /* zero bytes */
	} else if (strncmp(chomp(line), "# expect: ", 10) == 0) {
		expect_ok = strcmp(line + 10, "ok") == 0;
		expand_file(line + 10, path, want, sizeof(want));
	} else {
		bail_out("%s: the first line must be '# expect: ...'", path);
	}
	while (fgets(line, sizeof(line), f) && strncmp(chomp(line), "# check: ", 9) == 0) {
		char *key = line + 9, *eq = strchr(key, '=');
		size_t k = 0;

		if (!expect_ok)
			bail_out("%s: '# check:' in a file that must fail", path);
		if (eq)
			*eq = '\0';
		while (k < N_KEYS && strcmp(defaults[k].key, key) != 0)
			k++;
		if (!eq || k == N_KEYS)
			bail_out("%s: bad check '%s'", path, key);
		snprintf(exp->value[k], VALUE_MAX, "%s", eq + 1);
	}
	fclose(f);

	err[0] = '\0';
	rc = settings_load_file(s, path, false, err, sizeof(err));
	if (expect_ok) {
		if (!is_int(rc, 0, "%s loads", name))
			diag("%s", err);
		for (size_t k = 0; k < N_KEYS; k++) {
			render(s, defaults[k].key, got, sizeof(got));
			is_str(got, exp->value[k], "%s: %s", name, defaults[k].key);
		}
	} else {
		is_int(rc, -EINVAL, "%s fails with -EINVAL", name);
		is_str(err, want, "%s: message", name);
	}
	settings_delete(s);
	free(exp);
}

static int conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

static void test_fixtures(void)
{
	char dir[4096];
	struct dirent **names;
	int n, good = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures", srcdir);
	n = scandir(dir, &names, conf_filter, alphasort);
	if (n < 0)
		bail_out("cannot read %s: %s", dir, strerror(errno));
	if (n < 20)
		bail_out("%s: only %d fixtures", dir, n);
	for (int i = 0; i < n; i++) {
		good += strncmp(names[i]->d_name, "good-", 5) == 0;
		run_fixture(dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	diag("%d fixtures (%d good) from %s", n, good, dir);
}

static void test_defaults(void)
{
	struct settings *s = settings_new();
	char got[VALUE_MAX];

	for (size_t k = 0; k < N_KEYS; k++) {
		ok(render(s, defaults[k].key, got, sizeof(got)), "renders %s", defaults[k].key);
		is_str(got, defaults[k].def, "default %s", defaults[k].key);
	}
	settings_delete(s);
}

static void test_missing_file(void)
{
	struct settings *s = settings_new();
	char path[4096], err[VALUE_MAX], want[VALUE_MAX];

	snprintf(path, sizeof(path), "%s/tests/fixtures/does-not-exist.conf", srcdir);
	snprintf(err, sizeof(err), "untouched");
	is_int(settings_load_file(s, path, true, err, sizeof(err)), -ENOENT, "missing file, missing_ok: -ENOENT");
	is_str(err, "untouched", "missing file, missing_ok: no message");
	is_int(settings_load_file(s, path, false, err, sizeof(err)), -ENOENT, "missing file: -ENOENT");
	expand_file("FILE: cannot open: No such file or directory", path, want, sizeof(want));
	is_str(err, want, "missing file: message");
	settings_delete(s);
}

/* Runs settings_load_env() with the two variables set (NULL: unset) on top of settings
 * that already hold three proxies, and checks rc and the resulting proxy list. */
static void env_case(const char *host, const char *port, int want_rc, const char *want)
{
	struct settings *s = settings_new();
	struct proxy extra;
	char err[VALUE_MAX], got[VALUE_MAX];
	int rc;

	if (proxy_parse("socks5h://10.0.0.1:1080", &extra) < 0 || policy_add_proxy(&s->policy, &extra) < 0)
		bail_out("cannot add a proxy");
	if (host)
		setenv("TOR_SOCKS_HOST", host, 1);
	else
		unsetenv("TOR_SOCKS_HOST");
	if (port)
		setenv("TOR_SOCKS_PORT", port, 1);
	else
		unsetenv("TOR_SOCKS_PORT");
	err[0] = '\0';
	rc = settings_load_env(s, err, sizeof(err));
	is_int(rc, want_rc, "TOR_SOCKS_HOST=%s TOR_SOCKS_PORT=%s: returns %d", host ? host : "(unset)",
	       port ? port : "(unset)", want_rc);
	if (rc < 0) {
		is_str(err, want, "TOR_SOCKS_HOST=%s TOR_SOCKS_PORT=%s: message", host ? host : "(unset)",
		       port ? port : "(unset)");
		want = "socks5://127.0.0.1:9050,socks5://[::1]:9050,socks5h://10.0.0.1:1080";
	}
	render(s, "proxies", got, sizeof(got));
	is_str(got, want, "TOR_SOCKS_HOST=%s TOR_SOCKS_PORT=%s: proxies", host ? host : "(unset)",
	       port ? port : "(unset)");
	settings_delete(s);
}

static void test_env(void)
{
	const char *const keep = "socks5://127.0.0.1:9050,socks5://[::1]:9050,socks5h://10.0.0.1:1080";
	struct settings *s;
	char err[64];

	env_case(NULL, NULL, 0, keep);
	env_case("", "", 0, keep);
	env_case("10.0.0.2", NULL, 0, "socks5://10.0.0.2:9050");
	env_case(NULL, "9150", 0, "socks5://127.0.0.1:9150");
	env_case("", "9150", 0, "socks5://127.0.0.1:9150");
	env_case("192.0.2.7", "1080", 0, "socks5://192.0.2.7:1080");
	env_case("::1", "9150", 0, "socks5://[::1]:9150");
	env_case("2001:db8::5", NULL, 0, "socks5://[2001:db8::5]:9050");
	env_case(NULL, "abc", -EINVAL,
		 "TOR_SOCKS_HOST=127.0.0.1 TOR_SOCKS_PORT=abc: must be a numeric IP address and a port number 1-65535");
	env_case(NULL, "0", -EINVAL,
		 "TOR_SOCKS_HOST=127.0.0.1 TOR_SOCKS_PORT=0: must be a numeric IP address and a port number 1-65535");
	env_case(NULL, "65536", -EINVAL,
		 "TOR_SOCKS_HOST=127.0.0.1 TOR_SOCKS_PORT=65536: must be a numeric IP address and a port number 1-65535");
	env_case(NULL, "9050-9051", -EINVAL,
		 "TOR_SOCKS_HOST=127.0.0.1 TOR_SOCKS_PORT=9050-9051: must be a numeric IP address and a port number 1-65535");
	env_case("localhost", "9050", -EINVAL,
		 "TOR_SOCKS_HOST=localhost TOR_SOCKS_PORT=9050: must be a numeric IP address and a port number 1-65535");
	env_case("[::1]", NULL, -EINVAL,
		 "TOR_SOCKS_HOST=[::1] TOR_SOCKS_PORT=9050: must be a numeric IP address and a port number 1-65535");

	/* The replacement proxy is a real one: kind and endpoint, not just text. */
	s = settings_new();
	setenv("TOR_SOCKS_HOST", "::1", 1);
	setenv("TOR_SOCKS_PORT", "9150", 1);
	settings_load_env(s, err, sizeof(err));
	ok(s->policy.n_proxies == 1 && s->policy.proxies[0].kind == PROXY_SOCKS5 &&
	   s->policy.proxies[0].where.family == AF_INET6 && s->policy.proxies[0].where.port_lo == 9150 &&
	   s->policy.proxies[0].where.port_hi == 9150 && s->policy.proxies[0].where.addr[15] == 1,
	   "TOR_SOCKS_HOST=::1 TOR_SOCKS_PORT=9150: one SOCKS5 proxy on [::1]:9150");
	settings_delete(s);
	unsetenv("TOR_SOCKS_HOST");
	unsetenv("TOR_SOCKS_PORT");
}

static void test_errno_parse(void)
{
	static const char *const bad[] = {
		"", "0", "4096", "-1", "13x", "x13", "econnrefused", "ECONNREFUSE", "NOTANERRNO", " 13",
		"99999999999999999999",
	};

	is_int(errno_parse("ECONNREFUSED"), ECONNREFUSED, "errno_parse(ECONNREFUSED)");
	is_int(errno_parse("EPERM"), EPERM, "errno_parse(EPERM)");
	is_int(errno_parse("EACCES"), EACCES, "errno_parse(EACCES)");
	is_int(errno_parse("ENETUNREACH"), ENETUNREACH, "errno_parse(ENETUNREACH)");
	is_int(errno_parse("13"), 13, "errno_parse(13)");
	is_int(errno_parse("1"), 1, "errno_parse(1)");
	is_int(errno_parse("4095"), 4095, "errno_parse(4095)");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(errno_parse(bad[i]), -EINVAL, "errno_parse('%s') is -EINVAL", bad[i]);
}

static void test_settings_set(void)
{
	struct settings *s = settings_new();
	const char *valid = NULL;
	char got[VALUE_MAX];

	is_int(settings_set(s, "no_such_key", "1", &valid), -ENOENT, "settings_set: unknown key is -ENOENT");
	ok(valid == NULL, "settings_set: unknown key leaves *ret_valid alone");
	is_int(settings_set(s, "quiet", "yes", &valid), -EINVAL, "settings_set quiet=yes: -EINVAL");
	is_str(valid, "true or false", "settings_set quiet=yes: what is valid");
	is_int(settings_set(s, "quiet", "true", &valid), 0, "settings_set quiet=true");
	ok(s->quiet, "settings_set quiet=true: set");
	is_int(settings_set(s, "stack_depth", "0x10", &valid), -EINVAL, "settings_set stack_depth=0x10: -EINVAL");
	is_int(settings_set(s, "stack_depth", "", &valid), -EINVAL, "settings_set stack_depth='': -EINVAL");
	is_int(settings_set(s, "stack_depth", "99999999999999999999", &valid), -EINVAL,
	       "settings_set stack_depth=huge: -EINVAL");
	is_int(settings_set(s, "stack_depth", "256", &valid), 0, "settings_set stack_depth=256");
	is_int(s->stack_depth, 256, "settings_set stack_depth=256: set");
	is_int(settings_set(s, "debuginfo_path", "/srv/debug:relative", &valid), -EINVAL,
	       "settings_set debuginfo_path with a relative directory: -EINVAL");
	is_int(settings_set(s, "debuginfo_path", "/srv/debug:/opt/debug", &valid), 0,
	       "settings_set debuginfo_path=/srv/debug:/opt/debug");
	ok(s->debuginfo_path && strcmp(s->debuginfo_path, "/srv/debug:/opt/debug") == 0,
	   "settings_set debuginfo_path: set");
	is_int(settings_set(s, "leak_exit_code", "-1", &valid), -EINVAL, "settings_set leak_exit_code=-1: -EINVAL");
	is_int(settings_set(s, "block_errno", "EPERM", &valid), 0, "settings_set block_errno=EPERM");
	is_int(s->block_errno, EPERM, "settings_set block_errno=EPERM: set");
	is_int(settings_set(s, "on_leak", "log", &valid), 0, "settings_set on_leak=log");
	is_int(s->on_leak, ACTION_LOG, "settings_set on_leak=log: set");
	is_int(settings_set(s, "output", "", &valid), -EINVAL, "settings_set output='': -EINVAL");
	is_str(valid, "a file name", "settings_set output='': what is valid");
	is_int(settings_set(s, "report", "/tmp/r.jsonl", &valid), 0, "settings_set report");
	is_int(settings_set(s, "report", "/tmp/s.jsonl", &valid), 0, "settings_set report again");
	is_str(s->report, "/tmp/s.jsonl", "settings_set report: the last one wins");

	is_int(settings_set(s, "proxies", "unix:/run/tor/socks", &valid), 0, "settings_set proxies appends");
	render(s, "proxies", got, sizeof(got));
	is_str(got, "socks5://127.0.0.1:9050,socks5://[::1]:9050,unix:/run/tor/socks", "proxies after append");
	is_int(settings_clear_list(s, "proxies"), 0, "settings_clear_list(proxies)");
	is_int((long long)s->policy.n_proxies, 0, "settings_clear_list(proxies) empties it");
	is_int(settings_set(s, "allow", "10.0.0.0/8:22", &valid), 0, "settings_set allow appends");
	is_int(settings_clear_list(s, "allow"), 0, "settings_clear_list(allow)");
	is_int((long long)s->policy.n_allow, 0, "settings_clear_list(allow) empties it");
	is_int(settings_clear_list(s, "quiet"), -ENOENT, "settings_clear_list(quiet) is -ENOENT");
	settings_delete(s);
}

/* settings_load_string() takes settings_load_file()'s path: the same checks, and messages
 * that name what it is given for the file. */
static void test_load_string(void)
{
	struct settings *s = settings_new();
	char err[VALUE_MAX];

	err[0] = '\0';
	is_int(settings_load_string(s, "inline.conf", "on_leak = \"log\";\nstack_depth = 8;", err,
				    sizeof(err)), 0, "settings_load_string: loads");
	ok(s->on_leak == ACTION_LOG && s->stack_depth == 8, "settings_load_string: sets the keys");
	is_int(settings_load_string(s, "inline.conf", "\nquiet = 1;", err, sizeof(err)), -EINVAL,
	       "settings_load_string: a bad value is -EINVAL");
	is_str(err, "inline.conf:2: quiet must be true or false",
	       "settings_load_string: the message names the text and the line");
	is_int(settings_load_string(s, "inline.conf", "quiet = ", err, sizeof(err)), -EINVAL,
	       "settings_load_string: a syntax error is -EINVAL");
	is_str(err, "inline.conf:1: syntax error", "settings_load_string: syntax error message");
	settings_delete(s);
}

int main(void)
{
	srcdir = getenv("top_srcdir");
	if (!srcdir || !*srcdir)
		srcdir = ".";
	test_defaults();
	test_fixtures();
	test_missing_file();
	test_env();
	test_errno_parse();
	test_settings_set();
	test_load_string();
	return done_testing();
}
