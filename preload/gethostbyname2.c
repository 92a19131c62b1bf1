/* gethostbyname2(3): records the name, then resolves. */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	__typeof__(shim_real.gethostbyname2) real = SHIM_REAL(gethostbyname2);

	shim_record_name(PRELOAD_GETHOSTBYNAME2, name);
	if (!real) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	return real(name, af);
}
