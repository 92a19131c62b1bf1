/* Unit test of the decision (judge_call): the matrix in tests/judge-table.txt. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "judge.h"
#include "tap.h"

#define LINE_MAX_LEN 1024

static unsigned table_line;

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	return s;
}

/* Splits s at sep into at most max trimmed fields; returns how many. */
static size_t split(char *s, char sep, char **ret, size_t max)
{
	size_t n = 0;

	while (n < max) {
		char *next = strchr(s, sep);

		if (next)
			*next = '\0';
		ret[n++] = trim(s);
		if (!next)
			break;
		s = next + 1;
	}
	return n;
}

static const struct syscall_def *row(const char *name)
{
	for (size_t i = 0; i < syscall_count; i++)
		if (strcmp(syscall_table[i].name, name) == 0)
			return &syscall_table[i];
	bail_out("judge-table.txt:%u: no syscall %s", table_line, name);
	return NULL;
}

static enum leak_kind kind_named(const char *name)
{
	for (int k = KIND_TCP; k <= KIND_OTHER; k++)
		if (strcmp(leak_kind_name((enum leak_kind)k), name) == 0)
			return (enum leak_kind)k;
	bail_out("judge-table.txt:%u: no leak kind %s", table_line, name);
	return KIND_OTHER;
}

static enum leak_action action_named(const char *name)
{
	static const char *const names[] = { [ACTION_BLOCK] = "block", [ACTION_KILL] = "kill",
					     [ACTION_LOG] = "log", [ACTION_REDIRECT] = "redirect" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return (enum leak_action)i;
	bail_out("judge-table.txt:%u: no action %s", table_line, name);
	return ACTION_BLOCK;
}

/* One destination: "inet ADDR PORT", "inet6 ADDR PORT" or "fault". */
static void parse_dest(char *text, struct dest *d)
{
	char kind[16], addr[64];
	unsigned port;

	*d = (struct dest){ 0 };
	if (strcmp(text, "fault") == 0) {
		d->error = -EFAULT;
		return;
	}
	if (sscanf(text, "%15s %63s %u", kind, addr, &port) != 3)
		bail_out("judge-table.txt:%u: bad destination '%s'", table_line, text);
	d->ep.family = strcmp(kind, "inet6") == 0 ? AF_INET6 : AF_INET;
	d->ep.port = (uint16_t)port;
	if (inet_pton(d->ep.family, addr, d->ep.addr) != 1)
		bail_out("judge-table.txt:%u: bad address '%s'", table_line, addr);
}

static const char *outcome_name(enum outcome o)
{
	static const char *const names[] = { [OUTCOME_RUN] = "run", [OUTCOME_NOOP] = "noop",
					     [OUTCOME_REDIRECT] = "redirect",
					     [OUTCOME_BLOCK] = "block", [OUTCOME_DENY] = "deny" };
	return names[o];
}

/* The text of a ruling, in the table's words. */
static void ruling_text(const struct ruling *r, char *buf, size_t size)
{
	static const char *const acts[] = { [ACTION_BLOCK] = "block", [ACTION_KILL] = "kill",
					    [ACTION_LOG] = "log", [ACTION_REDIRECT] = "redirect" };
	switch (r->kind) {
	case VK_ALLOW:
		snprintf(buf, size, "allow");
		break;
	case VK_PROBE:
		snprintf(buf, size, "probe");
		break;
	case VK_LOCAL_DNS:
		snprintf(buf, size, "dns");
		break;
	case VK_PROBE_REPORTED:
		snprintf(buf, size, "reported-probe");
		break;
	case VK_LEAK:
		snprintf(buf, size, "leak:%s:%s", acts[r->act], leak_kind_name(r->leak));
		break;
	}
}

static void run_row(char *line)
{
	static struct dest dests[CALL_MAX_DESTS];
	static struct ruling rulings[CALL_MAX_DESTS];
	char *col[5], *ctx_words[5], *call_words[2], *dest_texts[16], *want[16];
	char text[LINE_MAX_LEN], got[LINE_MAX_LEN] = "", one[64];
	struct settings s;
	struct netns_plan plan = { 0 };
	struct endpoint resolver = { .family = AF_INET, .port = 53 };
	struct judge_context ctx = { .s = &s, .resolvers = &resolver, .n_resolvers = 1 };
	struct call c = { .dests = dests, .fd = 3, .tid = 1 };
	struct judgement j = { .v = rulings };
	size_t n, n_ctx, n_want;

	inet_pton(AF_INET, "203.0.113.53", resolver.addr);
	snprintf(text, sizeof(text), "%s", line);
	if (split(line, '|', col, 5) != 5)
		bail_out("judge-table.txt:%u: want 5 columns", table_line);
	settings_init(&s);
	n_ctx = split(col[0], '+', ctx_words, 5);
	s.on_leak = action_named(ctx_words[0]);
	for (size_t i = 1; i < n_ctx; i++) {
		if (strcmp(ctx_words[i], "dns") == 0) {
			plan.dns = true;
			plan.n_nameservers = 1;
			plan.nameservers[0].family = AF_INET;
			plan.nameservers[0].port = 53;
			inet_pton(AF_INET, "203.0.113.53", plan.nameservers[0].addr);
			ctx.plan = &plan;
		} else if (strcmp(ctx_words[i], "killing") == 0) {
			ctx.killing = true;
		} else if (strcmp(ctx_words[i], "probes") == 0) {
			s.route_probes = PROBES_REPORT;
		} else if (strcmp(ctx_words[i], "intree") == 0) {
			ctx.in_tree = true;
		} else if (strcmp(ctx_words[i], "own") == 0) {
			ctx.sock.contained = true;
		} else {
			bail_out("judge-table.txt:%u: no context flag %s", table_line, ctx_words[i]);
		}
	}
	if (split(col[1], ' ', call_words, 2) != 2)
		bail_out("judge-table.txt:%u: want SYSCALL SOCKET", table_line);
	if (strcmp(call_words[0], "deny") == 0) {
		c.def = row("ptrace");
		c.fd = -1;
		c.deny_errno = EPERM;
		c.deny_kind = kind_named(call_words[1]);
		c.target = 42;
	} else {
		const char *sock = call_words[1];

		c.def = row(call_words[0]);
		ctx.sock.domain = strchr(sock, '6') ? AF_INET6
				  : strcmp(sock, "unix") == 0 ? AF_UNIX : AF_INET;
		ctx.sock.type = strncmp(sock, "udp", 3) == 0 ? SOCK_DGRAM : SOCK_STREAM;
	}
	if (strcmp(col[2], "-") != 0) {
		n = split(col[2], ',', dest_texts, 16);
		for (size_t i = 0; i < n; i++)
			parse_dest(dest_texts[i], &dests[i]);
		c.n_dests = n;
	}
	judge_call(&ctx, &c, &j);
	snprintf(got, sizeof(got), "%s%s%s |", outcome_name(j.outcome), j.kill ? "+kill" : "",
		 j.own ? "+own" : "");
	n = c.deny_errno ? (j.outcome == OUTCOME_DENY) : c.n_dests;
	for (size_t i = 0; i < n; i++) {
		ruling_text(&j.v[i], one, sizeof(one));
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s %s", i ? "," : "", one);
	}
	if (!n)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), " -");
	/* The expected text in the same shape. */
	n_want = split(col[4], ',', want, 16);
	snprintf(text, sizeof(text), "%s |", col[3]);
	for (size_t i = 0; i < n_want; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s %s", i ? "," : "",
			 want[i]);
	if (!ok(strcmp(got, text) == 0, "line %u: %s | %s | %s -> %s", table_line, col[0], col[1],
		col[2], text))
		diag("got %s", got);
	settings_free(&s);
}

int main(void)
{
	const char *srcdir = getenv("top_srcdir");
	char path[4096], line[LINE_MAX_LEN];
	unsigned rows = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/judge-table.txt", srcdir && *srcdir ? srcdir : ".");
	f = fopen(path, "re");
	if (!f)
		bail_out("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line);

		table_line++;
		if (*s == '\0' || *s == '#')
			continue;
		run_row(s);
		rows++;
	}
	fclose(f);
	if (rows < 30)
		bail_out("%s: only %u rows", path, rows);
	return done_testing();
}
