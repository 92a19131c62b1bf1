/* Peak RSS of a tracer, without its tracees: preloaded into the tracer only.
 *   BENCH_RSS_FILE=FILE LD_PRELOAD=peakrss.so TRACER ARGS...
 * At load it takes both variables out of the environment, so the programs the tracer starts
 * neither load it nor write FILE. When the tracer exits through exit() it writes its own
 * getrusage(RUSAGE_SELF) ru_maxrss (KiB, all its threads) to FILE. GNU time's %M cannot do
 * this: wait4() reports RUSAGE_BOTH, so a tracee bigger than the tracer (curl) would win. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static char path[4096];

__attribute__((constructor)) static void peakrss_init(void)
{
	const char *p = getenv("BENCH_RSS_FILE");

	if (p && strlen(p) < sizeof(path))
		strcpy(path, p);
	unsetenv("BENCH_RSS_FILE");
	unsetenv("LD_PRELOAD");
}

__attribute__((destructor)) static void peakrss_fini(void)
{
	struct rusage ru;
	FILE *f;

	if (!path[0] || getrusage(RUSAGE_SELF, &ru) < 0 || !(f = fopen(path, "w")))
		return;
	fprintf(f, "%ld\n", ru.ru_maxrss);
	fclose(f);
}
