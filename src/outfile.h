/* A file written whole or not at all: into FILE.tmp, renamed over FILE when complete. */
#pragma once

#include <stdio.h>

struct outfile {
	FILE *f;    /* the open FILE.tmp; NULL when closed */
	char *path; /* FILE */
	char *tmp;  /* FILE.tmp */
};

/* Creates (truncates) path.tmp for writing. Returns 0, or -errno. */
int outfile_open(struct outfile *o, const char *path);

/* Flushes and closes path.tmp and renames it to path. Returns 0, or -errno (a write
 * error included: path is then left as it was and path.tmp removed). Frees o. */
int outfile_commit(struct outfile *o);

/* Closes and removes path.tmp, leaving path as it was. Frees o; no-op when not open. */
void outfile_abort(struct outfile *o);

/* Ends a file whose writing returned rc: outfile_commit() when rc >= 0, else
 * outfile_abort() and rc. */
int outfile_finish(struct outfile *o, int rc);
