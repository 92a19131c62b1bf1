/* sockstrace-report: merge the JSON Lines reports of many sockstrace runs and list their
 * leak sites as text, JUnit XML or SARIF. Options, reading and exit status only. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-leak.h"
#include "junit.h"
#include "outfile.h"
#include "report.h"
#include "sarif.h"
#include "sites.h"

/* Exit statuses (sockstrace-report(1)). */
enum {
	EXIT_CLEAN = 0,     /* no leak in any report, every line read */
	EXIT_BAD_LINES = 1, /* no leak, but some line or file could not be read */
	EXIT_TROUBLE = 2,   /* bad usage, or an output could not be written */
	EXIT_LEAKS = 3,     /* some report has a leak (sockstrace's own default leak status) */
};

/* Longest line read; a longer one is a bad line. */
#define LINE_MAX_BYTES (16u << 20)

enum { OPT_JUNIT = 256, OPT_SARIF };

static const struct option options[] = {
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "sarif", required_argument, NULL, OPT_SARIF },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

static void usage(FILE *f)
{
	fputs("Usage: sockstrace-report [OPTION]... FILE.jsonl...\n"
	      "Merge the JSON Lines reports (sockstrace --report) of many runs and list their\n"
	      "leak sites; FILE - reads standard input.\n"
	      "\n"
	      "      --junit FILE   also write the sites as JUnit XML to FILE\n"
	      "      --sarif FILE   also write the sites as SARIF 2.1.0 to FILE\n"
	      "  -q, --quiet        no text listing on standard output\n"
	      "  -h, --help         show this help and exit\n"
	      "  -V, --version      show the version and exit\n"
	      "\n"
	      "Exit status: 0 no leaks, 3 leaks found, 1 no leaks but a bad line or file,\n"
	      "2 bad usage or an output not written. See sockstrace-report(1).\n", f);
}

/* A "leak_found" object of the report being read, waiting for the "leak" that completes it. */
struct found {
	struct json v;      /* its parsed line, which l points into */
	struct json_leak l; /* the leak */
};

/* The leaks found and not completed yet in one report. */
struct founds {
	struct found *v; /* allocated */
	size_t n, cap;   /* in use, allocated */
};

/* Adds a leak to t, with a warning when it cannot be grouped. l may have moved since it
 * was read: its destination is pointed to again. */
static void add_leak(struct sites *t, struct json_leak *l, const char *name,
		     unsigned long lineno)
{
	l->leak.dest = l->dest;
	if (sites_add(t, &l->leak) < 0)
		fprintf(stderr, "sockstrace-report: %s:%lu: out of memory: counted, not "
			"grouped\n", name, lineno);
}

/* Drops the leak found with number seq, which its "leak" object completes. */
static void found_complete(struct founds *f, uint64_t seq)
{
	for (size_t i = 0; seq && i < f->n; i++)
		if (f->v[i].l.seq == seq) {
			json_leak_free(&f->v[i].l);
			json_free(&f->v[i].v);
			f->v[i] = f->v[--f->n];
			return;
		}
}

/* Keeps a leak found until its "leak" object comes (the parsed line v is taken); counts
 * it now when there is no memory to keep it. */
static void found_keep(struct founds *f, struct sites *t, struct json *v, struct json_leak *l,
		       const char *name, unsigned long lineno)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct found *nv = realloc(f->v, cap * sizeof(*nv));

		if (!nv) {
			add_leak(t, l, name, lineno);
			json_leak_free(l);
			json_free(v);
			return;
		}
		f->v = nv;
		f->cap = cap;
	}
	f->v[f->n++] = (struct found){ .v = *v, .l = *l };
}

/* Adds the leak on one line of name to t (a leak found waits in f for its completion).
 * Returns 0, or -1 after a warning. */
