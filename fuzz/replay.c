/*
 * Replays inputs through a fuzz target without libFuzzer, as a TAP unit test: make check
 * runs each target on its seed corpus (fuzz/corpus/TARGET/) and on every input that once
 * crashed it (fuzz/regressions/TARGET/), one line per file. An input that still crashes
 * the target crashes this program, and automake reports the test as an error; built with
 * sanitizers (CI's sanitizer build), the sanitizers speak for it.
 *
 *   replay              the two directories under $top_srcdir (default .)
 *   replay FILE...      these files
 *
 * FUZZ_TARGET, the target's name, is defined on the command line.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tap.h"

/* Reads the whole file into a buffer of exactly its size, as libFuzzer passes it. */
static uint8_t *slurp(const char *path, size_t *ret_size)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf = NULL;
	long size;

	if (!f)
		bail_out("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		bail_out("%s: cannot seek", path);
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
		bail_out("%s: cannot read", path);
	fclose(f);
	*ret_size = (size_t)size;
	return buf;
}

static void replay(const char *path, const char *label)
{
	size_t size;
	uint8_t *data = slurp(path, &size);

	/* Announced first: if it crashes, the log shows which one. */
	diag("%s (%zu bytes)", label, size);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	ok(1, "%s: %s", FUZZ_TARGET, label);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.' && strcmp(d->d_name, "README") != 0;
}

/* Replays every file of srcdir/kind/FUZZ_TARGET; returns how many. */
static int replay_dir(const char *srcdir, const char *kind)
{
	char dir[4096], path[8192], label[4096];
	struct dirent **names;
	int n;

	snprintf(dir, sizeof(dir), "%s/fuzz/%s/%s", srcdir, kind, FUZZ_TARGET);
	n = scandir(dir, &names, not_hidden, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		bail_out("cannot read %s: %s", dir, strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		snprintf(label, sizeof(label), "%s/%s", kind, names[i]->d_name);
		replay(path, label);
		free(names[i]);
	}
	free(names);
	return n;
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir");

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			replay(argv[i], argv[i]);
		return done_testing();
	}
	if (!srcdir || !*srcdir)
		srcdir = ".";
	if (replay_dir(srcdir, "corpus") == 0)
		bail_out("no seed corpus in %s/fuzz/corpus/%s", srcdir, FUZZ_TARGET);
	replay_dir(srcdir, "regressions");
	return done_testing();
}
