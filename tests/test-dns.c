/*
 * Unit tests of src/dns.c: dns_parse_query() on the queries glibc sends (captured from
 * res_nquery() in glibc 2.36, with and without "options edns0") and on hand-built hostile
 * ones, dns_build_answer() checked byte by byte and read back by an independent response
 * reader, and the TCP length prefix.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "sockaddr.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* glibc's res_nquery("leak.example", C_IN, T_A): id 0x0a99, flags 0x0100 (RD). */
static const uint8_t glibc_query[] = {
	0x0a, 0x99, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 'l', 'e', 'a', 'k', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

/* The same with RES_USE_EDNS0: ARCOUNT 1 and an OPT record (UDP size 512, version 0). */
static const uint8_t glibc_query_edns[] = {
	0xd0, 0x16, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x04, 'l', 'e', 'a', 'k', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00,
	0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x29, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The answer to glibc_query_edns: 203.0.113.7 for 60 s, and no OPT record back. */
static const uint8_t answer_edns[] = {
	0xd0, 0x16, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x04, 'l', 'e', 'a', 'k', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00,
	0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,
	203, 0, 113, 7,
};

/* A message under construction. */
struct msg {
	uint8_t b[1024]; /* the bytes */
	size_t len;      /* how many are used */
};

static void put(struct msg *m, const void *p, size_t n)
{
	if (n > sizeof(m->b) - m->len)
		bail_out("test message overflows %zu bytes", sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void put8(struct msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void put_header(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		       uint16_t ns, uint16_t ar)
{
	m->len = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* Writes a dotted name as labels and the root, without judging the label lengths. */
static void put_name(struct msg *m, const char *dotted)
{
	while (*dotted) {
		size_t n = strcspn(dotted, ".");
		put8(m, (uint8_t)n);
		put(m, dotted, n);
		dotted += n;
		if (*dotted == '.')
			dotted++;
	}
	put8(m, 0);
}

/* A standard query with one question and nothing else. */
static void make_query(struct msg *m, uint16_t id, uint16_t flags, const char *name,
		       uint16_t qtype, uint16_t qclass)
{
	put_header(m, id, flags, 1, 0, 0, 0);
	put_name(m, name);
	put16(m, qtype);
	put16(m, qclass);
}

/* A name of labels of the given lengths, made of 'a' to 'z' in turn. */
static void make_long_name(char *buf, const size_t *labels, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf[off++] = '.';
		for (size_t j = 0; j < labels[i]; j++, off++)
			buf[off] = (char)('a' + off % 26);
	}
	buf[off] = '\0';
}

static struct endpoint make_ep(int family, const char *text)
{
	struct endpoint ep = { .family = family };

	if (inet_pton(family, text, ep.addr) != 1)
		bail_out("bad address in test: %s", text);
	return ep;
}

/* Asserts got[0..got_len) is exactly want[0..want_len), naming the first difference. */
static void bytes_are(const uint8_t *got, long got_len, const uint8_t *want, size_t want_len,
		      const char *what)
{
	bool same = got_len == (long)want_len && memcmp(got, want, want_len) == 0;

	if (!ok(same, "%s: bytes as expected", what)) {
		diag("length %ld, expected %zu", got_len, want_len);
		for (size_t i = 0; got_len > 0 && i < (size_t)got_len && i < want_len; i++)
			if (got[i] != want[i]) {
				diag("first difference at byte %zu: 0x%02x, expected 0x%02x", i, got[i],
				     want[i]);
				break;
			}
	}
}

/*
 * A copy of msg[0..len) that ends where an unreadable page begins, so that a read past the
 * end kills the test with SIGSEGV instead of passing unseen. Valid until the next call.
 */
static const uint8_t *guarded(const uint8_t *msg, size_t len)
{
	static uint8_t *page;
	static size_t size;

	if (!page) {
		size = (size_t)sysconf(_SC_PAGESIZE);
		page = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED || mprotect(page + size, size, PROT_NONE) < 0)
			bail_out("cannot map a guard page: %s", strerror(errno));
	}
	if (len > size)
		bail_out("test message of %zu bytes is larger than a page", len);
	if (len > 0)
		memcpy(page + size - len, msg, len);
	return page + size - len;
}

/* Asserts that parsing fails with -EINVAL, reading nothing past the end, and leaves the
 * result alone. */
static void parse_fails(const uint8_t *msg, size_t len, const char *what)
{
	struct dns_query q, before;

	memset(&q, 0xa5, sizeof(q));
	before = q;
	is_int(dns_parse_query(guarded(msg, len), len, &q), -EINVAL, "%s: -EINVAL", what);
	ok(memcmp(&q, &before, sizeof(q)) == 0, "%s: result untouched", what);
}

/* An answer read back by a reader that shares no code with src/dns.c. */
struct response {
	uint16_t id, flags;             /* header */
	uint16_t qd, an, ns, ar;        /* section counts */
	const uint8_t *question;        /* the question section */
	size_t question_len;            /* its length */
	uint16_t an_name;               /* the answer's owner name: a 2-byte pointer */
	uint16_t an_type, an_class;     /* its type and class */
	uint32_t an_ttl;                /* its TTL */
	uint16_t an_rdlen;              /* its RDLENGTH */
	const uint8_t *an_rdata;        /* its RDATA */
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads a response with one uncompressed question and at most one answer whose name is a
 * pointer. False when it is not exactly that. */
static bool read_response(const uint8_t *b, long len, struct response *r)
{
	size_t off = 12, n = len < 0 ? 0 : (size_t)len;

	memset(r, 0, sizeof(*r));
	if (n < 12)
		return false;
	r->id = get16(b);
	r->flags = get16(b + 2);
	r->qd = get16(b + 4);
	r->an = get16(b + 6);
	r->ns = get16(b + 8);
	r->ar = get16(b + 10);
	if (r->qd != 1 || r->an > 1 || r->ns != 0 || r->ar != 0)
		return false;
	while (off < n && b[off] != 0 && b[off] < 64)
		off += 1 + b[off];
	if (off >= n || b[off] != 0 || n - off < 5)
		return false;
	off += 5;
	r->question = b + 12;
	r->question_len = off - 12;
	if (r->an == 1) {
		if (n - off < 12)
			return false;
		r->an_name = get16(b + off);
		r->an_type = get16(b + off + 2);
		r->an_class = get16(b + off + 4);
		r->an_ttl = (uint32_t)get16(b + off + 6) << 16 | get16(b + off + 8);
		r->an_rdlen = get16(b + off + 10);
		r->an_rdata = b + off + 12;
		off += 12;
		if (n - off < r->an_rdlen)
			return false;
		off += r->an_rdlen;
	}
	return off == n;
}

static void test_glibc(void)
{
	struct dns_query q;
	struct msg m;

	is_int(dns_parse_query(glibc_query, sizeof(glibc_query), &q), 0, "glibc A query parses");
	is_int(q.id, 0x0a99, "glibc: id");
	ok(q.rd, "glibc: RD set");
	ok(!q.edns, "glibc: no EDNS");
	is_str(q.name, "leak.example", "glibc: name");
	is_int(q.qtype, DNS_TYPE_A, "glibc: QTYPE A");
	is_int(q.qclass, DNS_CLASS_IN, "glibc: QCLASS IN");
	is_int((long long)q.question_off, 12, "glibc: question right after the header");
	is_int((long long)q.question_len, 18, "glibc: question is 14 name bytes, type and class");

	memset(&q, 0, sizeof(q));
	is_int(dns_parse_query(glibc_query_edns, sizeof(glibc_query_edns), &q), 0,
	       "glibc A query with EDNS0 parses");
	is_int(q.id, 0xd016, "glibc EDNS0: id");
	ok(q.edns, "glibc EDNS0: OPT record seen");
	is_str(q.name, "leak.example", "glibc EDNS0: name");
	is_int((long long)q.question_len, 18, "glibc EDNS0: the question excludes the OPT record");

	/* "options trust-ad" sets AD in the query (RFC 6840 5.7); that is still a plain query. */
	memcpy(m.b, glibc_query_edns, sizeof(glibc_query_edns));
	m.len = sizeof(glibc_query_edns);
	m.b[3] = 0x20;
	is_int(dns_parse_query(m.b, m.len, &q), 0, "glibc EDNS0 query with AD (trust-ad) parses");
	ok(q.rd, "trust-ad: RD still seen");

	/* An OPT record carrying an option (a DNS cookie, RFC 7873) is skipped as a whole. */
	memcpy(m.b, glibc_query_edns, sizeof(glibc_query_edns));
	m.len = sizeof(glibc_query_edns) - 2;
	put16(&m, 12);
	put16(&m, 10);
	put16(&m, 8);
	put(&m, "cookie!!", 8);
	is_int(dns_parse_query(m.b, m.len, &q), 0, "EDNS0 with a cookie option parses");
	ok(q.edns && strcmp(q.name, "leak.example") == 0, "EDNS0 cookie: name and OPT seen");
}

static void test_answer_a(void)
{
	struct endpoint ep = make_ep(AF_INET, "203.0.113.7");
	struct dns_query q;
	struct response r;
	uint8_t out[DNS_UDP_MAX];
	int n;

	dns_parse_query(glibc_query_edns, sizeof(glibc_query_edns), &q);
	n = dns_build_answer(&q, glibc_query_edns, DNS_RCODE_NOERROR, &ep, 60, out, sizeof(out));
	is_int(n, sizeof(answer_edns), "A answer is 46 bytes");
	bytes_are(out, n, answer_edns, sizeof(answer_edns), "A answer to the EDNS0 query");

	ok(read_response(out, n, &r), "A answer reads back as a response");
	is_int(r.id, 0xd016, "A answer: same id");
	is_int(r.flags, 0x8180, "A answer: QR, RD copied, RA, NOERROR");
	is_int(r.an, 1, "A answer: one answer record");
	is_int(r.ar, 0, "A answer: no OPT record");
	ok(r.question_len == 18 && memcmp(r.question, glibc_query_edns + 12, 18) == 0,
	   "A answer: question echoed");
	is_int(r.an_name, 0xc00c, "A answer: name points at the question's");
	is_int(r.an_type, DNS_TYPE_A, "A answer: type A");
	is_int(r.an_class, DNS_CLASS_IN, "A answer: class IN");
	is_int(r.an_ttl, 60, "A answer: TTL");
	is_int(r.an_rdlen, 4, "A answer: RDLENGTH 4");
	ok(r.an_rdata && memcmp(r.an_rdata, ep.addr, 4) == 0, "A answer: the address");
	parse_fails(out, (size_t)n, "our own answer (QR=1) as a query");

	/* An IPv4-mapped destination decodes to AF_INET and answers A like any other. */
	ep.mapped = true;
	n = dns_build_answer(&q, glibc_query_edns, DNS_RCODE_NOERROR, &ep, 60, out, sizeof(out));
	bytes_are(out, n, answer_edns, sizeof(answer_edns), "A answer from a mapped endpoint");

	/* TTLs beyond 2^31 - 1 are read as 0 by clients (RFC 2181 8): clamped. */
	n = dns_build_answer(&q, glibc_query_edns, DNS_RCODE_NOERROR, &ep, UINT32_MAX, out,
			     sizeof(out));
	read_response(out, n, &r);
	is_int(r.an_ttl, 0x7fffffff, "TTL 2^32 - 1 clamped to 2^31 - 1");
}

static void test_answer_aaaa(void)
{
	struct endpoint ep = make_ep(AF_INET6, "2001:db8::53");
	struct dns_query q;
	struct response r;
	struct msg m;
	uint8_t out[DNS_UDP_MAX];
	int n;

	/* Mixed case as 0x20 randomisation sends it, and RD clear. */
	make_query(&m, 0xbeef, 0x0000, "WwW.Leak-Test_1.EXAMPLE", DNS_TYPE_AAAA, DNS_CLASS_IN);
	is_int(dns_parse_query(m.b, m.len, &q), 0, "mixed-case AAAA query parses");
	is_str(q.name, "www.leak-test_1.example", "AAAA: name lowercased, '-' and '_' kept");
	ok(!q.rd, "AAAA: RD clear");
	is_str(dns_type_name(q.qtype), "AAAA", "AAAA: type name");

	n = dns_build_answer(&q, m.b, DNS_RCODE_NOERROR, &ep, 300, out, sizeof(out));
	is_int(n, (long long)m.len + 28, "AAAA answer: query plus a 28-byte record");
	ok(read_response(out, n, &r), "AAAA answer reads back");
	is_int(r.flags, 0x8080, "AAAA answer: QR, RA, RD not set since not asked");
	ok(r.question_len == m.len - 12 && memcmp(r.question, m.b + 12, m.len - 12) == 0,
	   "AAAA answer: question echoed with its case");
	ok(r.an_type == DNS_TYPE_AAAA && r.an_rdlen == 16, "AAAA answer: type AAAA, RDLENGTH 16");
	ok(r.an_rdata && memcmp(r.an_rdata, ep.addr, 16) == 0, "AAAA answer: the address");
	is_int(r.an_ttl, 300, "AAAA answer: TTL");
}

static void test_negative(void)
{
	struct endpoint v4 = make_ep(AF_INET, "203.0.113.7"), v6 = make_ep(AF_INET6, "2001:db8::1");
	struct dns_query q;
	struct response r;
	struct msg m;
	uint8_t out[DNS_UDP_MAX];
	int n;

	dns_parse_query(glibc_query, sizeof(glibc_query), &q);
	n = dns_build_answer(&q, glibc_query, DNS_RCODE_NXDOMAIN, &v4, 60, out, sizeof(out));
	is_int(n, sizeof(glibc_query), "NXDOMAIN: header and question only (addr ignored)");
	ok(read_response(out, n, &r), "NXDOMAIN reads back");
	is_int(r.flags, 0x8183, "NXDOMAIN: QR, RD, RA, RCODE 3");
	is_int(r.an, 0, "NXDOMAIN: no answer");
	is_int(r.id, 0x0a99, "NXDOMAIN: same id");

	n = dns_build_answer(&q, glibc_query, DNS_RCODE_SERVFAIL, NULL, 0, out, sizeof(out));
	read_response(out, n, &r);
	is_int(r.flags & 0xf, DNS_RCODE_SERVFAIL, "SERVFAIL: RCODE 2");
	n = dns_build_answer(&q, glibc_query, DNS_RCODE_REFUSED, NULL, 0, out, sizeof(out));
	read_response(out, n, &r);
	is_int(r.flags & 0xf, DNS_RCODE_REFUSED, "REFUSED: RCODE 5");

	make_query(&m, 0x1234, 0x0100, "leak.example", DNS_TYPE_TXT, DNS_CLASS_IN);
	is_int(dns_parse_query(m.b, m.len, &q), 0, "TXT query parses");
	is_str(dns_type_name(q.qtype), "TXT", "TXT: type name");
	n = dns_build_answer(&q, m.b, DNS_RCODE_NOTIMP, NULL, 0, out, sizeof(out));
	ok(read_response(out, n, &r), "NOTIMP reads back");
	ok(r.flags == 0x8184 && r.an == 0, "NOTIMP: RCODE 4, no answer");
	ok(r.question_len == m.len - 12 && memcmp(r.question, m.b + 12, r.question_len) == 0,
	   "NOTIMP: the TXT question echoed");

	/* NODATA: the name exists but has no address of the asked family. */
	dns_parse_query(glibc_query, sizeof(glibc_query), &q);
	n = dns_build_answer(&q, glibc_query, DNS_RCODE_NOERROR, &v6, 60, out, sizeof(out));
	ok(read_response(out, n, &r), "A query, IPv6 address: reads back");
	ok(r.flags == 0x8180 && r.an == 0 && n == (int)sizeof(glibc_query),
	   "A query, IPv6 address: NOERROR, no answer (NODATA)");
	make_query(&m, 0x1234, 0x0100, "leak.example", DNS_TYPE_AAAA, DNS_CLASS_IN);
	dns_parse_query(m.b, m.len, &q);
	n = dns_build_answer(&q, m.b, DNS_RCODE_NOERROR, &v4, 60, out, sizeof(out));
	read_response(out, n, &r);
	ok(r.flags == 0x8180 && r.an == 0 && n == (int)m.len, "AAAA query, IPv4 address: NODATA");
	n = dns_build_answer(&q, m.b, DNS_RCODE_NOERROR, NULL, 60, out, sizeof(out));
	read_response(out, n, &r);
	ok(r.flags == 0x8180 && r.an == 0 && n == (int)m.len, "no address: NODATA");
	make_query(&m, 0x1234, 0x0100, "leak.example", DNS_TYPE_A, 3);
	is_int(dns_parse_query(m.b, m.len, &q), 0, "class CH query parses");
	n = dns_build_answer(&q, m.b, DNS_RCODE_NOERROR, &v4, 60, out, sizeof(out));
	read_response(out, n, &r);
	ok(r.an == 0 && n == (int)m.len, "class CH A query: no IN record in the answer");

	dns_parse_query(glibc_query, sizeof(glibc_query), &q);
	is_int(dns_build_answer(&q, glibc_query, 16, NULL, 0, out, sizeof(out)), -EINVAL,
	       "RCODE 16 does not fit in the header: -EINVAL");
	is_int(dns_build_answer(&q, glibc_query, -1, NULL, 0, out, sizeof(out)), -EINVAL,
	       "RCODE -1: -EINVAL");
	q.question_len = 0;
	is_int(dns_build_answer(&q, glibc_query, 0, NULL, 0, out, sizeof(out)), -EINVAL,
	       "a query that was not parsed: -EINVAL");
}

static void test_bounds(void)
{
	static const size_t longest[] = { 63, 63, 63, 61 }; /* 250 + 3 dots = 253 */
	static const size_t too_long[] = { 63, 63, 63, 62 };
	struct endpoint v6 = make_ep(AF_INET6, "2001:db8::1");
	char name[300];
	struct dns_query q;
	struct response r;
	struct msg m;
	uint8_t out[DNS_UDP_MAX + 1], before[sizeof(out)];
	int n;

	make_long_name(name, longest, ARRAY_LEN(longest));
	make_query(&m, 7, 0x0100, name, DNS_TYPE_AAAA, DNS_CLASS_IN);
	is_int(dns_parse_query(m.b, m.len, &q), 0, "a 253-character name parses");
	is_int((long long)strlen(q.name), 253, "253-character name: all of it");
	is_str(q.name, name, "253-character name: as sent");

	n = dns_build_answer(&q, m.b, DNS_RCODE_NOERROR, &v6, 60, out, DNS_UDP_MAX);
	is_int(n, 12 + 259 + 28, "longest AAAA answer: 299 bytes");
	ok(n > 0 && n <= DNS_UDP_MAX, "longest AAAA answer fits a 512-byte datagram");
	ok(read_response(out, n, &r) && r.an == 1 && r.an_rdlen == 16, "longest answer reads back");

	memset(out, 0x5a, sizeof(out));
	memcpy(before, out, sizeof(out));
	is_int(dns_build_answer(&q, m.b, DNS_RCODE_NOERROR, &v6, 60, out, (size_t)n - 1), -ENOBUFS,
	       "one byte short: -ENOBUFS");
	ok(memcmp(out, before, sizeof(out)) == 0, "one byte short: nothing written");
	is_int(dns_build_answer(&q, m.b, DNS_RCODE_NOERROR, &v6, 60, out, (size_t)n), n,
	       "exactly long enough: built");
	ok(out[n] == 0x5a, "exactly long enough: nothing written past the end");
	is_int(dns_build_answer(&q, m.b, DNS_RCODE_NXDOMAIN, NULL, 0, out, 12), -ENOBUFS,
	       "NXDOMAIN into a header-sized buffer: -ENOBUFS");

	make_long_name(name, too_long, ARRAY_LEN(too_long));
	make_query(&m, 7, 0x0100, name, DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "254-character name");

	make_query(&m, 7, 0x0100, "a", DNS_TYPE_A, DNS_CLASS_IN);
	is_int(dns_parse_query(m.b, m.len, &q), 0, "a one-character name parses");
	is_int(dns_build_answer(&q, m.b, 0, NULL, 0, out, sizeof(out)), 12 + 7,
	       "one-character name: answer of 19 bytes");
}

static void test_hostile(void)
{
	char label64[65];
	struct msg m;

	/* Every proper prefix of a valid query is a truncated one, and is read up to its end
	 * and not one byte further. */
	{
		size_t bad = 0, bad_edns = 0;
		struct dns_query q;

		for (size_t len = 0; len < sizeof(glibc_query); len++)
			if (dns_parse_query(guarded(glibc_query, len), len, &q) != -EINVAL && !bad)
				bad = len + 1;
		ok(!bad, "all 30 prefixes of the query rejected");
		for (size_t len = 0; len < sizeof(glibc_query_edns); len++)
			if (dns_parse_query(guarded(glibc_query_edns, len), len, &q) != -EINVAL && !bad_edns)
				bad_edns = len + 1;
		ok(!bad_edns, "all 41 prefixes of the EDNS0 query rejected");
		if (bad)
			diag("accepted the %zu-byte prefix of the query", bad - 1);
		if (bad_edns)
			diag("accepted the %zu-byte prefix of the EDNS0 query", bad_edns - 1);
	}
	parse_fails(glibc_query, 11, "11-byte header");

	make_query(&m, 1, 0x8100, "leak.example", DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "QR=1 (a response)");
	make_query(&m, 1, 0x2900, "leak.example", DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "OPCODE 5 (UPDATE)");
	make_query(&m, 1, 0x0900, "leak.example", DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "OPCODE 1 (IQUERY)");

	put_header(&m, 1, 0x0100, 0, 0, 0, 0);
	parse_fails(m.b, m.len, "QDCOUNT 0");
	put_header(&m, 1, 0x0100, 2, 0, 0, 0);
	put_name(&m, "leak.example");
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	put_name(&m, "other.example");
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "QDCOUNT 2 with two questions");
	make_query(&m, 1, 0x0100, "leak.example", DNS_TYPE_A, DNS_CLASS_IN);
	m.b[5] = 2;
	parse_fails(m.b, m.len, "QDCOUNT 2 with one question");
	make_query(&m, 1, 0x0100, "leak.example", DNS_TYPE_A, DNS_CLASS_IN);
	m.b[7] = 1;
	parse_fails(m.b, m.len, "ANCOUNT 1");
	m.b[7] = 0;
	m.b[9] = 1;
	parse_fails(m.b, m.len, "NSCOUNT 1");

	memset(label64, 'a', 64);
	label64[64] = '\0';
	make_query(&m, 1, 0x0100, label64, DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "label length 64");
	make_query(&m, 1, 0x0100, label64 + 1, DNS_TYPE_A, DNS_CLASS_IN);
	is_int(dns_parse_query(m.b, m.len, &(struct dns_query){ 0 }), 0, "label length 63 parses");

	put_header(&m, 1, 0x0100, 1, 0, 0, 0);
	put(&m, "\xc0\x0c\x00\x01\x00\x01", 6);
	parse_fails(m.b, m.len, "a compression pointer as the name");
	put_header(&m, 1, 0x0100, 1, 0, 0, 0);
	put(&m, "\x04leak\xc0\x0c\x00\x01\x00\x01", 11);
	parse_fails(m.b, m.len, "a compression pointer after a label");
	put_header(&m, 1, 0x0100, 1, 0, 0, 0);
	put(&m, "\x41leak\x00\x00\x01\x00\x01", 10);
	parse_fails(m.b, m.len, "extended label type 01");
	put_header(&m, 1, 0x0100, 1, 0, 0, 0);
	put(&m, "\x3f" "abc", 4);
	parse_fails(m.b, m.len, "a label running past the end");
	put_header(&m, 1, 0x0100, 1, 0, 0, 0);
	put(&m, "\x04leak\x07" "example", 13);
	parse_fails(m.b, m.len, "a name without its terminating zero");
	make_query(&m, 1, 0x0100, "", DNS_TYPE_NS, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "the root name");

	put_header(&m, 1, 0x0100, 1, 0, 0, 0);
	put(&m, "\x05le.ak\x07" "example\x00\x00\x01\x00\x01", 19);
	parse_fails(m.b, m.len, "a '.' inside a label (would not round-trip)");
	make_query(&m, 1, 0x0100, "le ak.example", DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "a space in a label");
	put_header(&m, 1, 0x0100, 1, 0, 0, 0);
	put(&m, "\x04le\x00k\x07" "example\x00\x00\x01\x00\x01", 18);
	parse_fails(m.b, m.len, "a NUL in a label");
	make_query(&m, 1, 0x0100, "l\xc3\xa9" "ak.example", DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "8-bit bytes in a label");
	make_query(&m, 1, 0x0100, "*.example", DNS_TYPE_A, DNS_CLASS_IN);
	parse_fails(m.b, m.len, "a '*' label");

	make_query(&m, 1, 0x0100, "leak.example", DNS_TYPE_A, DNS_CLASS_IN);
	put8(&m, 0);
	parse_fails(m.b, m.len, "a byte after the question");
	memcpy(m.b, glibc_query, sizeof(glibc_query));
	m.len = sizeof(glibc_query) - 1;
	parse_fails(m.b, m.len, "QCLASS cut short");

	/* The additional record must be one well-formed OPT record and the end. */
	memcpy(m.b, glibc_query_edns, sizeof(glibc_query_edns));
	m.len = sizeof(glibc_query_edns);
	m.b[11] = 2;
	parse_fails(m.b, m.len, "ARCOUNT 2");
	m.b[11] = 1;
	m.b[32] = 250;
	parse_fails(m.b, m.len, "ARCOUNT 1 with a TSIG record, not OPT");
	m.b[32] = 0x29;
	m.b[40] = 1;
	parse_fails(m.b, m.len, "OPT RDLENGTH past the end");
	m.b[40] = 0;
	put8(&m, 0);
	parse_fails(m.b, m.len, "a byte after the OPT record");
	m.len = 30;
	put(&m, "\x01x\x00\x00\x29\x02\x00\x00\x00\x00\x00\x00\x00", 13);
	parse_fails(m.b, m.len, "OPT with an owner name other than the root");
	m.len = 30;
	put(&m, "\x01\x00\x29\x02\x00\x00\x00\x00\x00\x00\x00", 11);
	parse_fails(m.b, m.len, "a record that would read as OPT one byte on");
	memcpy(m.b, glibc_query, sizeof(glibc_query));
	m.len = sizeof(glibc_query);
	m.b[11] = 1;
	parse_fails(m.b, m.len, "ARCOUNT 1 with no record");
	m.b[11] = 2;
	parse_fails(m.b, m.len, "ARCOUNT 2 with no record");
}

static void test_tcp(void)
{
	struct msg m;
	struct dns_query q;
	int n;

	is_int(dns_tcp_frame_length(NULL, 0), -EAGAIN, "TCP: no byte yet: -EAGAIN");
	is_int(dns_tcp_frame_length((const uint8_t *)"\x00", 1), -EAGAIN, "TCP: one byte: -EAGAIN");
	is_int(dns_tcp_frame_length((const uint8_t *)"\xff\xff", 2), 65535, "TCP: length 65535");
	is_int(dns_tcp_frame_length((const uint8_t *)"\x00\x0b", 2), -EINVAL,
	       "TCP: length 11 is shorter than a header: -EINVAL");

	m.len = 0;
	put16(&m, sizeof(glibc_query));
	put(&m, glibc_query, sizeof(glibc_query));
	n = dns_tcp_frame_length(m.b, m.len);
	is_int(n, sizeof(glibc_query), "TCP: framed glibc query is 30 bytes");
	ok(n > 0 && (size_t)n + 2 == m.len && dns_parse_query(m.b + 2, (size_t)n, &q) == 0 &&
		   strcmp(q.name, "leak.example") == 0,
	   "TCP: the framed message parses");
}

static void test_type_names(void)
{
	is_str(dns_type_name(DNS_TYPE_A), "A", "type 1 is A");
	is_str(dns_type_name(DNS_TYPE_PTR), "PTR", "type 12 is PTR");
	is_str(dns_type_name(DNS_TYPE_HTTPS), "HTTPS", "type 65 is HTTPS");
	is_str(dns_type_name(DNS_TYPE_ANY), "ANY", "type 255 is ANY");
	is_str(dns_type_name(0), NULL, "type 0 has no name");
	is_str(dns_type_name(99), NULL, "type 99 has no name");
}

int main(void)
{
	test_glibc();
	test_answer_a();
	test_answer_aaaa();
	test_negative();
	test_bounds();
	test_hostile();
	test_tcp();
	test_type_names();
	return done_testing();
}
