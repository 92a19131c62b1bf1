/* DNS queries read and answers written for "DNS through the proxy" (RFC 1035). */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

/* Header flag bits (RFC 1035 4.1.1). */
#define FLAG_QR 0x8000u          /* a response */
#define FLAG_OPCODE 0x7800u      /* the kind of query; 0 is QUERY */
#define FLAG_RD 0x0100u          /* recursion desired */
#define FLAG_RA 0x0080u          /* recursion available */
#define FLAG_RCODE 0x000fu       /* response code */

/* A label length byte whose top two bits are set is a compression pointer (RFC 1035 4.1.4);
 * 01 and 10 were extended label types (RFC 6891 5), none in use. */
#define LABEL_TYPE_MASK 0xc0u

#define ANSWER_RR_FIXED 12       /* name pointer, type, class, TTL, RDLENGTH */
#define OPT_RR_FIXED 11          /* root name, type, class, TTL, RDLENGTH */
#define QUESTION_MIN (3 + 4)     /* a one-character name (\1 a \0), QTYPE, QCLASS */
#define QUESTION_MAX (DNS_NAME_MAX + 2 + 4) /* a 255-byte wire name, QTYPE, QCLASS */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The byte a label may hold, lowercased, or 0 for one it may not. */
static char name_char(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
		return (char)c;
	return 0;
}

/*
 * Reads the uncompressed name at msg[off..len) into text (DNS_NAME_MAX + 1 bytes). Returns the
 * offset just past its terminating zero byte, or -EINVAL.
 */
static int read_name(const uint8_t *msg, size_t len, size_t off, char *text)
{
	size_t n = 0; /* characters in text so far */

	for (;;) {
		size_t label;

		if (off >= len)
			return -EINVAL;
		label = msg[off++];
		if (label == 0)
			break;
		if (label & LABEL_TYPE_MASK)
			return -EINVAL; /* a pointer or an extended label type; 1..63 otherwise */
		if (label > len - off)
			return -EINVAL;
		/* The separating dot, then the label, must still fit in DNS_NAME_MAX. */
		if ((n > 0) + label > DNS_NAME_MAX - n)
			return -EINVAL;
		if (n > 0)
			text[n++] = '.';
		for (size_t i = 0; i < label; i++) {
			char c = name_char(msg[off + i]);
			if (!c)
				return -EINVAL;
			text[n++] = c;
		}
		off += label;
	}
	if (n == 0)
		return -EINVAL; /* the root name: nothing to resolve */
	text[n] = '\0';
	return (int)off;
}

/* Checks the EDNS0 OPT record at msg[off..len) and that it ends the message (RFC 6891 6.1.2). */
static int check_opt(const uint8_t *msg, size_t len, size_t off)
{
	size_t rdlen;

	if (len - off < OPT_RR_FIXED)
		return -EINVAL;
	if (msg[off] != 0 || get16(msg + off + 1) != DNS_TYPE_OPT)
		return -EINVAL;
	rdlen = get16(msg + off + 9);
	if (rdlen != len - off - OPT_RR_FIXED)
		return -EINVAL;
	return 0;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *ret)
{
	struct dns_query q = { 0 };
	uint16_t flags, arcount;
	int end;

	if (!msg || len < DNS_HEADER_LEN)
		return -EINVAL;
	flags = get16(msg + 2);
	if (flags & (FLAG_QR | FLAG_OPCODE))
		return -EINVAL;
	if (get16(msg + 4) != 1 || get16(msg + 6) != 0 || get16(msg + 8) != 0)
		return -EINVAL;
	arcount = get16(msg + 10);
	if (arcount > 1)
		return -EINVAL;

	end = read_name(msg, len, DNS_HEADER_LEN, q.name);
	if (end < 0)
		return end;
	if (len - (size_t)end < 4)
		return -EINVAL;
	q.qtype = get16(msg + end);
	q.qclass = get16(msg + end + 2);
	end += 4;

	if (arcount == 1) {
		int rc = check_opt(msg, len, (size_t)end);
		if (rc < 0)
			return rc;
		q.edns = true;
	} else if ((size_t)end != len) {
		return -EINVAL;
	}

	q.id = get16(msg);
	q.rd = flags & FLAG_RD;
	q.question_off = DNS_HEADER_LEN;
	q.question_len = (size_t)end - DNS_HEADER_LEN;
	*ret = q;
	return 0;
}

/* The address bytes an answer to q carries: 4 or 16, or 0 for none. */
static size_t rdata_len(const struct dns_query *q, const struct endpoint *addr)
{
	if (!addr || q->qclass != DNS_CLASS_IN)
		return 0;
	if (q->qtype == DNS_TYPE_A && addr->family == AF_INET)
		return 4;
	if (q->qtype == DNS_TYPE_AAAA && addr->family == AF_INET6)
		return 16;
	return 0;
}

int dns_build_answer(const struct dns_query *q, const uint8_t *query_msg, int rcode,
		     const struct endpoint *addr, uint32_t ttl, uint8_t *out, size_t outlen)
{
	size_t rdlen = rcode == DNS_RCODE_NOERROR ? rdata_len(q, addr) : 0;
	size_t total, off;
	uint16_t flags;

	if (rcode < 0 || rcode > (int)FLAG_RCODE)
		return -EINVAL;
	if (q->question_off != DNS_HEADER_LEN || q->question_len < QUESTION_MIN ||
	    q->question_len > QUESTION_MAX)
		return -EINVAL;
	total = DNS_HEADER_LEN + q->question_len + (rdlen ? ANSWER_RR_FIXED + rdlen : 0);
	if (total > outlen)
		return -ENOBUFS;

	flags = FLAG_QR | FLAG_RA | (uint16_t)rcode | (q->rd ? FLAG_RD : 0);
	put16(out, q->id);
	put16(out + 2, flags);
	put16(out + 4, 1);
	put16(out + 6, rdlen ? 1 : 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	memcpy(out + DNS_HEADER_LEN, query_msg + q->question_off, q->question_len);
	off = DNS_HEADER_LEN + q->question_len;
	if (rdlen) {
		/* The name is a pointer to the question's, right after the header. */
		put16(out + off, (uint16_t)(LABEL_TYPE_MASK << 8 | DNS_HEADER_LEN));
		put16(out + off + 2, q->qtype);
		put16(out + off + 4, DNS_CLASS_IN);
		put32(out + off + 6, ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl);
		put16(out + off + 10, (uint16_t)rdlen);
		memcpy(out + off + ANSWER_RR_FIXED, addr->addr, rdlen);
	}
	return (int)total;
}

const char *dns_type_name(uint16_t qtype)
{
	switch (qtype) {
	case DNS_TYPE_A: return "A";
	case DNS_TYPE_NS: return "NS";
	case DNS_TYPE_CNAME: return "CNAME";
	case DNS_TYPE_SOA: return "SOA";
	case DNS_TYPE_PTR: return "PTR";
	case DNS_TYPE_MX: return "MX";
	case DNS_TYPE_TXT: return "TXT";
	case DNS_TYPE_AAAA: return "AAAA";
	case DNS_TYPE_SRV: return "SRV";
	case DNS_TYPE_OPT: return "OPT";
	case DNS_TYPE_SVCB: return "SVCB";
	case DNS_TYPE_HTTPS: return "HTTPS";
	case DNS_TYPE_ANY: return "ANY";
	default: return NULL;
	}
}

int dns_tcp_frame_length(const uint8_t *buf, size_t len)
{
	uint16_t n;

	if (len < 2)
		return -EAGAIN;
	n = get16(buf);
	return n < DNS_HEADER_LEN ? -EINVAL : n;
}
