/* connect(2): records the destination, then connects. */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	__typeof__(shim_real.connect) real = SHIM_REAL(connect);

	shim_record_addr(PRELOAD_CONNECT, fd, addr, len, 0);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, addr, len);
}
