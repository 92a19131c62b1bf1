/* The leak sites as SARIF 2.1.0, for code scanning: one result per site. */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cleanup.h"
#include "report.h"
#include "sarif.h"

/* One rule per leak kind, in enum leak_kind order: the result's ruleIndex. */
static const struct { enum leak_kind kind; const char *name, *brief, *full; } rules[] = {
	{ KIND_TCP, "TcpLeak", "TCP connection outside the proxy",
	  "The program opened a TCP connection (or sent on a stream) to an address that is not "
	  "its proxy: the traffic would leave without the proxy's anonymity or policy." },
	{ KIND_DNS, "DnsLeak", "DNS query outside the proxy",
	  "The program sent a query to a resolver (port 53) directly: the names it looks up "
	  "reach the network without the proxy." },
	{ KIND_UDP, "UdpLeak", "UDP datagram outside the proxy",
	  "The program sent a datagram to an address that is not its proxy." },
	{ KIND_ROUTE_PROBE, "RouteProbe", "UDP connect that learns the route",
	  "The program connected a UDP socket without sending: it learns its route and local "
	  "address, which reveals the network it is on." },
	{ KIND_RAW_SOCKET, "RawSocket", "Socket that sends without an address",
	  "The program asked for a raw, packet, ICMP or XDP socket or a TUN device, which send "
	  "without an address a proxy could carry." },
	{ KIND_IO_URING, "IoUring", "io_uring, which no filter sees into",
	  "The program set up io_uring, whose network calls no seccomp filter can see." },
	{ KIND_TAMPER, "TamperingAttempt", "Attempt on the rules or the tracer",
	  "The program tried to change the rules or reach outside its tree: its own seccomp "
	  "listener, ptrace of an outside process, setns, userfaultfd, or a socket option that "
	  "reroutes traffic." },
	{ KIND_INBOUND, "InboundListener", "Listener reachable from outside the proxy",
	  "The program listened on, or bound, a port reachable from outside the proxy." },
	{ KIND_OTHER, "OtherLeak", "Other destination outside the proxy",
	  "The program reached a destination of another family (unix, netlink or unknown) that "
	  "the policy does not allow." },
};

static int rule_index(enum leak_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].kind == k)
			return (int)i;
	return (int)ARRAY_SIZE(rules) - 1;
}

/*
 * Removes "." and ".." segments (RFC 3986 section 5.2.4) and empty ones from path, in place:
 * "/build/../src/a.c" becomes "/src/a.c" (a compiler's path from an out-of-tree build). A
 * ".." that would climb above a relative path's start is kept.
 */
static void normalize(char *path)
{
	char *out = path, *in = path;
	bool absolute = *path == '/';
	size_t kept = 0; /* segments written that a ".." may remove */

	if (absolute)
		*out++ = *in++;
	while (*in) {
		size_t len = strcspn(in, "/");

		if (len == 0 || (len == 1 && in[0] == '.')) {
			/* nothing */
		} else if (len == 2 && in[0] == '.' && in[1] == '.' && kept) {
			out--; /* before the last segment's end */
			while (out > path && out[-1] != '/')
				out--;
			kept--;
		} else {
			if (out > path && out[-1] != '/')
				*out++ = '/';
			memmove(out, in, len);
			out += len;
			if (!(len == 2 && in[0] == '.' && in[1] == '.'))
				kept++;
		}
		in += len;
		if (*in == '/')
			in++;
	}
	if (out > path + absolute && out[-1] == '/')
		out--;
	*out = '\0';
}

/* Writes path as a URI reference (RFC 3986): "file://" before an absolute path, its dot
 * segments removed, every byte outside the unreserved characters and '/' percent-encoded. */
static void uri(FILE *f, const char *file)
{
	char path[sizeof(((struct frame *)0)->file)];

	snprintf(path, sizeof(path), "%s", file);
	normalize(path);
	fputs(path[0] == '/' ? "\"file://" : "\"", f);
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("-._~/", *c))
			fputc(*c, f);
		else
			fprintf(f, "%%%02X", *c);
	}
	fputc('"', f);
}

