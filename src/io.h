/* Exact reads and writes on a blocking or non-blocking socket, bounded by a deadline:
 * the proxy handshakes and the DNS responder's TCP clients. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Sets *d to ms milliseconds from now (CLOCK_MONOTONIC). */
void io_deadline(struct timespec *d, int ms);

/*
 * Reads (write false) or writes (write true) exactly len bytes, waiting with poll(2) when
 * the socket would block. Returns 0, -ETIMEDOUT at the deadline, -ECONNRESET when the peer
 * closed before a read was complete, -EPIPE when a write made no progress, or -errno.
 */
int io_exact(int fd, void *buf, size_t len, bool write, const struct timespec *deadline);
