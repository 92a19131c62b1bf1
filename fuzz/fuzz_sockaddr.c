/*
 * Fuzz target: the bytes a tracee hands to connect() or sendto() as a sockaddr, and to
 * sendmsg() / sendmmsg() as message headers, in both ABIs (src/sockaddr.c).
 *
 * Input: the whole input is the sockaddr, as many bytes as the tracee's addrlen said; the
 * same bytes are also decoded as a struct msghdr and as an array of struct mmsghdr.
 * Checked besides memory safety: what sockaddr_decode() accepts and how it normalizes
 * (an IPv4-mapped address never comes out AF_INET6; ports and addresses are the bytes that
 * came in), and that every formatted string is NUL-terminated inside its buffer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz.h"
#include "sockaddr.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Formats into a buffer of exactly size bytes on the heap, so that ASan sees one byte too
 * many, and checks the result is a string that fits. */
static void format_into(const struct endpoint *ep, size_t size, bool address_only)
{
	char *buf = malloc(size);

	FUZZ_ASSERT(buf);
	memset(buf, 'X', size);
	if (address_only)
		endpoint_format_address(ep, buf, size);
	else
		endpoint_format(ep, buf, size);
	FUZZ_ASSERT(memchr(buf, '\0', size) != NULL);
	free(buf);
}

static void check_endpoint(const uint8_t *data, size_t size, const struct endpoint *ep)
{
	uint16_t family;
	char fam[16];

	memcpy(&family, data, sizeof(family));
	FUZZ_ASSERT(size >= sizeof(sa_family_t) && size <= SOCKADDR_MAX);

	switch (family) {
	case AF_INET: {
		struct sockaddr_in sin;

		FUZZ_ASSERT(size >= sizeof(sin));
		memcpy(&sin, data, sizeof(sin));
		FUZZ_ASSERT(ep->family == AF_INET && !ep->mapped);
		FUZZ_ASSERT(ep->port == ntohs(sin.sin_port));
		FUZZ_ASSERT(memcmp(ep->addr, &sin.sin_addr, 4) == 0);
		break;
	}
	case AF_INET6: {
		struct sockaddr_in6 sin6 = { 0 };
		bool mapped;

		FUZZ_ASSERT(size >= offsetof(struct sockaddr_in6, sin6_scope_id));
		memcpy(&sin6, data, size < sizeof(sin6) ? size : sizeof(sin6));
		mapped = memcmp(&sin6.sin6_addr, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0;
		FUZZ_ASSERT(ep->port == ntohs(sin6.sin6_port));
		/* An IPv4-mapped address goes out over IPv4: it is judged as that address. */
		FUZZ_ASSERT(ep->mapped == mapped);
		if (mapped) {
			FUZZ_ASSERT(ep->family == AF_INET);
			FUZZ_ASSERT(memcmp(ep->addr, sin6.sin6_addr.s6_addr + 12, 4) == 0);
		} else {
			FUZZ_ASSERT(ep->family == AF_INET6);
			FUZZ_ASSERT(memcmp(ep->addr, &sin6.sin6_addr, 16) == 0);
			FUZZ_ASSERT(ep->scope_id == (size >= sizeof(sin6) ? sin6.sin6_scope_id : 0));
		}
		break;
	}
	case AF_UNIX:
		FUZZ_ASSERT(ep->family == AF_UNIX);
		FUZZ_ASSERT(ep->path_len < sizeof(ep->path) && ep->path[ep->path_len] == '\0');
		FUZZ_ASSERT(offsetof(struct sockaddr_un, sun_path) + ep->path_len + ep->abstract <= size);
		FUZZ_ASSERT(memcmp(ep->path, data + offsetof(struct sockaddr_un, sun_path) + ep->abstract,
				   ep->path_len) == 0);
		break;
	case AF_NETLINK:
		FUZZ_ASSERT(ep->family == AF_NETLINK && size >= sizeof(struct sockaddr_nl));
		break;
	default:
		FUZZ_ASSERT(ep->family == family);
		break;
	}
	/* Whatever came in, an AF_INET6 endpoint is never an IPv4-mapped one. */
	if (ep->family == AF_INET6)
		FUZZ_ASSERT(memcmp(ep->addr, v4mapped_prefix, sizeof(v4mapped_prefix)) != 0);
	if (ep->family == AF_INET)
		for (size_t i = 4; i < sizeof(ep->addr); i++)
			FUZZ_ASSERT(ep->addr[i] == 0);
	if (endpoint_is_loopback(ep))
		FUZZ_ASSERT(ep->family == AF_INET || ep->family == AF_INET6);

	/* The report's buffer, and smaller ones: always a string that fits. */
	format_into(ep, ENDPOINT_STRLEN, false);
	format_into(ep, ENDPOINT_STRLEN, true);
	for (size_t n = 1; n <= 64; n += 7) {
		format_into(ep, n, false);
		format_into(ep, n, true);
	}
	FUZZ_ASSERT(strlen(family_name(ep->family, fam, sizeof(fam))) < sizeof(fam));
}

static void check_msghdrs(const uint8_t *data, size_t size, enum abi abi)
{
	size_t hdr = msghdr_size(abi), mhdr = mmsghdr_size(abi);
	struct msg_name name = { 0 };
	int rc = msghdr_decode(data, size, abi, &name);

	FUZZ_ASSERT(rc == (size >= hdr ? 0 : -EINVAL));
	FUZZ_ASSERT(mhdr > hdr);
	if (rc == 0 && abi == ABI_I386)
		FUZZ_ASSERT(name.addr <= UINT32_MAX);
	/* sendmmsg(): the message headers of a vector, as the tracer walks it. */
	for (size_t off = 0; off + mhdr <= size; off += mhdr)
		FUZZ_ASSERT(msghdr_decode(data + off, mhdr, abi, &name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct endpoint ep;
	int rc;

	/* Not a copy: libFuzzer's buffer has exactly size bytes, so an over-read is seen. */
	rc = sockaddr_decode(data, size, &ep);
	if (rc == 0)
		check_endpoint(data, size, &ep);
	else
		FUZZ_ASSERT(rc == -EINVAL);
	check_msghdrs(data, size, ABI_X86_64);
	check_msghdrs(data, size, ABI_I386);
	return 0;
}
