/* What the user reads: a line per leak, the JSON Lines report, the summary. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "junit.h"
#include "report.h"
#include "sarif.h"

const char *action_past(enum leak_action a)
{
	static const char *const words[] = {
		[ACTION_BLOCK] = "blocked", [ACTION_KILL] = "killed",
		[ACTION_LOG] = "logged", [ACTION_REDIRECT] = "redirected",
	};
	return words[a];
}

/* Opens FILE.tmp of a --junit or --sarif FILE; what is the format's name in messages. */
static int open_ci_file(struct outfile *o, const char *path, const char *what, char *err,
			size_t errlen)
{
	int rc = path ? outfile_open(o, path) : 0;

	if (rc < 0)
		snprintf(err, errlen, "%s.tmp: cannot create the %s file: %s", path, what,
			 strerror(-rc));
	return rc;
}

int report_open(struct report *r, const struct settings *s, char *err, size_t errlen)
{
	int rc;

	*r = (struct report){ .out = stderr, .quiet = s->quiet, .verbose = s->verbose };
	sites_init(&r->sites);
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
	rc = open_ci_file(&r->junit, s->junit, "JUnit", err, errlen);
	if (rc == 0)
		rc = open_ci_file(&r->sarif, s->sarif, "SARIF", err, errlen);
	if (rc < 0)
		report_close(r);
	return rc;
}

