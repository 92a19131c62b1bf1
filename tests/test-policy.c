/*
 * Unit tests of src/policy.c. The verdict matrix (settings x destination -> allow or leak)
 * is data, in tests/policy-table.txt (see the format there); every row goes through
 * sockaddr_decode() and policy_check(), the same path as a traced syscall. Then the parsers
 * of allow rules and proxy URLs are checked one input at a time.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "policy.h"
#include "sockaddr.h"
#include "tap.h"

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)
#define LINE_MAX_LEN 1024

/* The current table line, for messages. */
static const char *table_path;
static unsigned table_line;

/* A malformed table is a broken test: exit 99 naming the line. */
static TAP_PRINTF(1, 2) __attribute__((noreturn)) void table_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bail_out("%s:%u: %s", table_path, table_line, msg);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Builds the policy from the SETTINGS column: "-" or tokens applied on top of the defaults. */
static void build_policy(char *col, struct policy *p)
{
	char *save = NULL;

	policy_init_defaults(p);
	if (strcmp(col, "-") == 0)
		return;
	for (char *tok = strtok_r(col, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		struct proxy proxy;
		struct rule rule;

		if (strncmp(tok, "proxy=", 6) == 0) {
			if (proxy_parse(tok + 6, &proxy) < 0 || policy_add_proxy(p, &proxy) < 0)
				table_error("bad proxy '%s'", tok + 6);
		} else if (strncmp(tok, "allow=", 6) == 0) {
			if (rule_parse(tok + 6, &rule) < 0 || policy_add_rule(p, &rule) < 0)
				table_error("bad allow rule '%s'", tok + 6);
		} else if (strcmp(tok, "noproxies") == 0) {
			p->n_proxies = 0;
		} else if (strcmp(tok, "loopback") == 0) {
			p->allow_loopback = true;
		} else if (strcmp(tok, "restrict_unix") == 0) {
			p->unix_restrict = true;
		} else if (strcmp(tok, "unix_only") == 0) {
			p->unix_only = true;
		} else if (strcmp(tok, "no_netlink") == 0) {
			p->allow_netlink = false;
		} else {
			table_error("unknown setting '%s'", tok);
		}
	}
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	if (!s)
		table_error("missing number");
	v = strtoul(s, &end, 10);
	if (*end || end == s || v > max)
		table_error("bad number '%s'", s);
	return v;
}

/*
 * Builds the raw sockaddr of the ENDPOINT column into buf and returns its length.
 * *want_mapped is set for "mapped", whose decoding must come out as mapped AF_INET.
 */
static size_t build_sockaddr(char *col, uint8_t *buf, bool *want_mapped)
{
	char *save = NULL;
	const char *kind = strtok_r(col, " \t", &save);
	const char *a1 = strtok_r(NULL, " \t", &save);
	const char *a2 = strtok_r(NULL, " \t", &save);
	size_t len;

	*want_mapped = false;
	memset(buf, 0, SOCKADDR_MAX);
	if (!kind)
		table_error("empty endpoint");
	if (strcmp(kind, "inet") == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		if (!a1 || inet_pton(AF_INET, a1, &sin.sin_addr) != 1)
			table_error("bad IPv4 address");
		sin.sin_port = htons((uint16_t)parse_num(a2, 65535));
		memcpy(buf, &sin, sizeof(sin));
		return sizeof(sin);
	}
	if (strcmp(kind, "inet6") == 0 || strcmp(kind, "mapped") == 0) {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
		if (!a1 || inet_pton(AF_INET6, a1, &sin6.sin6_addr) != 1)
			table_error("bad IPv6 address");
		sin6.sin6_port = htons((uint16_t)parse_num(a2, 65535));
		memcpy(buf, &sin6, sizeof(sin6));
		*want_mapped = kind[0] == 'm';
		return sizeof(sin6);
	}
	if (strcmp(kind, "unix") == 0 || strcmp(kind, "unnamed") == 0) {
		sa_family_t family = AF_UNIX;
		memcpy(buf, &family, sizeof(family));
		if (strcmp(kind, "unnamed") == 0)
			return SUN_OFF;
		if (!a1 || strlen(a1) > sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
			table_error("bad unix name");
		if (a1[0] == '@') {
			/* Abstract: a NUL, then the name, with no terminating NUL in the length. */
			len = strlen(a1 + 1);
			memcpy(buf + SUN_OFF + 1, a1 + 1, len);
			return SUN_OFF + 1 + len;
		}
		/* A pathname, with its NUL counted as most programs do. */
		len = strlen(a1) + 1;
		memcpy(buf + SUN_OFF, a1, len);
		return SUN_OFF + len;
	}
	if (strcmp(kind, "netlink") == 0) {
		struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
		nl.nl_pid = a1 ? (uint32_t)parse_num(a1, UINT32_MAX) : 0;
		memcpy(buf, &nl, sizeof(nl));
		return sizeof(nl);
	}
	if (strcmp(kind, "unspec") == 0 || strcmp(kind, "family") == 0) {
		sa_family_t family = kind[0] == 'u' ? AF_UNSPEC : (sa_family_t)parse_num(a1, 65535);
		memcpy(buf, &family, sizeof(family));
		return 16;
	}
	table_error("unknown endpoint kind '%s'", kind);
}

/* Runs one "SETTINGS | ENDPOINT | VERDICT [| RULE]" line as one assertion. */
static void run_row(char *line)
{
	char *col[5] = { 0 };
	int n = 0;
	char settings_text[LINE_MAX_LEN], endpoint_text[LINE_MAX_LEN];
	struct policy *p = malloc(sizeof(*p));
	uint8_t buf[SOCKADDR_MAX];
	bool want_mapped;
	size_t len;
	struct endpoint ep = { 0 };
	struct decision d = { VERDICT_LEAK, "(not run)" };
	enum verdict want;
	int rc;
	bool pass;

	if (!p)
		bail_out("out of memory");
	for (char *s = line, *bar; n < 5 && s; s = bar ? bar + 1 : NULL) {
		bar = strchr(s, '|');
		if (bar)
			*bar = '\0';
		col[n++] = trim(s);
	}
	if (n < 3 || n > 4)
		table_error("want 3 or 4 columns separated by '|', got %d", n);
	if (strcmp(col[2], "allow") == 0)
		want = VERDICT_ALLOW;
	else if (strcmp(col[2], "leak") == 0)
		want = VERDICT_LEAK;
	else
		table_error("verdict must be allow or leak, not '%s'", col[2]);
	snprintf(settings_text, sizeof(settings_text), "%s", col[0]);
	snprintf(endpoint_text, sizeof(endpoint_text), "%s", col[1]);

	build_policy(col[0], p);
	len = build_sockaddr(col[1], buf, &want_mapped);
	rc = sockaddr_decode(buf, len, &ep);
	if (rc == 0)
		d = policy_check(p, &ep);
	pass = rc == 0 && d.verdict == want && (!want_mapped || (ep.family == AF_INET && ep.mapped)) &&
	       (n < 4 || strcmp(d.rule, col[3]) == 0);
	if (!ok(pass, "line %u: %s | %s -> %s%s%s", table_line, settings_text, endpoint_text,
		col[2], n == 4 ? " by " : "", n == 4 ? col[3] : ""))
		diag("decode %d, mapped %d, got %s by '%s'", rc, rc == 0 && ep.mapped,
		     d.verdict == VERDICT_ALLOW ? "allow" : "leak", d.rule);
	free(p);
}

static void test_table(void)
{
	const char *srcdir = getenv("top_srcdir");
	char path[4096], line[LINE_MAX_LEN];
	unsigned rows = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/policy-table.txt", srcdir && *srcdir ? srcdir : ".");
	f = fopen(path, "re");
	if (!f)
		bail_out("cannot open %s", path);
	table_path = path;
	while (fgets(line, sizeof(line), f)) {
		char *s;

		table_line++;
		if (!strchr(line, '\n') && !feof(f))
			table_error("line too long");
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		run_row(s);
		rows++;
	}
	fclose(f);
	if (rows < 40)
		bail_out("%s: only %u rows", path, rows);
	diag("%u rows from %s", rows, path);
}

/* One rule_parse() case; addr NULL means the text must be rejected. */
struct rule_case {
	const char *text;  /* input */
	const char *addr;  /* expected address (host bits cleared) or unix name; NULL: -EINVAL */
	int family;        /* expected family */
	unsigned prefix;   /* expected prefix length (IP) or abstract flag (unix) */
	unsigned port_lo;  /* expected port range (IP) */
	unsigned port_hi;
};

static const struct rule_case rule_cases[] = {
	{ "203.0.113.1", "203.0.113.1", AF_INET, 32, 0, 65535 },
	{ "203.0.113.1:80", "203.0.113.1", AF_INET, 32, 80, 80 },
	{ "203.0.113.0/24:80-90", "203.0.113.0", AF_INET, 24, 80, 90 },
	{ "203.0.113.77/24", "203.0.113.0", AF_INET, 24, 0, 65535 },
	{ "10.255.255.255/9:*", "10.128.0.0", AF_INET, 9, 0, 65535 },
	{ "1.2.3.4/0", "0.0.0.0", AF_INET, 0, 0, 65535 },
	{ "1.2.3.4/32:1-65535", "1.2.3.4", AF_INET, 32, 1, 65535 },
	{ "1.2.3.4:443-443", "1.2.3.4", AF_INET, 32, 443, 443 },
	{ "[2001:db8::1]:443", "2001:db8::1", AF_INET6, 128, 443, 443 },
	{ "[2001:db8:ffff::1/32]:1-1024", "2001:db8::", AF_INET6, 32, 1, 1024 },
	{ "[2001:db8::1]", "2001:db8::1", AF_INET6, 128, 0, 65535 },
	{ "[2001:db8::1]:*", "2001:db8::1", AF_INET6, 128, 0, 65535 },
	{ "2001:db8::/32", "2001:db8::", AF_INET6, 32, 0, 65535 },
	{ "2001:db8::3/127", "2001:db8::2", AF_INET6, 127, 0, 65535 },
	{ "::1", "::1", AF_INET6, 128, 0, 65535 },
	{ "[::/0]:53", "::", AF_INET6, 0, 53, 53 },
	{ "[::ffff:127.0.0.1]:9050", "127.0.0.1", AF_INET, 32, 9050, 9050 },
	{ "::ffff:10.1.2.3/104", "10.0.0.0", AF_INET, 8, 0, 65535 },
	{ "::ffff:0:0/95", "::fffe:0:0", AF_INET6, 95, 0, 65535 },
	{ "unix:/run/tor/socks", "/run/tor/socks", AF_UNIX, 0, 0, 65535 },
	{ "unix:@tor-socks", "tor-socks", AF_UNIX, 1, 0, 65535 },
	{ "", NULL, 0, 0, 0, 0 },
	{ "garbage", NULL, 0, 0, 0, 0 },
	{ "localhost:80", NULL, 0, 0, 0, 0 },
	{ "1.2.3", NULL, 0, 0, 0, 0 },
	{ "256.1.1.1", NULL, 0, 0, 0, 0 },
	{ " 1.2.3.4", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:0", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:65536", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:4294967376", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:99999999999", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:http", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:90-80", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:80-", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:-80", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:80-90-100", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:0-80", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:**", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4/33", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4/", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4/-1", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4/24/8", NULL, 0, 0, 0, 0 },
	{ "1.2.3.4:80:90", NULL, 0, 0, 0, 0 },
	{ "2001:db8::/129", NULL, 0, 0, 0, 0 },
	{ "[2001:db8::1/129]", NULL, 0, 0, 0, 0 },
	{ "[2001:db8::1]:", NULL, 0, 0, 0, 0 },
	{ "[2001:db8::1]443", NULL, 0, 0, 0, 0 },
	{ "[2001:db8::1", NULL, 0, 0, 0, 0 },
	{ "[1.2.3.4]:80", NULL, 0, 0, 0, 0 },
	{ "2001:db8::1:443", "2001:db8::1:443", AF_INET6, 128, 0, 65535 },
	{ "unix:relative/path", NULL, 0, 0, 0, 0 },
	{ "unix:", NULL, 0, 0, 0, 0 },
	{ "unix:@", NULL, 0, 0, 0, 0 },
};

static void test_rule_parse(void)
{
	char longpath[160];
	struct rule r, before;

	for (size_t i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]); i++) {
		const struct rule_case *c = &rule_cases[i];
		uint8_t want[16] = { 0 };
		bool pass;
		int rc;

		memset(&r, 0x5a, sizeof(r));
		before = r;
		rc = rule_parse(c->text, &r);
		if (!c->addr) {
			ok(rc == -EINVAL && memcmp(&r, &before, sizeof(r)) == 0,
			   "rule '%s' is rejected (-EINVAL, result untouched)", c->text);
			continue;
		}
		if (c->family == AF_UNIX)
			pass = rc == 0 && r.family == AF_UNIX && r.abstract == (c->prefix != 0) &&
			       r.path_len == strlen(c->addr) && strcmp(r.path, c->addr) == 0;
		else
			pass = rc == 0 && inet_pton(c->family, c->addr, want) == 1 &&
			       r.family == c->family && memcmp(r.addr, want, 16) == 0 &&
			       r.prefix == c->prefix && r.port_lo == c->port_lo && r.port_hi == c->port_hi;
		pass = pass && strcmp(r.text, c->text) == 0;
		if (!ok(pass, "rule '%s' parses to %s/%u ports %u-%u", c->text, c->addr, c->prefix,
			c->port_lo, c->port_hi))
			diag("rc %d family %d prefix %u ports %u-%u text '%s'", rc, r.family, r.prefix,
			     r.port_lo, r.port_hi, r.text);
	}

	/* A pathname may fill all 108 bytes of sun_path; an abstract name 107 after its NUL. */
	memset(longpath, 'p', sizeof(longpath));
	memcpy(longpath, "unix:/", 6);
	longpath[5 + 108] = '\0';
	ok(rule_parse(longpath, &r) == 0 && r.path_len == 108, "unix: pathname of 108 bytes");
	longpath[5 + 108] = 'p';
	longpath[5 + 109] = '\0';
	is_int(rule_parse(longpath, &r), -EINVAL, "unix: pathname of 109 bytes is rejected");
	longpath[5] = '@';
	longpath[5 + 1 + 107] = '\0';
	ok(rule_parse(longpath, &r) == 0 && r.abstract && r.path_len == 107, "unix:@ name of 107 bytes");
	longpath[5 + 1 + 107] = 'p';
	longpath[5 + 1 + 108] = '\0';
	is_int(rule_parse(longpath, &r), -EINVAL, "unix:@ name of 108 bytes is rejected");
	memset(longpath, '1', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	is_int(rule_parse(longpath, &r), -EINVAL, "a rule of 159 characters is rejected");
}

/* One proxy_parse() case; kind -1 means the URL must be rejected. */
struct proxy_case {
	const char *url;  /* input */
	int kind;         /* expected enum proxy_kind, or -1 */
	const char *addr; /* expected address or unix name */
	unsigned port;    /* expected port (IP) */
};

static const struct proxy_case proxy_cases[] = {
	{ "socks5://127.0.0.1:9050", PROXY_SOCKS5, "127.0.0.1", 9050 },
	{ "socks5h://10.0.0.1:1080", PROXY_SOCKS5H, "10.0.0.1", 1080 },
	{ "http://[::1]:8080", PROXY_HTTP, "::1", 8080 },
	{ "socks5://[2001:db8::5]:65535", PROXY_SOCKS5, "2001:db8::5", 65535 },
	{ "socks5://[::ffff:127.0.0.1]:9050", PROXY_SOCKS5, "127.0.0.1", 9050 },
	{ "unix:/run/tor/socks", PROXY_UNIX, "/run/tor/socks", 0 },
	{ "unix:@tor", PROXY_UNIX, "tor", 0 },
	{ "socks5://localhost:9050", -1, NULL, 0 },
	{ "socks5://127.0.0.1", -1, NULL, 0 },
	{ "socks5://127.0.0.1:", -1, NULL, 0 },
	{ "socks5://127.0.0.1:0", -1, NULL, 0 },
	{ "socks5://127.0.0.1:65536", -1, NULL, 0 },
	{ "socks5://127.0.0.1:4294976346", -1, NULL, 0 },
	{ "socks5://127.0.0.1:9050-9051", -1, NULL, 0 },
	{ "socks5://127.0.0.1:*", -1, NULL, 0 },
	{ "socks5://127.0.0.0/8:9050", -1, NULL, 0 },
	{ "socks5://127.0.0.1:9050/", -1, NULL, 0 },
	{ "socks5://[::1]", -1, NULL, 0 },
	{ "socks5://::1:9050", -1, NULL, 0 },
	{ "socks5://:9050", -1, NULL, 0 },
	{ "socks4://127.0.0.1:9050", -1, NULL, 0 },
	{ "SOCKS5://127.0.0.1:9050", -1, NULL, 0 },
	{ "127.0.0.1:9050", -1, NULL, 0 },
	{ "unix:relative", -1, NULL, 0 },
	{ "unix:", -1, NULL, 0 },
	{ "", -1, NULL, 0 },
	{ "garbage", -1, NULL, 0 },
};

static void test_proxy_parse(void)
{
	for (size_t i = 0; i < sizeof(proxy_cases) / sizeof(proxy_cases[0]); i++) {
		const struct proxy_case *c = &proxy_cases[i];
		struct proxy p, before;
		uint8_t want[16] = { 0 };
		int rc;
		bool pass;

		memset(&p, 0x5a, sizeof(p));
		before = p;
		rc = proxy_parse(c->url, &p);
		if (c->kind < 0) {
			ok(rc == -EINVAL && memcmp(&p, &before, sizeof(p)) == 0,
			   "proxy '%s' is rejected (-EINVAL, result untouched)", c->url);
			continue;
		}
		if (c->kind == PROXY_UNIX) {
			pass = rc == 0 && p.where.family == AF_UNIX && strcmp(p.where.path, c->addr) == 0 &&
			       p.where.abstract == (c->url[5] == '@');
		} else {
			int family = strchr(c->addr, ':') ? AF_INET6 : AF_INET;
			pass = rc == 0 && inet_pton(family, c->addr, want) == 1 &&
			       p.where.family == family && memcmp(p.where.addr, want, 16) == 0 &&
			       p.where.prefix == (family == AF_INET ? 32u : 128u) &&
			       p.where.port_lo == c->port && p.where.port_hi == c->port;
		}
		pass = pass && (int)p.kind == c->kind && strcmp(p.where.text, c->url) == 0;
		if (!ok(pass, "proxy '%s' parses to kind %d %s port %u", c->url, c->kind, c->addr, c->port))
			diag("rc %d kind %d family %d prefix %u ports %u-%u text '%s'", rc, (int)p.kind,
			     p.where.family, p.where.prefix, p.where.port_lo, p.where.port_hi, p.where.text);
	}
}

static void test_tables_full(void)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct proxy proxy;
	struct rule rule;
	int rc = 0;

	if (!p)
		bail_out("out of memory");
	policy_init_defaults(p);
	is_int((long long)p->n_proxies, 2, "defaults: two proxies");
	is_str(p->proxies[0].where.text, "socks5://127.0.0.1:9050", "defaults: Tor's IPv4 SocksPort first");
	is_str(p->proxies[1].where.text, "socks5://[::1]:9050", "defaults: then Tor's IPv6 SocksPort");
	ok(p->allow_netlink && !p->allow_loopback && !p->unix_restrict && !p->unix_only && p->n_allow == 0,
	   "defaults: netlink allowed, loopback not, unix unrestricted, no allow rules");

	proxy_parse("socks5://127.0.0.1:9050", &proxy);
	for (size_t i = p->n_proxies; i < POLICY_MAX_PROXIES && rc == 0; i++)
		rc = policy_add_proxy(p, &proxy);
	is_int(rc, 0, "%d proxies fit", POLICY_MAX_PROXIES);
	is_int(policy_add_proxy(p, &proxy), -ENOSPC, "proxy %d: -ENOSPC", POLICY_MAX_PROXIES + 1);
	is_int((long long)p->n_proxies, POLICY_MAX_PROXIES, "the proxy table stays at %d", POLICY_MAX_PROXIES);

	rule_parse("10.0.0.1:80", &rule);
	for (size_t i = 0; i < POLICY_MAX_RULES && rc == 0; i++)
		rc = policy_add_rule(p, &rule);
	is_int(rc, 0, "%d allow rules fit", POLICY_MAX_RULES);
	is_int(policy_add_rule(p, &rule), -ENOSPC, "rule %d: -ENOSPC", POLICY_MAX_RULES + 1);
	is_int((long long)p->n_allow, POLICY_MAX_RULES, "the rule table stays at %d", POLICY_MAX_RULES);
	free(p);
}

int main(void)
{
	test_table();
	test_rule_parse();
	test_proxy_parse();
	test_tables_full();
	return done_testing();
}
