/*
 * The unwinder's own process (see unwind-child.h).
 *
 * One child serves every stack of the run, so that its caches (libunwind's, and the search
 * tables built from each mapped file's .eh_frame) last: a child per stack would build them
 * again for every leak. The tracer takes the thread's registers at its ptrace stop, opens
 * /proc/TGID/mem (the ptrace access check is made there, by the tracer: proc(5)) and sends
 * both in one message (the descriptor with SCM_RIGHTS) on a SOCK_SEQPACKET socket. The child
 * reads tracee memory with pread() on that descriptor, writes each frame as it finds it to
 * memory shared with the tracer, and answers with their number. The tracer waits for the
 * answer at most UNWIND_DEADLINE_MS; past that, or on an answer it did not expect, it kills
 * the child and keeps the frames found so far (the shared count read once and bounded). A
 * stuck unwind costs its own stack's tail and a new child for the next one.
 *
 * The child is a grandchild, not a child, of the tracer: --attach's loop waits for any child
 * (waitpid(-1)) and ends when none is left. Its parent is gone at once, so PR_SET_PDEATHSIG
 * cannot tie it to the tracer: it ends when its socket reaches end of file (the tracer
 * closed it or died), and an alarm(2) per stack bounds a stack even with no tracer left to
 * kill it. It is confined by sandbox.c (reading files and memory, its socket, no CPU limit
 * for a process that lives for the run).
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"
#include "sandbox.h"
#include "unwind-child.h"

/* Address space the child may add to what it inherits: search tables and libunwind's
 * caches of many large files. */
#define CHILD_AS (1ULL << 30)
/* The child's own bound on one stack, in seconds, should the tracer be gone. */
#define CHILD_ALARM_S 3

/* A stack to unwind: the message from the tracer, /proc/TGID/mem attached. */
struct request {
	uint32_t seq;                 /* its number, repeated in the answer */
	int32_t tgid;                 /* walk_request's */
	uint32_t i386;
	uint32_t max;
	uint32_t n_maps;
	uint64_t maps_hash;
	struct user_regs_struct regs;
};

/* The answer. */
struct answer {
	uint32_t seq;  /* the request's */
	int32_t rc;    /* unwind_walk()'s */
	uint32_t why;  /* with rc < 0: its reason, an index in unwind_why[] */
};

/* The frames of the stack being unwound, shared with the tracer. */
struct progress {
	uint32_t n;                    /* frames written below, stored after each frame */
	struct walked f[UNWIND_MAX];   /* the frames, innermost first */
};

static pid_t child = -1;          /* the child, -1 when none runs */
static int child_pidfd = -1;      /* its pidfd: the tracer cannot wait for a grandchild */
static int sock = -1;             /* the tracer's end of the socket */
static struct progress *shared;   /* mapped once, MAP_SHARED, before the first child */
static uint32_t next_seq;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* unwind_walk()'s emit(): appends a frame to the shared progress. */
static void emit(void *arg, uint64_t pc, bool caller)
{
	struct progress *p = arg;
	uint32_t n = p->n;

	if (n >= UNWIND_MAX)
		return;
	p->f[n] = (struct walked){ .pc = pc, .caller = caller };
	__atomic_store_n(&p->n, n + 1, __ATOMIC_RELEASE);
}

/* The child: confines itself, then unwinds each request until its socket closes. */
static void __attribute__((noreturn)) serve(int s)
{
	struct sandbox sb = { .keep = &s, .n_keep = 1, .out = s, .recv = true, .orphan = true,
			      .extra_as = CHILD_AS };

	if (sandbox_enter(&sb) < 0)
		_exit(2);
	for (;;) {
		struct request rq;
		struct walk_request w;
		struct answer a;
		unsigned why = 0;
		int mem;
		ssize_t n = fd_recv(s, &rq, sizeof(rq), &mem);

		if (n <= 0)
			_exit(0);
		a = (struct answer){ .seq = rq.seq, .rc = -EBADF };
		if (n == sizeof(rq) && mem >= 0) {
			w = (struct walk_request){ .tgid = rq.tgid, .i386 = rq.i386, .max = rq.max,
						   .regs = rq.regs, .mem = mem, .n_maps = rq.n_maps,
						   .maps_hash = rq.maps_hash };
			shared->n = 0;
			alarm(CHILD_ALARM_S);
			a.rc = unwind_walk(&w, emit, shared, &why);
			alarm(0);
			a.why = why;
		}
		if (mem >= 0)
			close(mem);
		if (write(s, &a, sizeof(a)) != sizeof(a))
			_exit(2);
	}
}

