/*
 * Unit tests of src/symbols.c on this test's own executable: a function is named with its
 * source file, line and build ID; a child that crashes, hangs, or sends garbage costs only
 * its own names, within the deadline, and a file that crashed it is not read again; a
 * frame whose lines do not come in time keeps its symbol; the child cannot open sockets,
 * create files, map executable memory or exec; a name once found is served from the cache.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "symbols.h"
#include "tap.h"

/* Built with a sanitizer, a child that spins may be ended by the sanitizer's runtime
 * (its CPU limit's signal) before the deadline: "failed" is its reason then. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static struct sym_module self;
static char self_path[4096];

/* A function to name: the line of its first statement is known_line. */
static volatile int sink;
static int known_line;
__attribute__((noinline)) static void known_function(void)
{
	known_line = __LINE__ + 1;
	sink++;
	sink++;
	sink++;
}

/* Opens this executable and finds where its file offset 0 is mapped. */
static void open_self(void)
{
	char line[4096 + 128];
	ssize_t len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	FILE *maps = fopen("/proc/self/maps", "re");
	struct stat st;

	if (len < 0 || !maps)
		bail_out("cannot read /proc/self: %s", strerror(errno));
	self_path[len] = '\0';
	self.fd = open(self_path, O_RDONLY | O_CLOEXEC);
	if (self.fd < 0 || fstat(self.fd, &st) < 0)
		bail_out("%s: %s", self_path, strerror(errno));
	self.dev = st.st_dev;
	self.ino = st.st_ino;
	self.path = self_path;
	while (fgets(line, sizeof(line), maps)) {
		uint64_t start, offset;
		char *name = strchr(line, '/');

		if (name && sscanf(line, "%" SCNx64 "-%*x %*s %" SCNx64, &start, &offset) == 2 &&
		    offset == 0 && strncmp(name, self_path, (size_t)len) == 0) {
			self.base = start;
			break;
		}
	}
	fclose(maps);
	if (!self.base)
		bail_out("%s is not in /proc/self/maps", self_path);
}

/* Names known_function + delta (a distinct offset per test, so that none is cached). */
static size_t name_at(unsigned delta, struct frame *f, const char **why)
{
	struct sym_query q = { .module = 0 };

	*f = (struct frame){ .pc = (uint64_t)(uintptr_t)known_function + delta };
	f->module_offset = f->pc - self.base;
	snprintf(f->module, sizeof(f->module), "%.200s", self_path);
	*why = NULL;
	return symbols_name(&self, 1, &q, f, 1, 1, why);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void crash(int out, int phase)
{
	(void)out;
	(void)phase;
	*(volatile int *)0 = 1;
}

static void spin(int out, int phase)
{
	(void)out;
	(void)phase;
	for (;;)
		sink++;
}

/* Answers the symbols, then stalls before the source lines. */
static void spin_lines(int out, int phase)
{
	if (phase == 2)
		spin(out, phase);
}

static void garbage(int out, int phase)
{
	static char bytes[32768];

	(void)phase;
	memset(bytes, 0xff, sizeof(bytes));
	if (write(out, bytes, sizeof(bytes)) < 0)
		_exit(3);
}

static void zeros(int out, int phase)
{
	static char bytes[32768];

	(void)phase;
	if (write(out, bytes, sizeof(bytes)) < 0)
		_exit(3);
}

/* Every escape it tries must fail; one that works crashes the child, which the test sees. */
static void escape(int out, int phase)
{
	static char *const argv[] = { "/bin/true", NULL };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0)
		crash(out, phase);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0)
		crash(out, phase);
	fd = open("/tmp/sockstrace-symbolizer-escape", O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		crash(out, phase);
	fd = open(self_path, O_RDWR);
	if (fd >= 0)
		crash(out, phase);
	if (mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
	    MAP_FAILED)
		crash(out, phase);
	execve(argv[0], argv, NULL); /* returns only when refused */
}

