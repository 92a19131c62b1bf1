/* --preload: the shim's records against the kernel's view. See compare.h. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "compare.h"
#include "tracee.h"

#ifndef PKGLIBDIR
#define PKGLIBDIR "/usr/local/lib/sockstrace"
#endif
/* The uninstalled executable and the shim libtool builds beside it, baked in at build time
 * (Makefile.am); empty when built otherwise. */
#ifndef BUILD_TREE_EXE
#define BUILD_TREE_EXE ""
#endif
#ifndef BUILD_TREE_SHIM
#define BUILD_TREE_SHIM ""
#endif

/* --- the diff: pure ---------------------------------------------------------------- */

/* An open-addressing index over the rows or the processes: slot values are index + 1, 0 is
 * empty. Never shrinks; entries are never removed. */
struct index {
	size_t *slots; /* size slots */
	size_t size;   /* a power of two, or 0 */
	size_t count;  /* used slots */
};

struct diff {
	struct diff_proc *procs;     /* every process image seen, in order */
	size_t n_procs, cap_procs;
	struct diff_row *rows;       /* every row, in order of first sight */
	size_t n_rows, cap_rows;
	struct index by_pid;         /* pid -> its latest process image */
	struct index by_key;         /* (process, call, what) -> row */
	const struct diff_row **sorted; /* diff_rows() output */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (const unsigned char *c = p; n--; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return h;
}

#define FNV_SEED 14695981039346656037ULL

static uint64_t pid_hash(pid_t pid)
{
	return fnv(FNV_SEED, &pid, sizeof(pid));
}

/* Hash of a row's identity. */
static uint64_t key_hash(size_t proc, bool is_name, bool null_name, const char *call,
			 const char *what)
{
	uint64_t h = fnv(FNV_SEED, &proc, sizeof(proc));

	h = fnv(h, &is_name, sizeof(is_name));
	h = fnv(h, &null_name, sizeof(null_name));
	h = fnv(h, call, strlen(call) + 1);
	return fnv(h, what, strlen(what));
}

static uint64_t row_hash(const struct diff_row *r)
{
	return key_hash(r->proc, r->is_name, r->null_name, r->call, r->what);
}

/* Grows the index so that it has room for one more; hash_of(i) rehashes entry i. */
static int index_reserve(struct diff *df, struct index *ix,
			 uint64_t (*hash_of)(struct diff *, size_t))
{
	struct index bigger;

	if ((ix->count + 1) * 2 <= ix->size)
		return 0;
	bigger = (struct index){ .size = ix->size ? ix->size * 2 : 64 };
	bigger.slots = calloc(bigger.size, sizeof(size_t));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < ix->size; i++) {
		size_t v = ix->slots[i], j;
		if (!v)
			continue;
		for (j = hash_of(df, v - 1) & (bigger.size - 1); bigger.slots[j];
		     j = (j + 1) & (bigger.size - 1))
			;
		bigger.slots[j] = v;
	}
	bigger.count = ix->count;
	free(ix->slots);
	*ix = bigger;
	return 0;
}

static uint64_t proc_hash_of(struct diff *df, size_t i)
{
	return pid_hash(df->procs[i].pid);
}

static uint64_t row_hash_of(struct diff *df, size_t i)
{
	return row_hash(&df->rows[i]);
}

/* The slot of pid in by_pid: its value, or the empty slot where it would go. */
static size_t *pid_slot(struct diff *df, pid_t pid)
{
	struct index *ix = &df->by_pid;
	size_t j = pid_hash(pid) & (ix->size - 1);

	while (ix->slots[j] && df->procs[ix->slots[j] - 1].pid != pid)
		j = (j + 1) & (ix->size - 1);
	return &ix->slots[j];
}

static int grow(void **array, size_t *cap, size_t n, size_t elem)
{
	void *bigger;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	bigger = realloc(*array, c * elem);
	if (!bigger)
		return -ENOMEM;
	*array = bigger;
	*cap = c;
	return 0;
}

