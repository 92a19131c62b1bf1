/* Allowed syscalls performed by the tracer on the tracee's behalf, so that the kernel acts
 * on the tracer's vetted copy of the destination and never on tracee memory that another
 * thread may have changed after the check. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "handover.h"
#include "policy.h"
#include "socks.h"
#include "syscalls.h"

/* One emulated syscall, with everything it needs copied out of the tracee. */
struct emulation;

/*
 * Prepares the allowed call c (its destinations in c->dests, all judged, possibly none) for
 * emulation on a pidfd_getfd(2) duplicate of the tracee's socket; pidfd reaches the calling
 * thread's fd table (tracee_thread_pidfd()). With h (NULL: none), a socket of the program's
 * namespace that is not connected yet and a call with destinations outside it, the
 * program's socket is first replaced by one of sockstrace's namespace with the same type,
 * status flags, options and bound port, and the call is performed on that. Only AF_INET and AF_INET6 sockets are
 * emulated: a unix or netlink socket cannot reach the network whatever address a racing
 * thread writes. A setsockopt is emulated on every socket (an i386 socketcall's fd is in
 * memory as well), its value copied and converted from the i386 layout (sockopt.h). Returns
 * 1 and *ret, 0 when the socket is no IP socket (the kernel may run the call as it is), or
 * -errno for the tracee's syscall to return (-EFAULT for unreadable data, as the kernel
 * would; ENOTSOCK for a setsockopt on no socket; any failure to look at the socket).
 */
int emulate_prepare(int pidfd, const struct call *c, const struct handover *h,
		    struct emulation **ret);

/*
 * Prepares the redirect of a leaking TCP connect c (its one destination in c->dests): the
 * duplicate socket (or with h, the one handed over) is connected to proxy instead, which is
 * asked to connect to the destination, with auth (copied). Returns 1 and *ret, or -errno for
 * the tracee's connect.
 * The handshake completes before the connect returns, for non-blocking sockets too.
 */
int emulate_prepare_redirect(int pidfd, const struct call *c, const struct proxy *proxy,
			     const struct proxy_auth *auth, const struct handover *h,
			     struct emulation **ret);

/* True when running e may block (a blocking connect, a stream send): run it off the loop. */
bool emulate_blocks(const struct emulation *e);

/* Performs the call on the duplicate socket. Safe in any thread. */
void emulate_run(struct emulation *e);

/* The tracee thread whose syscall e performs. */
pid_t emulate_tid(const struct emulation *e);

/* Who waits for e: set by the caller, returned as it was. */
void emulate_set_owner(struct emulation *e, void *owner);
void *emulate_owner(const struct emulation *e);

/* Writes what the kernel would have written back (sendmmsg's msg_len), closes and frees e.
 * Returns the tracee thread and the syscall's return value (>= 0 or -errno). */
long emulate_finish(struct emulation *e, pid_t *ret_tid);

/* Runs e in a worker thread, then writes the pointer e to done_fd. Returns 0, or -errno
 * when no thread can run it: e's result is then that error, and the caller finishes it. */
int emulate_async(struct emulation *e, int done_fd);
