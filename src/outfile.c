/* A file written whole or not at all: into FILE.tmp, renamed over FILE when complete. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"

static void outfile_free(struct outfile *o)
{
	free(o->path);
	free(o->tmp);
	*o = (struct outfile){ 0 };
}

int outfile_open(struct outfile *o, const char *path)
{
	*o = (struct outfile){ .path = strdup(path) };
	if (!o->path || asprintf(&o->tmp, "%s.tmp", path) < 0) {
		o->tmp = NULL;
		outfile_free(o);
		return -ENOMEM;
	}
	o->f = fopen(o->tmp, "we");
	if (!o->f) {
		int e = errno;
		outfile_free(o);
		return -e;
	}
	return 0;
}

int outfile_commit(struct outfile *o)
{
	int rc = 0;

	if (!o->f)
		return -EBADF;
	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) < 0)
		rc = errno ? -errno : -EIO;
	if (fclose(o->f) != 0 && rc == 0)
		rc = -errno;
	o->f = NULL;
	if (rc == 0 && rename(o->tmp, o->path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(o->tmp);
	outfile_free(o);
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (o->f) {
		fclose(o->f);
		unlink(o->tmp);
	}
	outfile_free(o);
}

int outfile_finish(struct outfile *o, int rc)
{
	if (rc >= 0)
		return outfile_commit(o);
	outfile_abort(o);
	return rc;
}