/* The current image of pid, created when there is none or the last one ended; NULL when
 * out of memory. */
static struct diff_proc *proc_get(struct diff *df, pid_t pid)
{
	size_t *slot;

	if (index_reserve(df, &df->by_pid, proc_hash_of) < 0)
		return NULL;
	slot = pid_slot(df, pid);
	if (*slot && !df->procs[*slot - 1].ended)
		return &df->procs[*slot - 1];
	if (grow((void **)&df->procs, &df->cap_procs, df->n_procs, sizeof(*df->procs)) < 0)
		return NULL;
	if (!*slot)
		df->by_pid.count++;
	df->procs[df->n_procs] = (struct diff_proc){ .pid = pid };
	*slot = ++df->n_procs;
	return &df->procs[df->n_procs - 1];
}

/* The current image of pid when there is one that has not ended. */
static struct diff_proc *proc_find(struct diff *df, pid_t pid)
{
	size_t *slot;

	if (!df->by_pid.size)
		return NULL;
	slot = pid_slot(df, pid);
	return *slot && !df->procs[*slot - 1].ended ? &df->procs[*slot - 1] : NULL;
}

/* The row (proc, call, what), created with zero counts when new; NULL when out of memory. */
static struct diff_row *row_get(struct diff *df, const struct diff_proc *p, bool is_name,
				bool null_name, const char *call, const char *what)
{
	size_t proc = (size_t)(p - df->procs), j;
	struct index *ix = &df->by_key;
	struct diff_row *r;

	if (index_reserve(df, ix, row_hash_of) < 0)
		return NULL;
	for (j = key_hash(proc, is_name, null_name, call, what) & (ix->size - 1); ix->slots[j];
	     j = (j + 1) & (ix->size - 1)) {
		r = &df->rows[ix->slots[j] - 1];
		if (r->proc == proc && r->is_name == is_name && r->null_name == null_name &&
		    strcmp(r->call, call) == 0 && strcmp(r->what, what) == 0)
			return r;
	}
	if (grow((void **)&df->rows, &df->cap_rows, df->n_rows, sizeof(*df->rows)) < 0)
		return NULL;
	r = &df->rows[df->n_rows];
	*r = (struct diff_row){ .proc = proc, .is_name = is_name, .null_name = null_name };
	snprintf(r->call, sizeof(r->call), "%s", call);
	snprintf(r->what, sizeof(r->what), "%s", what);
	ix->slots[j] = ++df->n_rows;
	ix->count++;
	return r;
}

struct diff *diff_new(void)
{
	return calloc(1, sizeof(struct diff));
}

void diff_free(struct diff *df)
{
	if (!df)
		return;
	free(df->procs);
	free(df->rows);
	free(df->by_pid.slots);
	free(df->by_key.slots);
	free(df->sorted);
	free(df);
}

void diff_vfork(struct diff *df, pid_t child)
{
	struct diff_proc *p = proc_get(df, child);

	if (p)
		p->vfork = true;
}

void diff_exec(struct diff *df, pid_t pid)
{
	struct diff_proc *p = proc_find(df, pid);

	if (p)
		p->ended = true;
}

void diff_exit(struct diff *df, pid_t pid)
{
	diff_exec(df, pid);
}

bool diff_needs_facts(struct diff *df, pid_t pid)
{
	struct diff_proc *p = proc_find(df, pid);

	return !p || !p->facts.known;
}

void diff_set_facts(struct diff *df, pid_t pid, const struct proc_facts *facts)
{
	struct diff_proc *p = proc_get(df, pid);

	if (!p)
		return;
	p->facts = *facts;
	p->facts.known = true;
	if (facts->comm[0])
		memcpy(p->comm, facts->comm, sizeof(p->comm));
}

/* The text of a destination the way both sides key it. */
static void dest_text(int error, const struct endpoint *ep, char *buf, size_t size)
{
	if (error == -EFAULT)
		snprintf(buf, size, "unreadable address");
	else if (error)
		snprintf(buf, size, "malformed address");
	else
		endpoint_format(ep, buf, size);
}

