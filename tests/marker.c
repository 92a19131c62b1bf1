/* Test helper: a user's own LD_PRELOAD library. Its constructor says that it was loaded and
 * into which program, on standard error, so that a test can tell that --preload kept it. */

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static void __attribute__((constructor)) marker_loaded(void)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "marker: loaded in %s\n", program_invocation_short_name);

	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		return;
}
