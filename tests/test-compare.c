/*
 * Unit tests of the pure half of src/compare.c: kernel events and shim records go in, rows
 * with both / kernel only / libc only counts and the reason for each kernel-only row come
 * out. No tracer, no shim: the records are built here as the shim builds them.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "compare.h"
#include "tap.h"

/* A kernel destination for ADDR:PORT (IPv4). */
static struct dest kernel_dest(const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct dest d = { 0 };

	inet_pton(AF_INET, addr, &sin.sin_addr);
	d.error = sockaddr_decode(&sin, sizeof(sin), &d.ep);
	return d;
}

/* A shim record of an address call to ADDR:PORT (IPv4), or of a name look-up. */
static struct preload_record addr_record(enum preload_call call, const char *addr, uint16_t port,
					 uint32_t seq)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct preload_record rec = { .magic = PRELOAD_MAGIC, .version = PRELOAD_VERSION,
				      .call = (uint16_t)call, .seq = seq, .len = sizeof(sin) };

	inet_pton(AF_INET, addr, &sin.sin_addr);
	memcpy(rec.data, &sin, sizeof(sin));
	snprintf(rec.comm, sizeof(rec.comm), "prog");
	return rec;
}

static struct preload_record name_record(enum preload_call call, const char *name, uint32_t seq)
{
	struct preload_record rec = { .magic = PRELOAD_MAGIC, .version = PRELOAD_VERSION,
				      .call = (uint16_t)call, .seq = seq, .fd = -1 };

	if (name) {
		rec.len = (uint16_t)strlen(name);
		memcpy(rec.data, name, rec.len);
	} else {
		rec.flags = PRELOAD_F_NULL_NAME;
	}
	return rec;
}

/* The row of pid for (call, what), or NULL. */
static const struct diff_row *find_row(struct diff *df, pid_t pid, const char *call,
				       const char *what)
{
	size_t n;
	const struct diff_row *const *rows = diff_rows(df, &n);

	for (size_t i = 0; i < n; i++)
		if (diff_proc_of(df, rows[i])->pid == pid && strcmp(rows[i]->call, call) == 0 &&
		    strcmp(rows[i]->what, what) == 0)
			return rows[i];
	return NULL;
}

static const struct proc_facts dynamic = { .known = true, .shim_loaded = true, .socket_ok = true };
static const struct proc_facts static_bin = { .known = true, .is_static = true };

static void test_both(void)
{
	struct diff *df = diff_new();
	struct dest d = kernel_dest("203.0.113.1", 80);
	struct preload_record rec = addr_record(PRELOAD_CONNECT, "203.0.113.1", 80, 0);
	const struct diff_row *r;

	diff_set_facts(df, 100, &dynamic);
	is_int(diff_record(df, 100, &rec), 0, "a connect record is accepted");
	is_int(diff_kernel(df, 100, "connect", false, &d, KERNEL_LEAK, ACTION_BLOCK), 0,
	       "a kernel connect is counted");
	r = find_row(df, 100, "connect", "AF_INET, 203.0.113.1:80");
	ok(r != NULL, "one row for the connect");
	if (r) {
		is_int((long long)r->kernel, 1, "both: kernel 1");
		is_int((long long)r->libc, 1, "both: libc 1");
		is_int((long long)r->leaks[ACTION_BLOCK], 1, "both: the kernel's verdict, blocked");
		ok(diff_reason(df, r) == NULL, "both: no kernel-only reason");
	}
	diff_free(df);
}

