/*
 * --preload: what the libc-level wrappers of the LD_PRELOAD shim saw, against what the
 * kernel saw (the tracer's seccomp stops), per process and per (call, destination).
 *
 * Two layers. The diff (diff_*) is pure: it counts kernel events and shim records and
 * explains the differences; the unit tests drive it directly. The comparison (compare_*)
 * owns the record socket, the shim's environment and the /proc look-ups that the reasons
 * need, feeds the diff, and writes the result with the report. Every compare_* function
 * accepts NULL (no --preload) and then does nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "preload-record.h"
#include "report.h"
#include "syscalls.h"

/* How the tracer judged one destination the kernel was asked to reach. */
enum kernel_verdict {
	KERNEL_ALLOWED, /* allowed by the policy and performed */
	KERNEL_PROBE,   /* a UDP route probe: neutralised, not reported as a leak */
	KERNEL_LEAK,    /* a leak, handled by the leak action */
};

/* What /proc says about a process when the kernel first sees it make a network call. */
struct proc_facts {
	bool known;       /* the look-up ran; the fields below mean something */
	bool is_static;   /* no program interpreter (ld-*.so) is mapped: a static binary */
	bool shim_loaded; /* libsockstrace-preload.so is mapped */
	bool socket_ok;   /* its record descriptor is still the tracer's socket */
	char comm[16];    /* its comm then */
};

/* One process image: a pid from its fork (or execve) to its next execve or its exit. */
struct diff_proc {
	pid_t pid;                /* thread group id, as the tracer sees it */
	bool ended;               /* it exec'd or exited: the next event of pid starts anew */
	bool vfork;               /* a vfork() child that has not exec'd yet */
	struct proc_facts facts;  /* from /proc, at its first kernel event */
	char comm[16];            /* facts.comm, or the comm of its first record */
	unsigned long records;    /* shim records received from it */
	unsigned long seq_end;    /* highest record sequence number + 1 */
	unsigned long name_calls; /* records of name look-ups */
};

/* One row: a (call, destination) or a name look-up of one process. */
struct diff_row {
	size_t proc;              /* index of its process */
	bool is_name;             /* a name look-up (libc only by nature), not a destination */
	bool has_ep;              /* ep holds a decoded destination */
	bool null_name;           /* is_name: the name argument was NULL */
	bool truncated;           /* is_name: the name was cut to the record's size */
	char call[16];            /* "connect", "sendto", "sendmsg", "sendmmsg", "getaddrinfo"... */
	char what[ENDPOINT_STRLEN]; /* the formatted destination, a problem, or the name */
	struct endpoint ep;       /* has_ep: the destination */
	unsigned long kernel;     /* times the kernel saw it */
	unsigned long libc;       /* times the shim saw it */
	unsigned long allowed;    /* kernel: allowed */
	unsigned long probes;     /* kernel: route probes */
	unsigned long leaks[4];   /* kernel: leaks, by enum leak_action */
	unsigned long i386;       /* kernel: from i386 code */
	unsigned long vfork;      /* kernel: from a vfork child before its execve */
};

struct diff;

/* A new empty diff; NULL when out of memory. */
struct diff *diff_new(void);
void diff_free(struct diff *df);

/* Process lifetimes: a vfork child, an execve (a new image: a new process entry on its next
 * event), an exit. */
void diff_vfork(struct diff *df, pid_t child);
void diff_exec(struct diff *df, pid_t pid);
void diff_exit(struct diff *df, pid_t pid);

/* True when the current image of pid has no facts yet (so that the caller looks them up). */
bool diff_needs_facts(struct diff *df, pid_t pid);
void diff_set_facts(struct diff *df, pid_t pid, const struct proc_facts *facts);

/* Counts one destination of a syscall the kernel saw from process pid. Returns 0 or
 * -ENOMEM. */
int diff_kernel(struct diff *df, pid_t pid, const char *syscall, bool i386,
		const struct dest *d, enum kernel_verdict v, enum leak_action action);

/* Counts one shim record from process pid (the sender as the kernel vouched for it).
 * Returns 0, -EINVAL for a malformed record, or -ENOMEM. */
int diff_record(struct diff *df, pid_t pid, const struct preload_record *rec);

/* The rows, ordered by process (first seen first), destinations before names, then first
 * seen first; *ret_n gets their number. The array belongs to df and stays valid until the
 * next diff_* call. */
const struct diff_row *const *diff_rows(struct diff *df, size_t *ret_n);
const struct diff_proc *diff_proc_of(const struct diff *df, const struct diff_row *r);

/* Records lost by the row's process (gaps in the sequence numbers). */
unsigned long diff_lost(const struct diff_proc *p);

/* Why the kernel saw r more often than the shim did, as far as can be told; NULL when it
 * did not (or cannot be told). A static string. */
const char *diff_reason(const struct diff *df, const struct diff_row *r);

/* The destination rows of r's process that went to port 53 (what a name row stands
 * beside): fills up to max of them into ret, returns how many there are. */
size_t diff_dns_rows(struct diff *df, const struct diff_row *r, const struct diff_row **ret,
		     size_t max);

/* "connect", ..., "getaddrinfo", "res_query"... for an enum preload_call; NULL if none. */
const char *preload_call_name(unsigned call);

/* --- the comparison ------------------------------------------------------------------ */

struct compare;

/*
 * Finds the shim ($SOCKSTRACE_PRELOAD_LIB, else the installed one), creates the record
 * socket pair and the environment for the program. Returns 0, or -errno with a message in
 * err.
 */
int compare_new(struct compare **ret, char *err, size_t errlen);
void compare_free(struct compare *c);

/* In the forked child, before execve(): the record socket stays open across it, and the
 * environment names it and preloads the shim (after any LD_PRELOAD of the user's). */
void compare_child(struct compare *c);
/* In the tracer after fork(): closes its copy of the program's end. */
void compare_forked(struct compare *c);

/* The descriptor to poll for records; -1 with NULL, or once every copy of the program's end
 * is closed (it would poll as hung up forever). */
int compare_fd(const struct compare *c);
/* Reads every record queued now; never blocks. Call it before handling a ptrace event, so
 * that the records a process sent before an execve or its exit count for that image. */
void compare_drain(struct compare *c);

/* The kernel saw destination d of syscall from thread tid of process tgid, which is still
 * waiting for the answer. Looks the process up in /proc on its first call (a vfork child is
 * told by the memory it shares with its parent). */
void compare_kernel(struct compare *c, pid_t tgid, pid_t tid, const char *syscall, bool i386,
		    const struct dest *d, enum kernel_verdict v, enum leak_action action);

/* Writes the comparison: human lines and {"event":"preload_diff",...} JSON objects. */
void compare_report(struct compare *c, struct report *r);