/* Starts the child (see the top of this file). Returns 0, or -errno. */
static int start(void)
{
	int sv[2], pidfd = -1, status, rc;
	pid_t mid, pid = -1;
	ssize_t n;

	if (!shared) {
		void *p = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		shared = p;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	mid = fork();
	if (mid == 0) {
		/* The middle process: forks the child and hands its pid and pidfd over. */
		pid_t c;

		close(sv[0]);
		c = fork();
		if (c == 0)
			serve(sv[1]);
		pidfd = c > 0 ? pidfd_open(c, 0) : -1;
		_exit(pidfd < 0 || fd_send(sv[1], &c, sizeof(c), pidfd) < 0 ? 2 : 0);
	}
	rc = mid < 0 ? -errno : 0;
	close(sv[1]);
	if (mid > 0) {
		n = fd_recv(sv[0], &pid, sizeof(pid), &pidfd);
		while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
			;
		if (n != sizeof(pid) || pidfd < 0 || pid <= 0)
			rc = -ECHILD;
	}
	if (rc < 0) {
		if (pidfd >= 0) {
			pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
			close(pidfd);
		}
		close(sv[0]);
		return rc;
	}
	child = pid;
	child_pidfd = pidfd;
	sock = sv[0];
	return 0;
}

/* Kills the child, and waits a moment for its end (its pidfd turns readable, pidfd_open(2)),
 * so that it no longer writes to the memory it shares with the next one. The next request
 * starts another. */
static void stop(void)
{
	struct pollfd p = { .fd = child_pidfd, .events = POLLIN };

	pidfd_send_signal(child_pidfd, SIGKILL, NULL, 0);
	while (poll(&p, 1, 1000) < 0 && errno == EINTR)
		;
	close(child_pidfd);
	close(sock);
	child = -1;
	child_pidfd = sock = -1;
}

/* Waits for the answer to request seq until deadline (ms, CLOCK_MONOTONIC). Returns 0,
 * -ETIMEDOUT, or -ECHILD when the child ended or said something else. */
static int read_answer(uint32_t seq, struct answer *a, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		uint64_t t = now_ms();
		ssize_t n;
		int rc;

		if (t >= deadline)
			return -ETIMEDOUT;
		/* A signal to sockstrace (forwarded to the program) interrupts the wait. */
		rc = poll(&p, 1, (int)(deadline - t));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return -ETIMEDOUT;
		n = read(sock, a, sizeof(*a));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n == sizeof(*a) && a->seq == seq ? 0 : -ECHILD;
	}
}

int unwind_child_walk(const struct walk_request *rq, struct walked *out, size_t *ret_n,
		      unsigned *ret_why)
{
	struct request req = { .seq = ++next_seq, .tgid = rq->tgid, .i386 = rq->i386,
			       .max = (uint32_t)(rq->max < UNWIND_MAX ? rq->max : UNWIND_MAX),
			       .n_maps = rq->n_maps, .maps_hash = rq->maps_hash, .regs = rq->regs };
	struct answer a;
	size_t n;
	int rc;

	*ret_n = 0;
	if (child < 0 && (rc = start()) < 0)
		return rc;
	__atomic_store_n(&shared->n, 0, __ATOMIC_RELEASE);
	rc = fd_send(sock, &req, sizeof(req), rq->mem) < 0 ? -ECHILD
	     : read_answer(req.seq, &a, now_ms() + UNWIND_DEADLINE_MS);
	n = __atomic_load_n(&shared->n, __ATOMIC_ACQUIRE);
	if (n > req.max)
		n = req.max;
	memcpy(out, shared->f, n * sizeof(*out));
	if (rc == 0 && (a.rc > (int)n || (a.rc < 0 && (a.rc < -4095 || a.why >= unwind_n_whys))))
		rc = -ECHILD;
	if (rc < 0) {
		stop();
		*ret_n = n;
		return rc;
	}
	if (a.rc < 0) {
		*ret_n = n;
		*ret_why = a.why;
		return a.rc;
	}
	*ret_n = (size_t)a.rc;
	return 0;
}
