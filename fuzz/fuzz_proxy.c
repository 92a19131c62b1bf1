/*
 * Fuzz target: what a proxy or a program sends back to sockstrace in redirect and DNS proxy
 * mode: SOCKS5 replies (src/socks.c), HTTP CONNECT response heads, and DNS queries
 * (src/dns.c), whose answers are then built.
 *
 * Input: the same bytes are read as each of the three.
 * Checked besides memory safety: a reply length is within the bytes a SOCKS5 reply can have;
 * a parsed reply that succeeded has an IP family or none; an HTTP status is three digits; a
 * query that parses gets an answer of at most 512 bytes that starts with its id and has QR
 * set, and our own answer is never accepted as a query.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "fuzz.h"
#include "socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct endpoint ep;
	struct dns_query q;
	const char *why = NULL;
	uint8_t out[DNS_UDP_MAX];
	int n, rc;

	n = socks5_reply_length(data, size);
	FUZZ_ASSERT(n == -EPROTO || (n >= 4 + 1 + 2 && n <= 4 + 1 + 255 + 2));
	rc = socks5_parse_reply(data, size, &ep, &why);
	FUZZ_ASSERT(why != NULL);
	FUZZ_ASSERT(rc <= 0);
	if (rc == 0)
		FUZZ_ASSERT(ep.family == AF_INET || ep.family == AF_INET6 || ep.family == AF_UNSPEC);

	rc = http_parse_status((const char *)data, size);
	FUZZ_ASSERT(rc == -EPROTO || (rc >= 0 && rc <= 999));
	if (rc >= 0)
		FUZZ_ASSERT(http_status_errno(rc, &why) <= 0 && why != NULL);

	if (dns_parse_query(data, size, &q) == 0) {
		struct endpoint addr = { .family = AF_INET, .addr = { 203, 0, 113, 1 } };
		struct dns_query again;

		FUZZ_ASSERT(strlen(q.name) <= DNS_NAME_MAX);
		n = dns_build_answer(&q, data, DNS_RCODE_NOERROR, &addr, 60, out, sizeof(out));
		FUZZ_ASSERT(n > 0 && n <= DNS_UDP_MAX);
		FUZZ_ASSERT(memcmp(out, data, 2) == 0 && (out[2] & 0x80));
		FUZZ_ASSERT(dns_parse_query(out, (size_t)n, &again) < 0);
	}
	return 0;
}
