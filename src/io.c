/* Exact reads and writes on a socket, bounded by a deadline. */

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "io.h"

/* Milliseconds left until deadline, at least 0. */
static int remaining(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

void io_deadline(struct timespec *d, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

int io_exact(int fd, void *buf, size_t len, bool write_, const struct timespec *deadline)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write_ ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd w = { .fd = fd, .events = write_ ? POLLOUT : POLLIN };
			int rc;

			do
				rc = poll(&w, 1, remaining(deadline));
			while (rc < 0 && errno == EINTR);
			if (rc <= 0)
				return rc < 0 ? -errno : -ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : write_ ? -EPIPE : -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
