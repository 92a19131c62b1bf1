/* Messages with a file descriptor attached (SCM_RIGHTS, unix(7)) between sockstrace's own
 * processes. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Sends len bytes of buf as one message on sock, with the descriptor fd attached (none when
 * fd < 0). Returns 0, or -errno. */
int fd_send(int sock, const void *buf, size_t len, int fd);

/* Receives one message of at most len bytes into buf and the descriptor attached to it
 * (*ret_fd, close-on-exec, -1 for none; a second one is closed). Returns the number
 * of bytes (0: the peer is gone), or -errno. */
ssize_t fd_recv(int sock, void *buf, size_t len, int *ret_fd);
