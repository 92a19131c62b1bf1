/* getaddrinfo(3): records the node name, then resolves. */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			    struct addrinfo **res)
{
	__typeof__(shim_real.getaddrinfo) real = SHIM_REAL(getaddrinfo);

	shim_record_name(PRELOAD_GETADDRINFO, node);
	if (!real) {
		errno = ENOSYS;
		return EAI_SYSTEM;
	}
	return real(node, service, hints, res);
}