static void test_kernel_only_reasons(void)
{
	struct diff *df = diff_new();
	struct dest d = kernel_dest("203.0.113.1", 80), dns = kernel_dest("203.0.113.53", 53);
	struct preload_record gai = name_record(PRELOAD_GETADDRINFO, "leak.example", 0);
	struct proc_facts closed = dynamic;
	const struct diff_row *r;
	const struct diff_row *beside[4];

	closed.socket_ok = false;
	/* 200: static; 201: dynamic, raw syscall; 202: i386; 203: a vfork child; 204: closed
	 * the record socket; 205: DNS from inside getaddrinfo(). */
	diff_set_facts(df, 200, &static_bin);
	diff_kernel(df, 200, "connect", false, &d, KERNEL_LEAK, ACTION_BLOCK);
	diff_set_facts(df, 201, &dynamic);
	diff_kernel(df, 201, "connect", false, &d, KERNEL_LEAK, ACTION_BLOCK);
	diff_set_facts(df, 202, &(struct proc_facts){ .known = true });
	diff_kernel(df, 202, "connect", true, &d, KERNEL_LEAK, ACTION_BLOCK);
	diff_vfork(df, 203);
	diff_set_facts(df, 203, &dynamic);
	diff_kernel(df, 203, "connect", false, &d, KERNEL_ALLOWED, ACTION_BLOCK);
	diff_set_facts(df, 204, &closed);
	diff_kernel(df, 204, "connect", false, &d, KERNEL_LEAK, ACTION_LOG);
	diff_set_facts(df, 205, &dynamic);
	diff_record(df, 205, &gai);
	diff_kernel(df, 205, "connect", false, &dns, KERNEL_LEAK, ACTION_BLOCK);

	r = find_row(df, 200, "connect", "AF_INET, 203.0.113.1:80");
	ok(r && strncmp(diff_reason(df, r), "static binary", 13) == 0, "static binary");
	r = find_row(df, 201, "connect", "AF_INET, 203.0.113.1:80");
	ok(r && strncmp(diff_reason(df, r), "raw syscall", 11) == 0, "raw syscall, shim loaded");
	r = find_row(df, 202, "connect", "AF_INET, 203.0.113.1:80");
	ok(r && strncmp(diff_reason(df, r), "i386 ABI", 8) == 0, "i386 before no-shim");
	r = find_row(df, 203, "connect", "AF_INET, 203.0.113.1:80");
	ok(r && strncmp(diff_reason(df, r), "vfork child", 11) == 0, "vfork child");
	ok(r && r->allowed == 1, "vfork child: allowed is counted");
	r = find_row(df, 204, "connect", "AF_INET, 203.0.113.1:80");
	ok(r && strstr(diff_reason(df, r), "record socket") != NULL, "record socket closed");
	ok(r && r->leaks[ACTION_LOG] == 1, "logged leak is counted as logged");
	r = find_row(df, 205, "connect", "AF_INET, 203.0.113.53:53");
	ok(r && strncmp(diff_reason(df, r), "DNS query made inside", 21) == 0,
	   "DNS beside a getaddrinfo() record");
	r = find_row(df, 205, "getaddrinfo", "leak.example");
	ok(r && r->is_name && r->libc == 1 && r->kernel == 0, "the name row: libc 1");
	ok(r && diff_reason(df, r) == NULL, "a name row has no kernel-only reason");
	ok(r && diff_dns_rows(df, r, beside, 4) == 1 && beside[0]->ep.port == 53,
	   "the name row stands beside the process's one DNS row");
	diff_free(df);
}

static void test_libc_only_and_counts(void)
{
	struct diff *df = diff_new();
	struct dest d = kernel_dest("127.0.0.1", 9050);
	struct preload_record rec;
	const struct diff_row *r;

	diff_set_facts(df, 300, &dynamic);
	for (uint32_t i = 0; i < 3; i++) {
		rec = addr_record(PRELOAD_CONNECT, "127.0.0.1", 9050, i);
		diff_record(df, 300, &rec);
	}
	diff_kernel(df, 300, "connect", false, &d, KERNEL_ALLOWED, ACTION_BLOCK);
	diff_kernel(df, 300, "connect", false, &d, KERNEL_ALLOWED, ACTION_BLOCK);
	r = find_row(df, 300, "connect", "AF_INET, 127.0.0.1:9050");
	ok(r && r->libc == 3 && r->kernel == 2, "counts add up: libc 3, kernel 2");
	ok(r && diff_reason(df, r) == NULL, "libc only (a call the kernel never got) has no reason");
	/* A record gap: seq 5 after 0..2. */
	rec = addr_record(PRELOAD_SENDTO, "127.0.0.1", 53, 5);
	diff_record(df, 300, &rec);
	is_int((long long)diff_lost(diff_proc_of(df, r)), 2, "a sequence gap counts lost records");
	diff_free(df);
}

