/*
 * DNS messages (RFC 1035) for "DNS through the proxy": sockstrace reads a program's query,
 * resolves the name through the proxy and answers the query itself. Pure: no I/O, no
 * allocation, no static state, so it is safe between fork() and exec() and in the tracer.
 *
 * Over UDP a message is the datagram; over TCP it follows a 2-byte big-endian length
 * (RFC 1035 4.2.2): dns_tcp_frame_length() reads that prefix, and an answer for TCP is built
 * at out + 2 with its length stored in the first two bytes by the caller.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockaddr.h"

#define DNS_HEADER_LEN 12   /* id, flags and the four section counts */
#define DNS_LABEL_MAX 63    /* longest label (RFC 1035 2.3.4) */
#define DNS_NAME_MAX 253    /* longest name in text form, without a trailing dot */
#define DNS_UDP_MAX 512     /* largest answer a client without EDNS accepts (RFC 1035 4.2.1) */
#define DNS_TTL_MAX 0x7fffffffu /* largest TTL a client honours (RFC 2181 8) */

/* Record types sockstrace names in reports (IANA "Resource Record (RR) TYPEs"). */
enum dns_type {
	DNS_TYPE_A = 1,      /* IPv4 address */
	DNS_TYPE_NS = 2,     /* name server */
	DNS_TYPE_CNAME = 5,  /* alias */
	DNS_TYPE_SOA = 6,    /* start of authority */
	DNS_TYPE_PTR = 12,   /* reverse lookup */
	DNS_TYPE_MX = 15,    /* mail exchanger */
	DNS_TYPE_TXT = 16,   /* text */
	DNS_TYPE_AAAA = 28,  /* IPv6 address (RFC 3596) */
	DNS_TYPE_SRV = 33,   /* service location (RFC 2782) */
	DNS_TYPE_OPT = 41,   /* EDNS0 pseudo-record (RFC 6891) */
	DNS_TYPE_SVCB = 64,  /* service binding (RFC 9460) */
	DNS_TYPE_HTTPS = 65, /* HTTPS service binding (RFC 9460) */
	DNS_TYPE_ANY = 255,  /* every type ("*", RFC 8482) */
};

/* The only class sockstrace answers. */
#define DNS_CLASS_IN 1

/* Response codes (RFC 1035 4.1.1) that an answer may carry. */
enum dns_rcode {
	DNS_RCODE_NOERROR = 0,  /* the name exists; an answer, or none for another type (NODATA) */
	DNS_RCODE_FORMERR = 1,  /* the query was malformed */
	DNS_RCODE_SERVFAIL = 2, /* the proxy failed to resolve it */
	DNS_RCODE_NXDOMAIN = 3, /* the name does not exist */
	DNS_RCODE_NOTIMP = 4,   /* a query type sockstrace does not answer */
	DNS_RCODE_REFUSED = 5,  /* policy says no */
};

/* One standard query, as a program sent it. */
struct dns_query {
	uint16_t id;                  /* transaction id, echoed in the answer */
	bool rd;                      /* recursion desired, echoed in the answer */
	bool edns;                    /* an EDNS0 OPT record followed the question (ignored) */
	char name[DNS_NAME_MAX + 1];  /* QNAME: dotted, lowercase, no trailing dot, NUL-terminated */
	uint16_t qtype;               /* QTYPE, enum dns_type or any other number */
	uint16_t qclass;              /* QCLASS, DNS_CLASS_IN for anything sockstrace answers */
	size_t question_off;          /* where the question section starts in the message */
	size_t question_len;          /* its length: QNAME as sent (case kept), QTYPE, QCLASS */
};

/*
 * Parses len bytes of a query: a header with QR 0, OPCODE 0 (QUERY), QDCOUNT 1, ANCOUNT and
 * NSCOUNT 0, then one question, then either nothing or one EDNS0 OPT record (ARCOUNT 1,
 * root owner name; glibc sends one with "options edns0"), and no byte after that.
 * The QNAME must be 1 to 127 uncompressed labels of 1 to 63 letters, digits, '-' or '_',
 * at most DNS_NAME_MAX characters in text form: no compression pointer, no root name, and
 * nothing that would not read back as the same labels ('.', spaces, control or 8-bit bytes).
 * Returns 0 and fills *ret, or -EINVAL for anything else (truncated, hostile, a response or
 * another opcode), leaving *ret untouched. Never reads outside msg[0..len).
 */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *ret);

/*
 * Builds the answer to q, which was parsed from query_msg, into out (outlen bytes): the same
 * id, QR 1, OPCODE 0, RD copied, RA 1, the given rcode (enum dns_rcode, 0 to 15), the
 * question echoed byte for byte, and, when rcode is NOERROR, addr is not NULL, the class is
 * IN and the type matches its family (A with AF_INET, AAAA with AF_INET6), one answer record
 * pointing back at the question's name with the given TTL (clamped to DNS_TTL_MAX). Any other
 * NOERROR answer has no records (NODATA); addr is ignored with any other rcode. No EDNS.
 * Returns the length written, at most DNS_UDP_MAX, or -ENOBUFS when outlen is too small
 * (out untouched), -EINVAL for an rcode out of range or a q that dns_parse_query() did not fill.
 */
int dns_build_answer(const struct dns_query *q, const uint8_t *query_msg, int rcode,
		     const struct endpoint *addr, uint32_t ttl, uint8_t *out, size_t outlen);

/* "A", "AAAA", "PTR", ... for the types of enum dns_type; NULL for any other number, which the
 * caller prints itself (no static buffer: callable from a signal handler). */
const char *dns_type_name(uint16_t qtype);

/*
 * The length of the DNS message that follows the 2-byte prefix at buf over TCP, once len >= 2.
 * Returns it (DNS_HEADER_LEN to 65535), -EAGAIN when fewer than 2 bytes have arrived, or
 * -EINVAL when the prefix announces a message shorter than a header (a hostile stream).
 */
int dns_tcp_frame_length(const uint8_t *buf, size_t len);
