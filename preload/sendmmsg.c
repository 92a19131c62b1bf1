/* sendmmsg(2): records the msg_name of each message, then sends. */

#include <errno.h>
#include <limits.h>

#include "shim.h"

/* __sys_sendmmsg() caps vlen at UIO_MAXIOV. */
#define SHIM_UIO_MAXIOV 1024

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	__typeof__(shim_real.sendmmsg) real = SHIM_REAL(sendmmsg);

	for (unsigned int i = 0; i < vlen && i < SHIM_UIO_MAXIOV; i++)
		shim_record_msghdr(PRELOAD_SENDMMSG, fd, &vec[i].msg_hdr, i);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, vec, vlen, flags);
}