static void test_generations_and_keys(void)
{
	struct diff *df = diff_new();
	struct dest d = kernel_dest("203.0.113.1", 80);
	struct preload_record rec = addr_record(PRELOAD_CONNECT, "203.0.113.1", 80, 0);
	struct preload_record unspec = rec, bad = rec, null_name;
	const struct diff_row *const *rows;
	size_t n;

	diff_set_facts(df, 400, &dynamic);
	diff_record(df, 400, &rec);
	diff_exec(df, 400);
	ok(diff_needs_facts(df, 400), "after execve the process needs facts again");
	diff_set_facts(df, 400, &static_bin);
	diff_kernel(df, 400, "connect", false, &d, KERNEL_LEAK, ACTION_BLOCK);
	rows = diff_rows(df, &n);
	is_int((long long)n, 2, "the image before and after execve are two rows");
	ok(n == 2 && rows[0]->libc == 1 && rows[0]->kernel == 0 && rows[1]->kernel == 1 &&
	   rows[1]->libc == 0, "the record stays with the old image");
	ok(n == 2 && strncmp(diff_reason(df, rows[1]), "static binary", 13) == 0,
	   "the new image's reason uses its own facts");

	/* sendto to AF_UNSPEC is sent as AF_INET by the kernel (udp_sendmsg): keyed alike. */
	unspec.call = PRELOAD_SENDTO;
	unspec.data[0] = AF_UNSPEC;
	unspec.data[1] = 0;
	diff_record(df, 401, &unspec);
	ok(find_row(df, 401, "sendto", "AF_INET, 203.0.113.1:80") != NULL,
	   "an AF_UNSPEC send is keyed as AF_INET");

	bad.magic = 0;
	is_int(diff_record(df, 402, &bad), -EINVAL, "a record with a bad magic is refused");
	bad = rec;
	bad.call = PRELOAD_CALL_END;
	is_int(diff_record(df, 402, &bad), -EINVAL, "a record of an unknown call is refused");
	bad = rec;
	bad.len = PRELOAD_DATA_MAX + 1;
	is_int(diff_record(df, 402, &bad), -EINVAL, "a record longer than its data is refused");
	bad = rec;
	bad.flags = PRELOAD_F_UNREADABLE;
	bad.len = 0;
	diff_record(df, 403, &bad);
	ok(find_row(df, 403, "connect", "unreadable address") != NULL,
	   "an unreadable address is keyed as the kernel keys it");
	null_name = name_record(PRELOAD_GETADDRINFO, NULL, 0);
	diff_record(df, 404, &null_name);
	rows = diff_rows(df, &n);
	ok(n > 0 && rows[n - 1]->null_name && rows[n - 1]->is_name, "getaddrinfo(NULL) is a name row");
	diff_free(df);
}

static void test_many(void)
{
	struct diff *df = diff_new();
	size_t n;
	bool right = true;

	/* Enough processes and destinations to grow every table a few times. */
	for (int p = 1; p <= 300; p++)
		for (int port = 1; port <= 20; port++) {
			struct dest d = kernel_dest("203.0.113.1", (uint16_t)port);
			struct preload_record rec =
				addr_record(PRELOAD_CONNECT, "203.0.113.1", (uint16_t)port, 0);
			diff_kernel(df, p, "connect", false, &d, KERNEL_LEAK, ACTION_BLOCK);
			if (port % 2)
				diff_record(df, p, &rec);
		}
	diff_rows(df, &n);
	is_int((long long)n, 6000, "300 processes x 20 destinations are 6000 rows");
	for (int p = 1; p <= 300; p += 37) {
		const struct diff_row *r = find_row(df, p, "connect", "AF_INET, 203.0.113.1:7");
		right = right && r && r->kernel == 1 && r->libc == 1;
		r = find_row(df, p, "connect", "AF_INET, 203.0.113.1:8");
		right = right && r && r->kernel == 1 && r->libc == 0;
	}
	ok(right, "rows found again after the tables grew");
	diff_free(df);
}

int main(void)
{
	test_both();
	test_kernel_only_reasons();
	test_libc_only_and_counts();
	test_generations_and_keys();
	test_many();
	is_str(preload_call_name(PRELOAD_RES_NSEARCH), "res_nsearch", "call names");
	ok(preload_call_name(0) == NULL && preload_call_name(PRELOAD_CALL_END) == NULL,
	   "no name outside the enum");
	return done_testing();
}