static void text(FILE *f, const char *member, const char *s)
{
	fprintf(f, "\"%s\":{\"text\":", member);
	report_json_string(f, s);
	fputc('}', f);
}

static void physical_location(FILE *f, const struct frame *fr)
{
	fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":", f);
	uri(f, fr->file);
	fprintf(f, "},\"region\":{\"startLine\":%u}}", fr->line);
}

static void logical_location(FILE *f, const struct frame *fr)
{
	fputs("\"logicalLocations\":[{\"fullyQualifiedName\":", f);
	report_json_string(f, fr->function);
	fputs(",\"kind\":\"function\"}]", f);
}

static void stack_frame(FILE *f, const struct frame *fr)
{
	char line[1024];

	site_frame_format(fr, line, sizeof(line));
	fputs("{\"location\":{", f);
	text(f, "message", line);
	if (fr->file[0] && fr->line) {
		fputc(',', f);
		physical_location(f, fr);
	}
	if (fr->function[0]) {
		fputc(',', f);
		logical_location(f, fr);
	}
	fputc('}', f);
	if (fr->module[0]) {
		fputs(",\"module\":", f);
		report_json_string(f, fr->module);
	}
	fputc('}', f);
}

static void result(FILE *f, const struct site *s, bool first)
{
	const struct frame *src = site_source_frame(s), *caller = site_caller(s);
	char id[SITE_ID_STRLEN], title[512], dests[2048], msg[3072];

	site_id_format(s->id, id);
	site_title(s, title, sizeof(title));
	site_dests_format(s, 5, dests, sizeof(dests));
	snprintf(msg, sizeof(msg), "%lu %s%s%s (site %s)", s->count, title, *dests ? " to " : "",
		 dests, id);
	fprintf(f, "%s{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"error\",", first ? "" : ",",
		leak_kind_name(s->kind), rule_index(s->kind));
	text(f, "message", msg);
	if (src || (caller && caller->function[0])) {
		fputs(",\"locations\":[{", f);
		if (src)
			physical_location(f, src);
		if (caller && caller->function[0]) {
			fputs(src ? "," : "", f);
			logical_location(f, caller);
		}
		fputs("}]", f);
	}
	fprintf(f, ",\"partialFingerprints\":{\"sockstraceSite/v1\":\"%s\"}", id);
	if (s->n_frames) {
		fputs(",\"stacks\":[{", f);
		text(f, "message", "the stack of the first leak at this site");
		fputs(",\"frames\":[", f);
		for (int i = 0; i < s->n_frames; i++) {
			fputs(i ? "," : "", f);
			stack_frame(f, &s->stack[i]);
		}
		fputs("]}]", f);
	}
	fputs(",\"properties\":{", f);
	report_site_members(f, s);
	fputs("}}\n", f);
}

int sarif_write(FILE *f, const struct sites *t)
{
	fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
	      "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"sockstrace\",\"version\":\""
	      PACKAGE_VERSION "\",\"rules\":[\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		fprintf(f, "%s{\"id\":\"%s\",\"name\":\"%s\",", i ? "," : "",
			leak_kind_name(rules[i].kind), rules[i].name);
		text(f, "shortDescription", rules[i].brief);
		fputc(',', f);
		text(f, "fullDescription", rules[i].full);
		fputs(",\"defaultConfiguration\":{\"level\":\"error\"}}\n", f);
	}
	fputs("]}},\"results\":[\n", f);
	for (size_t i = 0; i < t->n; i++)
		result(f, &t->v[i], i == 0);
	fprintf(f, "],\"properties\":{\"leaks\":%lu,\"sites\":%zu,\"ungrouped_leaks\":%lu}}]}\n",
		t->leaks, t->n, t->dropped_leaks);
	return ferror(f) ? -EIO : 0;
}
