/* The kernel layer's way out: a socket of sockstrace's network namespace put in the place of
 * the program's own, for the allowed calls that must reach beyond the program's namespace. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "netns.h"

/* Where an allowed call is performed when the program has a network namespace of its own. */
struct handover {
	int listener;                      /* the seccomp listener the call came on */
	uint64_t id;                       /* the call's notification */
	const struct netns_id *program_ns; /* the program's namespace */
	bool outside;                      /* the call's destinations are outside it */
};

/*
 * The socket dup (a duplicate of the program's descriptor fd in thread tid, of domain and
 * type) lives in the program's namespace, and h says that the call on it must reach
 * outside: makes a socket of
 * the same domain, type and protocol in sockstrace's namespace, with the program's status
 * flags (O_NONBLOCK), the socket options it changed, its bound address when it has a port of
 * its own, and puts it at the number fd in the thread's fd table
 * (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SETFD, Linux 5.14; close-on-exec as the
 * program's descriptor had it). Returns 1 and the new socket (sockstrace's copy) in
 * *ret_sock; 0 when no hand-over is due (no h, not outside, another namespace, a socket that
 * is connected or listening: the call runs on dup); or -errno for the program's call: also
 * -EPERM when h says the call stays inside (its loopback was judged the program's own) and
 * dup is not in the program's namespace (a thread swapped the descriptor since the judge
 * looked at it).
 */
int handover_socket(int dup, int domain, int type, pid_t tid, int fd, const struct handover *h,
		    int *ret_sock);

/* Learns the option defaults of sockets of ref's kind from ref, a new socket of the
 * program's namespace: a socket handed over gets the options in which the program's differs
 * from those. (A namespace's buffer sizes and timeouts come from its own sysctls, which can
 * differ from sockstrace's: a new socket of sockstrace's would make an untouched buffer size
 * look set, and setting it turns the kernel's buffer autotuning off.) Without one, a kind's
 * defaults are a new socket's of sockstrace's namespace. */
void handover_learn_defaults(int ref);