static int read_line(struct sites *t, struct founds *f, const char *name, unsigned long lineno,
		     const char *line, size_t len)
{
	struct json v;
	struct json_leak l;
	const char *why = NULL;
	size_t where = 0;
	int rc = json_parse(line, len, &v, &where, &why);

	if (rc < 0) {
		if (rc == -EINVAL)
			fprintf(stderr, "sockstrace-report: %s:%lu: not JSON: %s at column %zu; "
				"skipped\n", name, lineno, why, where + 1);
		else
			fprintf(stderr, "sockstrace-report: %s:%lu: %s; skipped\n", name, lineno,
				strerror(-rc));
		return -1;
	}
	rc = json_leak_read(&v, &l, &why);
	if (rc == 2) {
		found_keep(f, t, &v, &l, name, lineno);
		return 0;
	}
	if (rc == 1) {
		found_complete(f, l.seq);
		add_leak(t, &l, name, lineno);
		json_leak_free(&l);
	} else if (rc < 0) {
		fprintf(stderr, "sockstrace-report: %s:%lu: %s; skipped\n", name, lineno,
			rc == -EINVAL ? why : strerror(-rc));
	}
	json_free(&v);
	return rc < 0 ? -1 : 0;
}

/* Reads every line of one report. A leak found that no "leak" object completes (the run
 * ended while its stack was taken) is counted, without a stack. Returns how many lines were
 * bad (a file that cannot be opened or read counts as one). */
static unsigned long read_report(struct sites *t, const char *name)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "re");
	struct founds found = { 0 };
	unsigned long lineno = 0, bad = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f) {
		fprintf(stderr, "sockstrace-report: %s: %s\n", name, strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if ((size_t)len > LINE_MAX_BYTES) {
			fprintf(stderr, "sockstrace-report: %s:%lu: longer than %u bytes; skipped\n",
				name, lineno, LINE_MAX_BYTES);
			bad++;
		} else if (read_line(t, &found, name, lineno, line, (size_t)len) < 0) {
			bad++;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "sockstrace-report: %s: read error after line %lu\n", name, lineno);
		bad++;
	}
	for (size_t i = 0; i < found.n; i++) {
		add_leak(t, &found.v[i].l, name, lineno);
		json_leak_free(&found.v[i].l);
		json_free(&found.v[i].v);
	}
	free(found.v);
	free(line);
	if (f != stdin)
		fclose(f);
	return bad;
}

/* Writes one output format whole (FILE.tmp, renamed). Returns 0, or -1 after a message. */
static int write_output(const char *path, const char *what, const struct sites *t,
			int (*write)(FILE *, const struct sites *))
{
	struct outfile o;
	int rc;

	if (!path)
		return 0;
	rc = outfile_open(&o, path);
	if (rc == 0)
		rc = outfile_finish(&o, write(o.f, t));
	if (rc < 0)
		fprintf(stderr, "sockstrace-report: %s: cannot write the %s file: %s\n", path, what,
			strerror(-rc));
	return rc < 0 ? -1 : 0;
}

int main(int argc, char *argv[])
{
	const char *junit = NULL, *sarif = NULL;
	struct sites t;
	unsigned long bad = 0;
	bool quiet = false;
	int opt, status;

	while ((opt = getopt_long(argc, argv, "qhV", options, NULL)) != -1) {
		if (opt == OPT_JUNIT) {
			junit = optarg;
		} else if (opt == OPT_SARIF) {
			sarif = optarg;
		} else if (opt == 'q') {
			quiet = true;
		} else if (opt == 'h') {
			usage(stdout);
			return EXIT_CLEAN;
		} else if (opt == 'V') {
			printf("sockstrace-report %s\n", PACKAGE_VERSION);
			return EXIT_CLEAN;
		} else {
			fputs("Try 'sockstrace-report --help' for more information.\n", stderr);
			return EXIT_TROUBLE;
		}
	}
	if (optind >= argc) {
		fputs("sockstrace-report: no report to read\n"
		      "Try 'sockstrace-report --help' for more information.\n", stderr);
		return EXIT_TROUBLE;
	}
	sites_init(&t);
	for (int i = optind; i < argc; i++)
		bad += read_report(&t, argv[i]);
	if (!quiet) {
		report_sites_text(stdout, "sockstrace-report", &t);
		fflush(stdout);
	}
	status = t.leaks ? EXIT_LEAKS : bad ? EXIT_BAD_LINES : EXIT_CLEAN;
	if (write_output(junit, "JUnit", &t, junit_write) < 0 ||
	    write_output(sarif, "SARIF", &t, sarif_write) < 0)
		status = EXIT_TROUBLE;
	if (bad)
		fprintf(stderr, "sockstrace-report: %lu bad line%s skipped\n", bad,
			bad == 1 ? "" : "s");
	sites_free(&t);
	return status;
}
