/* sendto(2): records the destination when there is one (a send on a connected socket has
 * none, and the kernel's filter does not stop on it either), then sends. */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			   const struct sockaddr *addr, socklen_t len)
{
	__typeof__(shim_real.sendto) real = SHIM_REAL(sendto);

	if (addr)
		shim_record_addr(PRELOAD_SENDTO, fd, addr, len, 0);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, buf, n, flags, addr, len);
}