int diff_kernel(struct diff *df, pid_t pid, const char *syscall, bool i386,
		const struct dest *d, enum kernel_verdict v, enum leak_action action)
{
	struct diff_proc *p = proc_get(df, pid);
	char what[ENDPOINT_STRLEN];
	struct diff_row *r;

	if (!p)
		return -ENOMEM;
	dest_text(d->error, &d->ep, what, sizeof(what));
	r = row_get(df, p, false, false, syscall, what);
	if (!r)
		return -ENOMEM;
	if (d->error == 0) {
		r->has_ep = true;
		r->ep = d->ep;
	}
	r->kernel++;
	if (v == KERNEL_ALLOWED)
		r->allowed++;
	else if (v == KERNEL_PROBE)
		r->probes++;
	else if ((unsigned)action < ARRAY_SIZE(r->leaks))
		r->leaks[action]++;
	if (i386)
		r->i386++;
	if (p->vfork)
		r->vfork++;
	return 0;
}

const char *preload_call_name(unsigned call)
{
	static const char *const names[] = {
		[PRELOAD_CONNECT] = "connect",
		[PRELOAD_SENDTO] = "sendto",
		[PRELOAD_SENDMSG] = "sendmsg",
		[PRELOAD_SENDMMSG] = "sendmmsg",
		[PRELOAD_GETADDRINFO] = "getaddrinfo",
		[PRELOAD_GETHOSTBYNAME] = "gethostbyname",
		[PRELOAD_GETHOSTBYNAME2] = "gethostbyname2",
		[PRELOAD_GETHOSTBYNAME_R] = "gethostbyname_r",
		[PRELOAD_RES_QUERY] = "res_query",
		[PRELOAD_RES_SEARCH] = "res_search",
		[PRELOAD_RES_NQUERY] = "res_nquery",
		[PRELOAD_RES_NSEARCH] = "res_nsearch",
	};

	return call < ARRAY_SIZE(names) ? names[call] : NULL;
}

/* Decodes the destination of an address record the way syscalls.c decodes the kernel's. */
static void record_dest(const struct preload_record *rec, struct dest *d)
{
	uint8_t buf[PRELOAD_DATA_MAX];

	*d = (struct dest){ 0 };
	if (rec->flags & PRELOAD_F_UNREADABLE) {
		d->error = -EFAULT;
		return;
	}
	memcpy(buf, rec->data, rec->len);
	d->error = sockaddr_decode(buf, rec->len, &d->ep);
	if (d->error == 0 && d->ep.family == AF_UNSPEC && rec->call != PRELOAD_CONNECT) {
		/* udp_sendmsg() sends to an AF_UNSPEC address as if it were AF_INET. */
		uint16_t inet = AF_INET;
		memcpy(buf, &inet, sizeof(inet));
		d->error = sockaddr_decode(buf, rec->len, &d->ep);
	}
}

int diff_record(struct diff *df, pid_t pid, const struct preload_record *rec)
{
	const char *call = preload_call_name(rec->call);
	struct diff_proc *p;
	struct diff_row *r;

	if (rec->magic != PRELOAD_MAGIC || rec->version != PRELOAD_VERSION || !call ||
	    rec->len > PRELOAD_DATA_MAX || pid <= 0)
		return -EINVAL;
	p = proc_get(df, pid);
	if (!p)
		return -ENOMEM;
	p->records++;
	if ((unsigned long)rec->seq + 1 > p->seq_end)
		p->seq_end = (unsigned long)rec->seq + 1;
	if (!p->comm[0])
		snprintf(p->comm, sizeof(p->comm), "%.*s", (int)sizeof(rec->comm), rec->comm);
	if (rec->call >= PRELOAD_GETADDRINFO) {
		char name[PRELOAD_DATA_MAX + 1];

		memcpy(name, rec->data, rec->len);
		name[rec->len] = '\0';
		r = row_get(df, p, true, rec->flags & PRELOAD_F_NULL_NAME, call, name);
		if (!r)
			return -ENOMEM;
		r->truncated = rec->flags & PRELOAD_F_TRUNCATED;
		p->name_calls++;
	} else {
		char what[ENDPOINT_STRLEN];
		struct dest d;

		record_dest(rec, &d);
		dest_text(d.error, &d.ep, what, sizeof(what));
		r = row_get(df, p, false, false, call, what);
		if (!r)
			return -ENOMEM;
		if (d.error == 0) {
			r->has_ep = true;
			r->ep = d.ep;
		}
	}
	r->libc++;
	return 0;
}

