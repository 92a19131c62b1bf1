/* gethostbyname_r(3): records the name, then resolves. */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
				struct hostent **result, int *h_errnop)
{
	__typeof__(shim_real.gethostbyname_r) real = SHIM_REAL(gethostbyname_r);

	shim_record_name(PRELOAD_GETHOSTBYNAME_R, name);
	if (!real) {
		*result = NULL;
		*h_errnop = NO_RECOVERY;
		return ENOSYS;
	}
	return real(name, ret, buf, buflen, result, h_errnop);
}