int main(void)
{
	struct frame f;
	const char *why;
	struct timespec t0;
	const char *base;
	char crashed[4200], failed[4200], skipped[4200], timed_out[4200];

	open_self();
	known_function();
	snprintf(crashed, sizeof(crashed), "symbolizer crashed on %s", self_path);
	snprintf(failed, sizeof(failed), "symbolizer failed on %s", self_path);
	snprintf(skipped, sizeof(skipped), "symbolizer failed on %s before: not named", self_path);
	snprintf(timed_out, sizeof(timed_out), "symbolizer timed out on %s", self_path);

	is_int((long long)name_at(4, &f, &why), 1, "one frame in, one out");
	is_str(f.function, "known_function", "the function is named");
	is_int((long long)f.offset, 4, "its offset is pc - its start");
	base = strrchr(f.file, '/');
	is_str(base ? base + 1 : f.file, "test-symbols.c", "its source file");
	ok(f.line >= (unsigned)known_line - 3 && f.line <= (unsigned)known_line + 3,
	   "its line is near %d: %u", known_line, f.line);
	is_int((long long)strlen(f.build_id), 40, "a 20-byte build ID in hex: %s", f.build_id);
	ok(why == NULL, "no failure is reported");

	symbols_child_hook = crash;
	name_at(4, &f, &why);
	is_str(f.function, "known_function", "a cached name needs no child (this one crashes)");
	ok(why == NULL, "and nothing failed");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int((long long)name_at(5, &f, &why), 1, "a crashing child: the frame is kept");
	is_str(f.function, "", "a crashing child: the frame is unnamed");
	/* A sanitizer's handler turns the crash into an exit: "failed" then. */
	ok(why && (strcmp(why, crashed) == 0 || strcmp(why, failed) == 0),
	   "a crashing child: the reason names the file: %s", why ? why : "none");
	symbols_child_hook = NULL;
	name_at(15, &f, &why);
	is_str(f.function, "", "a file that crashed the child is not read again");
	is_str(why ? why : "", skipped, "and the reason says so");

	symbols_cache_clear();
	symbols_child_hook = spin;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int((long long)name_at(6, &f, &why), 1, "a hanging child: the frame is kept");
	ok(why && (strcmp(why, timed_out) == 0 || (SANITIZED && strcmp(why, failed) == 0)),
	   "a hanging child times out: %s", why ? why : "none");
	ok(seconds_since(&t0) < 3.5, "within the deadline (%.2f s)", seconds_since(&t0));

	symbols_cache_clear();
	symbols_child_hook = spin_lines;
	name_at(10, &f, &why);
	is_str(f.function, "known_function", "lines that do not come in time: the symbol stays");
	is_int(f.line, 0, "lines that do not come in time: no line");
	ok(why && (strcmp(why, timed_out) == 0 || (SANITIZED && strcmp(why, failed) == 0)),
	   "lines that do not come in time: timed out: %s", why ? why : "none");
	symbols_child_hook = crash;
	name_at(10, &f, &why);
	/* Only a child that ran to its deadline leaves its names cached; one the sanitizer's
	 * runtime ended is not trusted with them. */
	ok(SANITIZED || strcmp(f.function, "known_function") == 0,
	   "and that symbol is cached: no child the next time: '%s'%s", f.function,
	   SANITIZED ? " (sanitizer build: not asserted)" : "");

	symbols_cache_clear();

	symbols_child_hook = garbage;
	name_at(7, &f, &why);
	is_str(f.function, "", "a child sending garbage: the frame is unnamed");
	is_str(why ? why : "", failed, "a child sending garbage is a failure");
	symbols_cache_clear();

	symbols_child_hook = zeros;
	name_at(8, &f, &why);
	is_str(why ? why : "", failed, "a child sending records that never end is a failure");
	symbols_cache_clear();

	symbols_child_hook = escape;
	name_at(9, &f, &why);
	ok(why == NULL, "in the child: no socket, no file written or created, no PROT_EXEC, "
	   "no exec (%s)", why ? why : "none worked");
	is_str(f.function, "known_function", "and naming still works under that filter");
	ok(access("/tmp/sockstrace-symbolizer-escape", F_OK) < 0, "no file was created");

	symbols_child_hook = NULL;
	symbols_cache_clear();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 20; i++) {
		symbols_cache_clear();
		name_at(4, &f, &why);
	}
	diag("naming one frame of this file with a child: %.0f us", seconds_since(&t0) / 20 * 1e6);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++)
		name_at(4, &f, &why);
	diag("from the cache: %.2f us", seconds_since(&t0) / 1000 * 1e6);
	is_str(f.function, "known_function", "named after the cache was cleared");
	return done_testing();
}
