/* sendmsg(2): records msg_name when there is one, then sends. */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	__typeof__(shim_real.sendmsg) real = SHIM_REAL(sendmsg);

	shim_record_msghdr(PRELOAD_SENDMSG, fd, msg, 0);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, msg, flags);
}