/* diff_rows() order: process, destinations before names, first seen. */
static int row_order(const void *a, const void *b)
{
	const struct diff_row *x = *(const struct diff_row *const *)a;
	const struct diff_row *y = *(const struct diff_row *const *)b;

	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	if (x->is_name != y->is_name)
		return x->is_name ? 1 : -1;
	return x < y ? -1 : x > y;
}

const struct diff_row *const *diff_rows(struct diff *df, size_t *ret_n)
{
	const struct diff_row **sorted = realloc(df->sorted, (df->n_rows + 1) * sizeof(*sorted));

	*ret_n = 0;
	if (!sorted)
		return NULL;
	df->sorted = sorted;
	for (size_t i = 0; i < df->n_rows; i++)
		sorted[i] = &df->rows[i];
	qsort(sorted, df->n_rows, sizeof(*sorted), row_order);
	*ret_n = df->n_rows;
	return sorted;
}

const struct diff_proc *diff_proc_of(const struct diff *df, const struct diff_row *r)
{
	return &df->procs[r->proc];
}

unsigned long diff_lost(const struct diff_proc *p)
{
	return p->seq_end > p->records ? p->seq_end - p->records : 0;
}

static bool is_dns(const struct diff_row *r)
{
	return r->has_ep && (r->ep.family == AF_INET || r->ep.family == AF_INET6) &&
	       r->ep.port == 53;
}

const char *diff_reason(const struct diff *df, const struct diff_row *r)
{
	const struct diff_proc *p = &df->procs[r->proc];
	const struct proc_facts *f = &p->facts;

	if (r->is_name || r->kernel <= r->libc)
		return NULL;
	if (r->i386 == r->kernel)
		return "i386 ABI: the 64-bit shim cannot be loaded there";
	if (!p->records && f->known && f->is_static)
		return "static binary: no shim in the process";
	if (!p->records && f->known && !f->shim_loaded)
		return "no shim in the process (LD_PRELOAD removed, or a set-user-ID program)";
	if (r->vfork)
		return "vfork child before its execve";
	if (!p->records && f->known && !f->socket_ok)
		return "the program closed or reused the shim's record socket";
	if (r->probes == r->kernel)
		return p->name_calls ? "route probe made inside getaddrinfo()"
				     : "route probe (a UDP connect that sends nothing) not made "
				       "through the libc wrapper";
	if (is_dns(r) && p->name_calls)
		return "DNS query made inside libc's resolver (see its name look-ups)";
	if (diff_lost(p))
		return "shim records were lost (the record socket was full)";
	if (r->has_ep && r->ep.family == AF_NETLINK && p->name_calls)
		return "libc-internal call: getaddrinfo() asks the kernel for the local addresses";
	if (r->has_ep && r->ep.family == AF_UNIX && strstr(r->ep.path, "/nscd/"))
		return "libc-internal call: glibc asks nscd before the resolver";
	if (p->records || f->shim_loaded)
		return "raw syscall or libc-internal call: the shim is loaded but saw no such call";
	return "unknown: the process was gone before it could be looked at";
}

size_t diff_dns_rows(struct diff *df, const struct diff_row *r, const struct diff_row **ret,
		     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < df->n_rows; i++) {
		const struct diff_row *x = &df->rows[i];
		if (x->proc != r->proc || x->is_name || !x->kernel || !is_dns(x))
			continue;
		if (n < max)
			ret[n] = x;
		n++;
	}
	return n;
}

