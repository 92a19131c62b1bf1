/* gethostbyname(3): records the name, then resolves. */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT struct hostent *gethostbyname(const char *name)
{
	__typeof__(shim_real.gethostbyname) real = SHIM_REAL(gethostbyname);

	shim_record_name(PRELOAD_GETHOSTBYNAME, name);
	if (!real) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	return real(name);
}