void report_close(struct report *r)
{
	if (r->out && r->out != stderr)
		fclose(r->out);
	if (r->json)
		fclose(r->json);
	r->out = stderr;
	r->json = NULL;
	outfile_abort(&r->junit);
	outfile_abort(&r->sarif);
	sites_free(&r->sites);
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

/* Now, as "2026-12-01T23:40:00.123Z". */
static void now_iso(char buf[SITE_TIME_STRLEN])
{
	struct timespec ts;
	struct tm tm;
	char secs[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, SITE_TIME_STRLEN, "%.23s.%03dZ", secs, (int)(ts.tv_nsec / 1000000) % 1000);
}

static void json_time_of(FILE *f, const char *time)
{
	fprintf(f, "\"time\":\"%s\"", time);
}

static void json_time(FILE *f)
{
	char now[SITE_TIME_STRLEN];

	now_iso(now);
	json_time_of(f, now);
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

/* One frame of the JSON stack array: where it is, then what is known of its name. */
static void frame_json(FILE *f, const struct frame *fr, bool first)
{
	fprintf(f, "%s{\"pc\":\"0x%" PRIx64 "\",\"module\":", first ? "" : ",", fr->pc);
	json_string(f, fr->module);
	fprintf(f, ",\"module_offset\":\"0x%" PRIx64 "\",\"build_id\":", fr->module_offset);
	json_string(f, fr->build_id);
	fputs(",\"function\":", f);
	json_string(f, fr->function);
	fprintf(f, ",\"offset\":%" PRIu64, fr->offset);
	if (fr->file[0]) {
		fputs(",\"file\":", f);
		json_string(f, fr->file);
	}
	if (fr->line)
		fprintf(f, ",\"line\":%u", fr->line);
	if (fr->inlined)
		fputs(",\"inlined\":true", f);
	fputc('}', f);
}

/* A stack as a JSON array of frames, innermost first. */
static void json_stack(FILE *f, const struct frame *frames, int n_frames)
{
	fputc('[', f);
	for (int i = 0; i < n_frames; i++)
		frame_json(f, &frames[i], i == 0);
	fputc(']', f);
}

/*
 * The JSON object of e: with site NULL, the "leak_found" ("probe_found") object written
 * before the stack is taken, without what the stack gives; else the "leak" ("probe")
 * object that completes it, with its site and stack. Both carry e->seq.
 */
static void leak_json(FILE *f, const struct leak_event *e, const char *site, const char *time)
{
	char fam[16], addr[ENDPOINT_STRLEN];
	const struct endpoint *ep = &e->dest->ep;

	fprintf(f, "{\"event\":\"%s%s\",", e->probe_only ? "probe" : "leak", site ? "" : "_found");
	json_time_of(f, time);
	fprintf(f, ",\"seq\":%lu,\"action\":\"%s\",\"pid\":%d,\"tid\":%d,\"comm\":", e->seq,
		e->probe_only ? "neutralised" : action_past(e->action), e->pid, e->tid);
	json_string(f, e->comm);
	fputs(",\"exe\":", f);
	json_string(f, e->exe);
	fprintf(f, ",\"syscall\":\"%s\",\"kind\":\"%s\",", e->syscall, leak_kind_name(e->kind));
	if (site)
		fprintf(f, "\"site\":\"%s\",", site);
	fprintf(f, "\"arch\":\"%s\",\"transport\":\"%s\",\"rule\":", e->arch, e->transport);
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
	if (!site) {
		fputs("}\n", f);
		fflush(f);
		return;
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
		fputs(",\"stack\":", f);
		json_stack(f, e->frames, e->n_frames);
	}
	fputs("}\n", f);
	fflush(f);
}

/* Where e went, as sites list it (site_destination()). */
static void leak_destination(const struct leak_event *e, char *buf, size_t size)
{
	char fam[16], addr[ENDPOINT_STRLEN];
	const struct endpoint *ep;

	if (e->call || e->dest->error) {
		site_destination(buf, size, e->call, e->call ? NULL : dest_problem(e->dest), NULL,
				 NULL, -1, NULL);
		return;
	}
	ep = &e->dest->ep;
	endpoint_format_address(ep, addr, sizeof(addr));
	site_destination(buf, size, NULL, NULL, family_name(ep->family, fam, sizeof(fam)),
			 ep->family == AF_INET || ep->family == AF_INET6 ? addr : NULL,
			 ep->family == AF_INET || ep->family == AF_INET6 ? (long)ep->port : -1,
			 ep->family == AF_UNIX ? addr : NULL);
}

/* Counts e at its site; returns the site id. */
static uint64_t leak_site(struct report *r, const struct leak_event *e, const char *time)
{
	char dest[SITE_DEST_STRLEN];
	struct site_leak l = {
		.id = site_id(e->kind, e->syscall, e->exe, e->frames, e->n_frames),
		.kind = e->kind, .syscall = e->syscall, .exe = e->exe, .dest = dest, .time = time,
		.frames = e->frames, .n_frames = e->n_frames,
	};

	leak_destination(e, dest, sizeof(dest));
	if (!e->probe_only)
		sites_add(&r->sites, &l);
	return l.id;
}

/*
 * One frame as gdb's backtrace shows it: "#1  0x... in f2 (stackchain.c:42) from FILE"
 * with a source line, "in f2+0x10 () from FILE" without, "in ?? () from FILE" unnamed;
 * a function inlined at the pc is marked "[inlined]".
 */
static void frame_line(FILE *out, int i, const struct frame *f)
{
	const char *base = strrchr(f->file, '/');

	report_printf(out, "    #%-2d 0x%016" PRIx64 " in %s", i, f->pc,
		      f->function[0] ? f->function : "??");
	if (f->function[0] && !f->line && !f->inlined)
		fprintf(out, "+0x%" PRIx64, f->offset);
	if (f->inlined)
		fputs(" [inlined]", out);
	if (f->file[0] && f->line)
		report_printf(out, " (%s:%u)", base ? base + 1 : f->file, f->line);
	else
		fputs(" ()", out);
	report_printf(out, " from %s\n", f->module[0] ? f->module : "[anonymous]");
}

void report_leak_found(struct report *r, struct leak_event *e)
{
	char where[ENDPOINT_STRLEN];

	e->seq = ++r->seq;
	now_iso(e->time);
	if (e->probe_only)
		report_printf(r->out, "sockstrace: route probe neutralised (not counted): pid %d",
			      e->pid);
	else
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
		report_printf(r->out, " (%s) %s(%s) [%s, %s]%s\n", e->comm, e->syscall,
			      where, e->transport, e->arch,
			      e->kind == KIND_ROUTE_PROBE ? " (route probe, no data sent)" : "");
	}
	fflush(r->out);
	if (r->json)
		leak_json(r->json, e, NULL, e->time);
}

void report_leak(struct report *r, const struct leak_event *e, bool stack_lines)
{
	char site[SITE_ID_STRLEN];

	site_id_format(leak_site(r, e, e->time), site);
	for (int i = 0; stack_lines && i < e->n_frames; i++)
		frame_line(r->out, i, &e->frames[i]);
	if (stack_lines && e->stack_why)
		report_printf(r->out, "    (no stack: %s)\n", e->stack_why);
	if (stack_lines && e->core)
		report_printf(r->out, "    (core dump: %s)\n", e->core);
	if (stack_lines && e->core_why)
		report_printf(r->out, "    (no core dump: %s)\n", e->core_why);
	report_printf(r->out, "    [site %s]\n", site);
	fflush(r->out);
	if (r->json)
		leak_json(r->json, e, site, e->time);
}

void report_allowed(struct report *r, pid_t tid, const char *syscall, const struct endpoint *ep,
		    const char *rule)
{
	char where[ENDPOINT_STRLEN];

	endpoint_format(ep, where, sizeof(where));
	report_printf(r->out, "sockstrace: allowed: tid %d %s(%s) by %s\n", tid, syscall, where,
		      rule);
}

/* n with thousands separators: "1,073". */
static void thousands(unsigned long n, char buf[32])
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%lu", n), o = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

void report_sites_text(FILE *f, const char *prefix, const struct sites *t)
{
	char leaks[32], count[32], id[SITE_ID_STRLEN], title[512], dests[2048], frame[1024];

	thousands(t->leaks, leaks);
	report_printf(f, "%s: %zu leak site%s, %s leak%s\n", prefix, t->n, t->n == 1 ? "" : "s", leaks,
		t->leaks == 1 ? "" : "s");
	for (size_t i = 0; i < t->n; i++) {
		const struct site *st = &t->v[i];

		thousands(st->count, count);
		site_id_format(st->id, id);
		site_title(st, title, sizeof(title));
		site_dests_format(st, 5, dests, sizeof(dests));
		report_printf(f, "%s: site %s (%s leak%s): %s\n", prefix, id, count,
			st->count == 1 ? "" : "s", title);
		report_printf(f, "    first %s, last %s\n", st->first, st->last);
		if (*dests)
			report_printf(f, "    to %s\n", dests);
		for (int k = 0; k < st->n_frames; k++) {
			site_frame_format(&st->stack[k], frame, sizeof(frame));
			report_printf(f, "    #%-2d %s\n", k, frame);
		}
	}
	if (t->dropped_leaks) {
		thousands(t->dropped_leaks, leaks);
		report_printf(f, "%s: %s more leak%s at sites past the first %d: counted, not grouped\n",
			prefix, leaks, t->dropped_leaks == 1 ? "" : "s", SITES_MAX);
	}
}

void report_site_members(FILE *f, const struct site *st)
{
	char id[SITE_ID_STRLEN];

	site_id_format(st->id, id);
	fprintf(f, "\"site\":\"%s\",\"kind\":\"%s\",\"count\":%lu,\"first\":", id,
		leak_kind_name(st->kind), st->count);
	json_string(f, st->first);
	fputs(",\"last\":", f);
	json_string(f, st->last);
	fputs(",\"syscall\":", f);
	json_string(f, st->syscall);
	fputs(",\"exe\":", f);
	json_string(f, st->exe);
	fputs(",\"destinations\":[", f);
	for (size_t k = 0; k < st->n_dests; k++) {
		fputs(k ? "," : "", f);
		json_string(f, st->dests[k]);
	}
	fprintf(f, "],\"destinations_truncated\":%s", st->dests_truncated ? "true" : "false");
}

/* One {"event":"site",...} object per site. */
static void sites_json(FILE *f, const struct sites *t)
{
	for (size_t i = 0; i < t->n; i++) {
		fputs("{\"event\":\"site\",", f);
		json_time(f);
		fputc(',', f);
		report_site_members(f, &t->v[i]);
		fputs(",\"stack\":", f);
		json_stack(f, t->v[i].stack, t->v[i].n_frames);
		fputs("}\n", f);
	}
}

/* Writes a --junit or --sarif file whole and renames it into place; what names it. */
static int write_ci_file(struct report *r, struct outfile *o, const char *what,
			 int (*write)(FILE *, const struct sites *))
{
	char *path;
	int rc;

	if (!o->f)
		return 0;
	path = strdup(o->path);
	rc = outfile_finish(o, write(o->f, &r->sites));
	if (rc < 0)
		fprintf(r->out, "sockstrace: %s: cannot write the %s file: %s\n",
			path ? path : "?", what, strerror(-rc));
	free(path);
	return rc;
}

int report_summary(struct report *r, const struct summary *s)
{
	int rc, rc2;

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
		if (s->probes)
			fprintf(r->out, "%lu route probe%s neutralised (not counted); ", s->probes,
				s->probes == 1 ? "" : "s");
		if (s->detached)
			fputs("detached from the program\n", r->out);
		else
			report_printf(r->out, "program exited with status %d\n", s->program_status);
		if (r->sites.leaks)
			report_sites_text(r->out, "sockstrace", &r->sites);
		fflush(r->out);
	}
	if (r->json) {
		sites_json(r->json, &r->sites);
		fputs("{\"event\":\"summary\",", r->json);
		json_time(r->json);
		fprintf(r->json, ",\"leaks\":%lu,\"blocked\":%lu,\"killed\":%lu,\"logged\":%lu,"
			"\"redirected\":%lu,\"route_probes\":%lu,"
			"\"program_status\":%d,\"exit_status\":%d,\"tasks\":%lu,"
			"\"seccomp_stops\":%lu,\"ptrace_stops\":%lu,\"netns\":%s}\n",
			s->leaks, s->leaks_by_action[ACTION_BLOCK], s->leaks_by_action[ACTION_KILL],
			s->leaks_by_action[ACTION_LOG], s->leaks_by_action[ACTION_REDIRECT],
			s->probes, s->program_status, s->status, s->processes,
			s->seccomp_stops, s->ptrace_stops, s->netns ? "true" : "false");
		fflush(r->json);
	}
	rc = write_ci_file(r, &r->junit, "JUnit", junit_write);
	rc2 = write_ci_file(r, &r->sarif, "SARIF", sarif_write);
	fflush(r->out);
	return rc < 0 ? rc : rc2;
}

void report_json_string(FILE *f, const char *s)
{
	json_string(f, s);
}

void report_json_time(FILE *f)
{
	json_time(f);
}
