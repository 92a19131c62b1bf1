/* What the user reads: a line per leak, the JSON Lines report, the summary. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

const char *action_past(enum leak_action a)
{
	static const char *const words[] = {
		[ACTION_BLOCK] = "blocked", [ACTION_KILL] = "killed",
		[ACTION_LOG] = "logged", [ACTION_REDIRECT] = "redirected",
	};
	return words[a];
}

int report_open(struct report *r, const struct settings *s, char *err, size_t errlen)
{
	*r = (struct report){ .out = stderr, .quiet = s->quiet, .verbose = s->verbose };
	if (s->output) {
		r->out = fopen(s->output, "we");
		if (!r->out) {
			int e = errno;
			snprintf(err, errlen, "%s: cannot open the output file: %s", s->output, strerror(e));
			r->out = stderr;
			return -e;
		}
	}
	if (s->report) {
		r->json = fopen(s->report, "we");
		if (!r->json) {
			int e = errno;
			snprintf(err, errlen, "%s: cannot open the report file: %s", s->report, strerror(e));
			report_close(r);
			return -e;
		}
	}
	return 0;
}

void report_close(struct report *r)
{
	if (r->out && r->out != stderr)
		fclose(r->out);
	if (r->json)
		fclose(r->json);
	r->out = stderr;
	r->json = NULL;
}

/* Writes s as a JSON string (RFC 8259), escaping controls and non-ASCII bytes as \u00XX. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static void json_time(FILE *f)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "\"time\":\"%s.%03ldZ\"", buf, ts.tv_nsec / 1000000);
}

void report_printf(FILE *f, const char *fmt, ...)
{
	size_t flen = strlen(fmt);
	bool newline = flen && fmt[flen - 1] == '\n';
	char small[1024], *buf = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (!buf)
			return;
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	for (int i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if ((ch < 0x20 || ch == 0x7f) && !(newline && i == n - 1))
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	if (buf != small)
		free(buf);
}

static const char *dest_problem(const struct dest *d)
{
	return d->error == -EFAULT ? "unreadable address" : "malformed address";
}

static void leak_json(FILE *f, const struct leak_event *e)
{
	char fam[16], addr[ENDPOINT_STRLEN];
	const struct endpoint *ep = &e->dest->ep;

	fputs("{\"event\":\"leak\",", f);
	json_time(f);
	fprintf(f, ",\"action\":\"%s\",\"pid\":%d,\"tid\":%d,\"comm\":", action_past(e->action), e->pid,
		e->tid);
	json_string(f, e->comm);
	fputs(",\"exe\":", f);
	json_string(f, e->exe);
	fprintf(f, ",\"syscall\":\"%s\",\"kind\":\"%s\",\"arch\":\"%s\",\"transport\":\"%s\","
		"\"rule\":", e->syscall, leak_kind_name(e->kind), e->arch, e->transport);
	json_string(f, e->rule);
	if (e->call) {
		fputs(",\"call\":", f);
		json_string(f, e->call);
		fputs(",\"family\":null,\"address\":null,\"port\":null", f);
	} else if (e->dest->error) {
		fprintf(f, ",\"family\":null,\"address\":null,\"port\":null,\"error\":\"%s\"",
			dest_problem(e->dest));
	} else {
		endpoint_format_address(ep, addr, sizeof(addr));
		fprintf(f, ",\"family\":\"%s\",\"address\":", family_name(ep->family, fam, sizeof(fam)));
		if (ep->family == AF_UNIX) {
			fputs("null,\"port\":null,\"path\":", f);
			json_string(f, addr);
		} else if (ep->family == AF_INET || ep->family == AF_INET6) {
			json_string(f, addr);
			fprintf(f, ",\"port\":%u", ep->port);
		} else {
			fputs("null,\"port\":null", f);
		}
	}
	if (e->stack_why) {
		fputs(",\"stack_error\":", f);
		json_string(f, e->stack_why);
	}
	if (e->core) {
		fputs(",\"core\":", f);
		json_string(f, e->core);
	}
	if (e->core_why) {
		fputs(",\"core_error\":", f);
		json_string(f, e->core_why);
	}
	if (e->n_frames > 0) {
		fputs(",\"stack\":[", f);
		for (int i = 0; i < e->n_frames; i++) {
			const struct frame *fr = &e->frames[i];
			fprintf(f, "%s{\"pc\":\"0x%" PRIx64 "\",\"function\":", i ? "," : "", fr->pc);
			json_string(f, fr->function);
			fprintf(f, ",\"offset\":%" PRIu64 ",\"module\":", fr->offset);
			json_string(f, fr->module);
			fprintf(f, ",\"module_offset\":\"0x%" PRIx64 "\"}", fr->module_offset);
		}
		fputc(']', f);
	}
	fputs("}\n", f);
	fflush(f);
}

void report_leak(struct report *r, const struct leak_event *e)
{
	char where[ENDPOINT_STRLEN];

	report_printf(r->out, "sockstrace: leak %s: pid %d", action_past(e->action), e->pid);
	if (e->tid != e->pid)
		report_printf(r->out, " tid %d", e->tid);
	if (e->call) {
		report_printf(r->out, " (%s) %s [%s, %s]\n", e->comm, e->call,
			      leak_kind_name(e->kind), e->arch);
	} else {
		if (e->dest->error)
			snprintf(where, sizeof(where), "%s", dest_problem(e->dest));
		else
			endpoint_format(&e->dest->ep, where, sizeof(where));
		report_printf(r->out, " (%s) %s(%s) [%s, %s]\n", e->comm, e->syscall, where,
			      e->transport, e->arch);
	}
	for (int i = 0; i < e->n_frames; i++) {
		const struct frame *f = &e->frames[i];
		report_printf(r->out, "    #%-2d 0x%016" PRIx64 " in ", i, f->pc);
		if (f->function[0])
			report_printf(r->out, "%s+0x%" PRIx64, f->function, f->offset);
		else
			fputs("??", r->out);
		report_printf(r->out, " () from %s\n", f->module[0] ? f->module : "[anonymous]");
	}
	if (e->stack_why)
		report_printf(r->out, "    (no stack: %s)\n", e->stack_why);
	if (e->core)
		report_printf(r->out, "    (core dump: %s)\n", e->core);
	if (e->core_why)
		report_printf(r->out, "    (no core dump: %s)\n", e->core_why);
	fflush(r->out);
	if (r->json)
		leak_json(r->json, e);
}

void report_allowed(struct report *r, pid_t tid, const char *syscall, const struct endpoint *ep,
		    const char *rule)
{
	char where[ENDPOINT_STRLEN];

	endpoint_format(ep, where, sizeof(where));
	report_printf(r->out, "sockstrace: allowed: tid %d %s(%s) by %s\n", tid, syscall, where,
		      rule);
}

void report_summary(struct report *r, const struct summary *s)
{
	if (!r->quiet) {
		if (s->leaks && s->leaks_by_action[ACTION_REDIRECT])
			report_printf(r->out, "sockstrace: %lu leak%s (%lu blocked, %lu killed, "
				      "%lu logged, %lu redirected); ", s->leaks, s->leaks == 1 ? "" : "s",
				      s->leaks_by_action[ACTION_BLOCK], s->leaks_by_action[ACTION_KILL],
				      s->leaks_by_action[ACTION_LOG], s->leaks_by_action[ACTION_REDIRECT]);
		else if (s->leaks)
			report_printf(r->out, "sockstrace: %lu leak%s (%lu blocked, %lu killed, "
				      "%lu logged); ", s->leaks, s->leaks == 1 ? "" : "s",
				      s->leaks_by_action[ACTION_BLOCK], s->leaks_by_action[ACTION_KILL],
				      s->leaks_by_action[ACTION_LOG]);
		else
			fputs("sockstrace: no leaks; ", r->out);
		if (s->detached)
			fputs("detached from the program\n", r->out);
		else
			report_printf(r->out, "program exited with status %d\n", s->program_status);
		fflush(r->out);
	}
	if (r->json) {
		fputs("{\"event\":\"summary\",", r->json);
		json_time(r->json);
		fprintf(r->json, ",\"leaks\":%lu,\"blocked\":%lu,\"killed\":%lu,\"logged\":%lu,"
			"\"redirected\":%lu,"
			"\"program_status\":%d,\"exit_status\":%d,\"tasks\":%lu,"
			"\"seccomp_stops\":%lu,\"ptrace_stops\":%lu}\n",
			s->leaks, s->leaks_by_action[ACTION_BLOCK], s->leaks_by_action[ACTION_KILL],
			s->leaks_by_action[ACTION_LOG], s->leaks_by_action[ACTION_REDIRECT],
			s->program_status, s->status, s->processes,
			s->seccomp_stops, s->ptrace_stops);
		fflush(r->json);
	}
}

void report_json_string(FILE *f, const char *s)
{
	json_string(f, s);
}

void report_json_time(FILE *f)
{
	json_time(f);
}