/* --- the comparison: the record socket, the program's environment, /proc ---------- */

struct compare {
	struct diff *diff;     /* what both sides saw */
	int fd;                /* the tracer's end: non-blocking, SO_PASSCRED */
	int child_fd;          /* the program's end, until compare_forked() */
	int child_fd_number;   /* its number, in the program too */
	uint64_t ino;          /* its inode: /proc/PID/fd/N reads "socket:[ino]" */
	char *env[3];          /* "NAME=VALUE" for putenv() in the child */
	unsigned long bad;     /* datagrams that were no record, or records lost to ENOMEM */
	bool out_of_memory;    /* the diff could not grow: counts are incomplete */
	bool eof;              /* no process holds the program's end any more */
};

/*
 * True when this process runs the uninstalled executable of the build tree, exec'd by its
 * own path (as make check and a developer do), so that the shim beside it is the one to
 * use, as strace and git find their helpers there. An installed copy has another path,
 * and so does a hard link to it planted at the build tree's path, which /proc/self/exe
 * names as it was exec'd (proc(5)): an installed sockstrace never loads a shim out of a
 * build directory that someone else may own.
 */
static bool running_from_build_tree(void)
{
	char self[PATH_MAX], built[PATH_MAX];
	ssize_t n;

	if (!*BUILD_TREE_EXE || !realpath(BUILD_TREE_EXE, built))
		return false;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return false;
	self[n] = '\0';
	return strcmp(self, built) == 0;
}

/* The shim to preload, as an absolute path: $SOCKSTRACE_PRELOAD_LIB, else the one built
 * beside an uninstalled sockstrace, else the installed one. Fills err when it cannot be
 * used. */
