/* Decoding of socket addresses and message headers read out of a tracee. Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

/* The ABI whose structure layouts a tracee uses. */
enum abi {
	ABI_X86_64, /* LP64: pointers and size_t are 8 bytes */
	ABI_I386,   /* ILP32: pointers and size_t are 4 bytes */
};

/* Largest sockaddr we accept from a tracee; longer lengths are hostile. */
#define SOCKADDR_MAX ((size_t)sizeof(struct sockaddr_storage))

/* A destination, normalized so that policy and report never see raw bytes. */
struct endpoint {
	int family;           /* AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_UNSPEC or other */
	bool mapped;          /* AF_INET decoded from an IPv4-mapped IPv6 address */
	bool any;             /* the program wrote 0.0.0.0 or ::, which the kernel sends to this
			       * host: addr holds the loopback address it uses instead */
	uint16_t port;        /* host order; AF_INET and AF_INET6 only */
	uint8_t addr[16];     /* network order; 4 bytes used for AF_INET */
	uint32_t scope_id;    /* AF_INET6 scope */
	uint32_t nl_pid;      /* AF_NETLINK destination port id */
	bool abstract;        /* AF_UNIX in the abstract namespace (path[0] was NUL) */
	size_t path_len;      /* AF_UNIX name length without the abstract NUL; 0 = unnamed */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1]; /* NUL-terminated */
};

/* Room for any formatted endpoint: family, address, port or a quoted path. */
#define ENDPOINT_STRLEN 512

/*
 * Decodes len bytes of a sockaddr. Returns 0 and fills *ret, or -EINVAL when the
 * length is too short or too long for the family (a hostile or broken tracee).
 * An unknown family decodes to its number with no address.
 * The address is the one the kernel sends to: an IPv4-mapped IPv6 address is its IPv4
 * address (mapped), and 0.0.0.0, :: and ::ffff:0.0.0.0 are 127.0.0.1 or ::1 (any).
 */
int sockaddr_decode(const void *buf, size_t len, struct endpoint *ret);

/* Where a message header keeps its destination. */
struct msg_name {
	uint64_t addr;  /* tracee pointer to the sockaddr, 0 for none */
	uint32_t len;   /* msg_namelen as the tracee wrote it */
};

/* Size of a struct msghdr / struct mmsghdr in the given ABI. */
size_t msghdr_size(enum abi abi);
size_t mmsghdr_size(enum abi abi);

/* Reads msg_name and msg_namelen out of the raw bytes of a struct msghdr (or of the
 * msghdr at the start of a struct mmsghdr). Returns 0, or -EINVAL if len is short. */
int msghdr_decode(const void *buf, size_t len, enum abi abi, struct msg_name *ret);

/* When the AF_INET or AF_INET6 address of ep is 0.0.0.0 or ::, which the kernel sends to
 * this host, replaces it by the loopback address it uses (127.0.0.1 or ::1), sets ep->any
 * and returns true. */
bool endpoint_resolve_any(struct endpoint *ep);

/* Formats "AF_INET, 203.0.113.1:80" and friends into buf (ENDPOINT_STRLEN bytes): the
 * family and address the program wrote, then what the kernel makes of them, as in
 * "AF_INET6, [::ffff:203.0.113.1]:80 (IPv4-mapped)" or "AF_INET, 0.0.0.0:80 (this host:
 * 127.0.0.1)". */
void endpoint_format(const struct endpoint *ep, char *buf, size_t size);

/* Formats just the address part as judged: "203.0.113.1" (also for ::ffff:203.0.113.1),
 * "127.0.0.1" for 0.0.0.0, "2001:db8::1", a unix path, "". */
void endpoint_format_address(const struct endpoint *ep, char *buf, size_t size);

/* "AF_INET", "AF_UNIX", ... or "AF_<number>". buf must hold 16 bytes. */
const char *family_name(int family, char *buf, size_t size);

/* True when the endpoint is in 127.0.0.0/8 or is ::1. */
bool endpoint_is_loopback(const struct endpoint *ep);
