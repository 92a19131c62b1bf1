/* What the user reads: a line per leak, the JSON Lines report, the summary. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "outfile.h"
#include "sites.h"
#include "syscalls.h"
#include "unwind.h"

/* One leak, as reported. */
struct leak_event {
	unsigned long seq;          /* its number in the run, set by report_leak_found() */
	char time[SITE_TIME_STRLEN]; /* when it was found, set by report_leak_found() */
	pid_t pid;                  /* thread group of the leaking thread */
	pid_t tid;                  /* the leaking thread */
	const char *comm;           /* its /proc comm */
	const char *exe;            /* its executable */
	const char *syscall;        /* "connect", "sendto", ... */
	enum leak_kind kind;        /* what kind of leak */
	bool probe_only;            /* a route probe reported with route_probes = report:
				     * neutralised, not a leak, in no site */
	const char *call;           /* a denied call without a destination, decoded
				     * ("socket(AF_PACKET, SOCK_RAW, 768)"); NULL: dest says where */
	const char *arch;           /* "x86_64" or "i386" */
	const struct dest *dest;    /* where it went, or why that is unknown */
	const char *transport;      /* "tcp", "udp", ... */
	const char *rule;           /* why it is a leak */
	enum leak_action action;    /* what sockstrace did */
	const struct frame *frames; /* its stack, innermost first */
	int n_frames;               /* frames in it; 0 with stack_why set when not unwound */
	const char *stack_why;      /* why there is no stack, NULL when none was asked */
	const char *core;           /* --core-dump: the core file written, or NULL */
	const char *core_why;       /* --core-dump: why there is none, or NULL */
};

/* The end of a run. */
struct summary {
	unsigned long leaks;          /* leaks reported */
	unsigned long probes;         /* route probes reported, not counted (route_probes =
				       * report) */
	unsigned long leaks_by_action[4]; /* indexed by enum leak_action */
	unsigned long seccomp_stops;  /* seccomp stops: one per intercepted syscall */
	unsigned long ptrace_stops;   /* every stop waitpid() reported, seccomp ones included */
	unsigned long processes;      /* processes and threads traced */
	int status;                   /* sockstrace's exit status */
	int program_status;           /* the program's own status, shell style (128+N: signal N) */
	bool detached;                /* --attach: sockstrace detached before the program exited */
	bool netns;                   /* the program had its own network namespace */
};

struct report {
	FILE *out;            /* human lines */
	FILE *json;           /* JSON Lines, or NULL */
	bool quiet;           /* no summary line */
	bool verbose;         /* allowed destinations too */
	struct sites sites;   /* the leaks grouped by site, for the summary and CI formats */
	struct outfile junit; /* --junit: FILE.tmp, renamed at the end; .f NULL when none */
	struct outfile sarif; /* --sarif: the same */
	unsigned long seq;    /* the last leak_event.seq given */
};

/* Opens the outputs named in s (--junit and --sarif as FILE.tmp). Returns 0, or -errno
 * with a message in err. */
int report_open(struct report *r, const struct settings *s, char *err, size_t errlen);
/*
 * A leak found, before anything is done that could take long or hang (its stack): its
 * line, without the site (which its stack decides), flushed, and its "leak_found" JSON
 * object (of its destination and rule, no stack). Sets e->seq and e->time.
 */
void report_leak_found(struct report *r, struct leak_event *e);
/*
 * The same leak (e->seq and e->time kept) with its stack taken: with stack_lines (the first leak of its
 * call: the leaks of one call share a stack), the stack's lines and notes; then its
 * "[site ID]" line, its "leak" JSON object, and its count at its site.
 */
void report_leak(struct report *r, const struct leak_event *e, bool stack_lines);
/* With verbose only: one line for an allowed destination. */
void report_allowed(struct report *r, pid_t tid, const char *syscall, const struct endpoint *ep,
		    const char *rule);
/* The end of the run: the summary line, the leak sites (as text and as JSON objects), and
 * the JUnit and SARIF files, each written whole and renamed into place. Returns 0, or
 * -errno when a file could not be written (said on the output). */
int report_summary(struct report *r, const struct summary *s);
/* Closes the outputs; a JUnit or SARIF file not yet written is left as it was. */
void report_close(struct report *r);

/* The leak sites as report_summary() lists them, each line starting with prefix
 * ("sockstrace: 2 leak sites, 200 leaks"). For sockstrace-report too. */
void report_sites_text(FILE *f, const char *prefix, const struct sites *t);
/* The members of a site's JSON object, without braces: "site":"...","kind":"tcp","count":N,
 * "first", "last", "syscall", "exe", "destinations":[...], "destinations_truncated". */
void report_site_members(FILE *f, const struct site *st);

/* "blocked", "killed", "logged", "redirected". */
const char *action_past(enum leak_action a);

/*
 * printf() for the human lines: every byte of the result below 0x20, and 0x7f, is written as
 * \xNN, but for the newline that ends fmt itself. Names the program controls (its comm, a
 * symbol, a file name, a socket path) can then neither move the cursor nor rewrite a line
 * on a terminal. JSON has its own escaping.
 */
void report_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For other writers of report objects (compare.c): a JSON string (RFC 8259), and the
 * "time":"..." member every object carries. */
void report_json_string(FILE *f, const char *s);
void report_json_time(FILE *f);