static int shim_path(char *buf, size_t size, char *err, size_t errlen)
{
	const char *lib = getenv(PRELOAD_ENV_LIB);
	char resolved[PATH_MAX];

	if ((!lib || !*lib) && running_from_build_tree())
		lib = BUILD_TREE_SHIM;
	if (!lib || !*lib)
		lib = PKGLIBDIR "/" PRELOAD_LIB_NAME;
	if (!realpath(lib, resolved) || access(resolved, R_OK) < 0) {
		int e = errno;
		snprintf(err, errlen, "--preload: cannot use the shim %s: %s (%s names another)", lib,
			 strerror(e), PRELOAD_ENV_LIB);
		return -e;
	}
	/* ld.so splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(resolved, " :") || strlen(resolved) >= size) {
		snprintf(err, errlen, "--preload: the shim's path %s cannot go into LD_PRELOAD",
			 resolved);
		return -EINVAL;
	}
	snprintf(buf, size, "%s", resolved);
	return 0;
}

int compare_new(struct compare **ret, char *err, size_t errlen)
{
	_cleanup_free_ struct compare *c = calloc(1, sizeof(*c));
	const char *user = getenv("LD_PRELOAD");
	char shim[PATH_MAX];
	int pair[2], one = 1, size = 8 << 20, rc;
	struct stat st;

	if (!c) {
		snprintf(err, errlen, "--preload: out of memory");
		return -ENOMEM;
	}
	rc = shim_path(shim, sizeof(shim), err, errlen);
	if (rc < 0)
		return rc;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		rc = -errno;
		snprintf(err, errlen, "--preload: socketpair: %s", strerror(-rc));
		return rc;
	}
	c->fd = pair[0];
	c->child_fd = pair[1];
	c->child_fd_number = pair[1];
	/* Room for bursts while the tracer is busy; only root may pass net.core.wmem_max. */
	if (setsockopt(pair[1], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(pair[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	if (fcntl(pair[0], F_SETFL, O_NONBLOCK) < 0 || fstat(pair[1], &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "--preload: record socket: %s", strerror(-rc));
		goto fail;
	}
	c->ino = (uint64_t)st.st_ino;
	c->diff = diff_new();
	if (!c->diff ||
	    asprintf(&c->env[0], "%s=%d", PRELOAD_ENV_FD, pair[1]) < 0 ||
	    asprintf(&c->env[1], "%s=%llu:%llu", PRELOAD_ENV_ID, (unsigned long long)st.st_dev,
		     (unsigned long long)st.st_ino) < 0 ||
	    asprintf(&c->env[2], "LD_PRELOAD=%s%s%s", user && *user ? user : "",
		     user && *user ? ":" : "", shim) < 0) {
		rc = -ENOMEM;
		snprintf(err, errlen, "--preload: out of memory");
		goto fail;
	}
	*ret = steal_ptr(c);
	return 0;
fail:
	close(pair[0]);
	close(pair[1]);
	diff_free(c->diff);
	for (size_t i = 0; i < ARRAY_SIZE(c->env); i++)
		free(c->env[i]);
	return rc;
}

void compare_free(struct compare *c)
{
	if (!c)
		return;
	close(c->fd);
	compare_forked(c);
	diff_free(c->diff);
	for (size_t i = 0; i < ARRAY_SIZE(c->env); i++)
		free(c->env[i]);
	free(c);
}

void compare_child(struct compare *c)
{
	if (!c)
		return;
	/* The tracer is single-threaded until the program is seized: putenv() may allocate. */
	for (size_t i = 0; i < ARRAY_SIZE(c->env); i++)
		putenv(c->env[i]);
	fcntl(c->child_fd, F_SETFD, 0);
}

void compare_forked(struct compare *c)
{
	if (c && c->child_fd >= 0) {
		close(c->child_fd);
		c->child_fd = -1;
	}
}

int compare_fd(const struct compare *c)
{
	return c && !c->eof ? c->fd : -1;
}

void compare_drain(struct compare *c)
{
	struct preload_record rec;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { &rec, sizeof(rec) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (!c || c->eof)
		return;
	for (;;) {
		struct cmsghdr *cm;
		pid_t pid;
		int rc;

		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (n == 0) {
			/* Every copy of the program's end is closed: no more records, and the
			 * descriptor would poll as hung up forever. */
			c->eof = true;
			return;
		}
		if (n != sizeof(rec) || (msg.msg_flags & MSG_TRUNC)) {
			c->bad++;
			continue;
		}
		/* The kernel's word for the sender, in our pid namespace; the record's otherwise. */
		pid = rec.pid;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
				struct ucred cred;
				memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
				if (cred.pid > 0)
					pid = cred.pid;
			}
		rc = diff_record(c->diff, pid, &rec);
		if (rc == -ENOMEM)
			c->out_of_memory = true;
		if (rc < 0)
			c->bad++;
	}
}

/* What /proc says of tgid: its comm, the shim and an interpreter in its maps, its record
 * descriptor. */
static void look_up(const struct compare *c, pid_t tgid, pid_t tid, struct proc_facts *ret)
{
	char path[64], line[768], link[64], want[64];
	_cleanup_fclose_ FILE *maps = NULL;
	bool interp = false;
	ssize_t n;

	*ret = (struct proc_facts){ 0 };
	tracee_comm(tid, ret->comm, sizeof(ret->comm));
	snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
	maps = fopen(path, "re");
	if (!maps)
		return; /* gone: nothing is known */
	ret->known = true;
	while (fgets(line, sizeof(line), maps)) {
		const char *file = strchr(line, '/'), *base;
		if (!file)
			continue;
		line[strcspn(line, "\n")] = '\0';
		base = strrchr(file, '/') + 1;
		if (strcmp(base, PRELOAD_LIB_NAME) == 0)
			ret->shim_loaded = true;
		if (strncmp(base, "ld-", 3) == 0 || strncmp(base, "ld.so", 5) == 0)
			interp = true;
	}
	ret->is_static = !interp;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", tgid, c->child_fd_number);
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)c->ino);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		ret->socket_ok = strcmp(link, want) == 0;
	}
}

void compare_kernel(struct compare *c, pid_t tgid, pid_t tid, const char *syscall, bool i386,
		    const struct dest *d, enum kernel_verdict v, enum leak_action action)
{
	struct proc_facts facts;

	if (!c)
		return;
	/* The records this process sent before this call come first. */
	compare_drain(c);
	if (diff_needs_facts(c->diff, tgid)) {
		look_up(c, tgid, tid, &facts);
		diff_set_facts(c->diff, tgid, &facts);
		/* A vfork child before its execve shares its parent's memory (kcmp(2)). */
		if (tracee_shares_parent_vm(tgid))
			diff_vfork(c->diff, tgid);
	}
	if (diff_kernel(c->diff, tgid, syscall, i386, d, v, action) < 0)
		c->out_of_memory = true;
}

/* "1 leak blocked, 2 allowed" into buf. */
static void verdict_text(const struct diff_row *r, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
#define APPEND(...) \
	used += (size_t)snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__)
	for (int a = ACTION_BLOCK; a <= ACTION_REDIRECT; a++)
		if (r->leaks[a])
			APPEND("%s%lu leak%s %s", used ? ", " : "", r->leaks[a],
			       r->leaks[a] == 1 ? "" : "s", action_past((enum leak_action)a));
	if (r->allowed)
		APPEND("%s%lu allowed", used ? ", " : "", r->allowed);
	if (r->probes)
		APPEND("%s%lu route probe%s", used ? ", " : "", r->probes, r->probes == 1 ? "" : "s");
#undef APPEND
}

/* A name as the human line shows it: quoted, unprintable bytes as '?'. */
static void name_text(const struct diff_row *r, char *buf, size_t size)
{
	size_t j = 0;

	if (r->null_name) {
		snprintf(buf, size, "NULL");
		return;
	}
	buf[j++] = '"';
	for (const char *s = r->what; *s && j + 5 < size; s++)
		buf[j++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (r->truncated)
		j += (size_t)snprintf(buf + j, size - j, "...");
	buf[j++] = '"';
	buf[j] = '\0';
}

static void human_row(struct compare *c, FILE *f, const struct diff_row *r)
{
	const struct diff_proc *p = diff_proc_of(c->diff, r);
	char text[ENDPOINT_STRLEN + 16];

	report_printf(f, "sockstrace: preload: pid %d (%s) ", p->pid, p->comm);
	if (r->is_name) {
		const struct diff_row *dns[8];
		size_t n = diff_dns_rows(c->diff, r, dns, ARRAY_SIZE(dns));

		name_text(r, text, sizeof(text));
		report_printf(f, "%s(%s): libc %lu; ", r->call, text, r->libc);
		if (!n)
			fputs("the kernel saw no DNS packet from this process", f);
		else
			fputs("DNS packets the kernel saw from this process:", f);
		for (size_t i = 0; i < n && i < ARRAY_SIZE(dns); i++)
			report_printf(f, "%s %s(%s) %lu", i ? "," : "", dns[i]->call,
				      dns[i]->what, dns[i]->kernel);
		if (n > ARRAY_SIZE(dns))
			report_printf(f, ", and %zu more", n - ARRAY_SIZE(dns));
		fputc('\n', f);
		return;
	}
	{
		unsigned long both = r->kernel < r->libc ? r->kernel : r->libc;
		const char *why = diff_reason(c->diff, r);

		report_printf(f, "%s(%s): both %lu, kernel only %lu, libc only %lu", r->call,
			      r->what, both, r->kernel - both, r->libc - both);
		verdict_text(r, text, sizeof(text));
		if (text[0])
			report_printf(f, " [kernel: %s]", text);
		if (why)
			report_printf(f, "; kernel only: %s", why);
		fputc('\n', f);
	}
}

static void json_row(struct compare *c, FILE *f, const struct diff_row *r)
{
	const struct diff_proc *p = diff_proc_of(c->diff, r);

	fputs("{\"event\":\"preload_diff\",", f);
	report_json_time(f);
	fprintf(f, ",\"pid\":%d,\"comm\":", p->pid);
	report_json_string(f, p->comm);
	if (r->is_name) {
		const struct diff_row *dns[64];
		size_t n = diff_dns_rows(c->diff, r, dns, ARRAY_SIZE(dns));

		fputs(",\"kind\":\"name\",\"call\":", f);
		report_json_string(f, r->call);
		fputs(",\"name\":", f);
		if (r->null_name)
			fputs("null", f);
		else
			report_json_string(f, r->what);
		fprintf(f, ",\"truncated\":%s,\"libc\":%lu,\"dns\":[", r->truncated ? "true" : "false",
			r->libc);
		for (size_t i = 0; i < n && i < ARRAY_SIZE(dns); i++) {
			fputs(i ? ",{\"syscall\":" : "{\"syscall\":", f);
			report_json_string(f, dns[i]->call);
			fputs(",\"destination\":", f);
			report_json_string(f, dns[i]->what);
			fprintf(f, ",\"kernel\":%lu}", dns[i]->kernel);
		}
		fputc(']', f);
	} else {
		unsigned long both = r->kernel < r->libc ? r->kernel : r->libc;
		const char *why = diff_reason(c->diff, r);
		char fam[16], addr[ENDPOINT_STRLEN];

		fputs(",\"kind\":\"destination\",\"syscall\":", f);
		report_json_string(f, r->call);
		fputs(",\"destination\":", f);
		report_json_string(f, r->what);
		if (r->has_ep && (r->ep.family == AF_INET || r->ep.family == AF_INET6)) {
			endpoint_format_address(&r->ep, addr, sizeof(addr));
			fprintf(f, ",\"family\":\"%s\",\"address\":",
				family_name(r->ep.family, fam, sizeof(fam)));
			report_json_string(f, addr);
			fprintf(f, ",\"port\":%u", r->ep.port);
		}
		fprintf(f, ",\"both\":%lu,\"kernel_only\":%lu,\"libc_only\":%lu,"
			"\"kernel_allowed\":%lu,\"kernel_probes\":%lu,\"kernel_blocked\":%lu,"
			"\"kernel_killed\":%lu,\"kernel_logged\":%lu,\"kernel_i386\":%lu,\"reason\":",
			both, r->kernel - both, r->libc - both, r->allowed, r->probes,
			r->leaks[ACTION_BLOCK], r->leaks[ACTION_KILL], r->leaks[ACTION_LOG], r->i386);
		if (why)
			report_json_string(f, why);
		else
			fputs("null", f);
	}
	fprintf(f, ",\"records_lost\":%lu}\n", diff_lost(p));
}

void compare_report(struct compare *c, struct report *r)
{
	const struct diff_row *const *rows;
	size_t n;

	if (!c)
		return;
	compare_drain(c);
	rows = diff_rows(c->diff, &n);
	report_printf(r->out, "sockstrace: preload: what the libc wrappers saw (libc) against "
		      "the kernel's seccomp stops, per process:\n");
	if (!n)
		fputs("sockstrace: preload: no network call seen on either side\n", r->out);
	for (size_t i = 0; i < n; i++) {
		const struct diff_proc *p = diff_proc_of(c->diff, rows[i]);
		human_row(c, r->out, rows[i]);
		/* The process's lost records, once, after its last row. */
		if (diff_lost(p) && (i + 1 == n || rows[i + 1]->proc != rows[i]->proc))
			report_printf(r->out, "sockstrace: preload: pid %d (%s): %lu shim "
				      "record%s lost\n", p->pid, p->comm, diff_lost(p),
				      diff_lost(p) == 1 ? "" : "s");
		if (r->json)
			json_row(c, r->json, rows[i]);
	}
	if (c->bad)
		report_printf(r->out, "sockstrace: preload: %lu malformed record%s ignored\n",
			      c->bad, c->bad == 1 ? "" : "s");
	if (c->out_of_memory)
		fputs("sockstrace: preload: out of memory: the counts are incomplete\n", r->out);
	fflush(r->out);
	if (r->json)
		fflush(r->json);
}
