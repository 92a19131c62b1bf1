/* Proxy clients for redirect mode: SOCKS5, Tor's RESOLVE, HTTP CONNECT. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cleanup.h"
#include "io.h"
#include "socks.h"

void proxy_random_auth(char *user, char *pass, size_t size)
{
	uint8_t r[16] = { 0 };

	/* getrandom(2) of 16 bytes does not fail once the pool is ready; zeroes still work,
	 * they only fail to isolate. */
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	snprintf(user, size, "sockstrace-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
		 r[4], r[5], r[6], r[7]);
	snprintf(pass, size, "%02x%02x%02x%02x%02x%02x%02x%02x", r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

/* Method negotiation and RFC 1929 authentication. */
static int socks5_greet(int fd, const struct proxy_auth *auth, const struct timespec *deadline,
			const char **ret_why)
{
	/* With credentials, offer both "none" and "username/password": Tor picks the latter
	 * (and isolates by it); a proxy without authentication picks the former. */
	bool with_auth = auth && auth->user;
	uint8_t hello[4] = { 5, with_auth ? 2 : 1, 0, 2 };
	uint8_t reply[2], req[515];
	size_t ulen, plen;
	int rc;

	rc = io_exact(fd, hello, with_auth ? 4 : 3, true, deadline);
	if (rc == 0)
		rc = io_exact(fd, reply, sizeof(reply), false, deadline);
	if (rc < 0) {
		*ret_why = "the proxy did not answer the SOCKS5 greeting";
		return rc == -ECONNRESET ? -ECONNREFUSED : rc;
	}
	if (reply[0] != 5 || (reply[1] != 0 && (reply[1] != 2 || !with_auth))) {
		*ret_why = reply[1] == 0xff ? "the proxy accepts none of our authentication methods"
					    : "the proxy answered the greeting with something else";
		return reply[1] == 0xff ? -EACCES : -EPROTO;
	}
	if (reply[1] == 0)
		return 0;
	ulen = strlen(auth->user);
	plen = strlen(auth->pass ? auth->pass : "");
	if (ulen == 0 || ulen > 255 || plen > 255) {
		*ret_why = "proxy user name or password longer than 255 bytes";
		return -EINVAL;
	}
	req[0] = 1;
	req[1] = (uint8_t)ulen;
	memcpy(req + 2, auth->user, ulen);
	req[2 + ulen] = (uint8_t)plen;
	memcpy(req + 3 + ulen, auth->pass ? auth->pass : "", plen);
	rc = io_exact(fd, req, 3 + ulen + plen, true, deadline);
	if (rc == 0)
		rc = io_exact(fd, reply, sizeof(reply), false, deadline);
	if (rc < 0 || reply[1] != 0) {
		*ret_why = "the proxy refused the user name and password";
		return -EACCES;
	}
	return 0;
}

int socks5_reply_length(const uint8_t *buf, size_t len)
{
	if (len < 5 || buf[0] != 5)
		return -EPROTO;
	switch (buf[3]) {
	case 1: return 4 + 4 + 2;
	case 4: return 4 + 16 + 2;
	case 3: return 4 + 1 + buf[4] + 2;
	default: return -EPROTO;
	}
}

int socks5_parse_reply(const uint8_t *buf, size_t len, struct endpoint *ret, const char **ret_why)
{
	/* RFC 1928 section 6, with the errno a direct connect gives for each. */
	static const struct { int err; const char *why; } codes[] = {
		[1] = { ECONNREFUSED, "general SOCKS server failure" },
		[2] = { EACCES, "connection not allowed by ruleset" },
		[3] = { ENETUNREACH, "network unreachable" },
		[4] = { EHOSTUNREACH, "host unreachable" },
		[5] = { ECONNREFUSED, "connection refused" },
		[6] = { ETIMEDOUT, "TTL expired" },
		[7] = { EOPNOTSUPP, "command not supported" },
		[8] = { EAFNOSUPPORT, "address type not supported" },
	};
	int need = socks5_reply_length(buf, len);

	*ret = (struct endpoint){ .family = AF_UNSPEC };
	if (need < 0 || len < (size_t)need) {
		*ret_why = "malformed SOCKS5 reply";
		return -EPROTO;
	}
	if (buf[1] != 0) {
		if (buf[1] < ARRAY_SIZE(codes) && codes[buf[1]].why) {
			*ret_why = codes[buf[1]].why;
			return -codes[buf[1]].err;
		}
		*ret_why = "unknown SOCKS5 reply code";
		return -ECONNREFUSED;
	}
	if (buf[3] == 1) {
		ret->family = AF_INET;
		memcpy(ret->addr, buf + 4, 4);
		ret->port = (uint16_t)(buf[8] << 8 | buf[9]);
	} else if (buf[3] == 4) {
		ret->family = AF_INET6;
		memcpy(ret->addr, buf + 4, 16);
		ret->port = (uint16_t)(buf[20] << 8 | buf[21]);
	}
	*ret_why = "succeeded";
	return 0;
}

/* Sends a request (CONNECT 1, RESOLVE 0xF0) and reads the whole reply. */
static int socks5_request(int fd, uint8_t *req, size_t len, struct endpoint *ret,
			  const struct timespec *deadline, const char **ret_why)
{
	uint8_t reply[4 + 1 + 255 + 2];
	int rc, need;

	rc = io_exact(fd, req, len, true, deadline);
	if (rc == 0)
		rc = io_exact(fd, reply, 5, false, deadline);
	if (rc < 0) {
		*ret_why = "the proxy closed the connection or did not answer in time";
		return rc == -ECONNRESET ? -ECONNREFUSED : rc;
	}
	need = socks5_reply_length(reply, 5);
	if (need < 0) {
		*ret_why = "malformed SOCKS5 reply";
		return -EPROTO;
	}
	rc = io_exact(fd, reply + 5, (size_t)need - 5, false, deadline);
	if (rc < 0) {
		*ret_why = "truncated SOCKS5 reply";
		return -EPROTO;
	}
	return socks5_parse_reply(reply, (size_t)need, ret, ret_why);
}

int socks5_connect(int fd, const struct endpoint *dest, const struct proxy_auth *auth,
		   const char **ret_why)
{
	struct timespec deadline;
	struct endpoint bound;
	uint8_t req[4 + 16 + 2] = { 5, 1, 0 };
	size_t n = 4;
	int rc;

	io_deadline(&deadline, PROXY_TIMEOUT_MS);
	rc = socks5_greet(fd, auth, &deadline, ret_why);
	if (rc < 0)
		return rc;
	if (dest->family == AF_INET) {
		req[3] = 1;
		memcpy(req + n, dest->addr, 4);
		n += 4;
	} else if (dest->family == AF_INET6) {
		req[3] = 4;
		memcpy(req + n, dest->addr, 16);
		n += 16;
	} else {
		*ret_why = "not an IP destination";
		return -EAFNOSUPPORT;
	}
	req[n++] = (uint8_t)(dest->port >> 8);
	req[n++] = (uint8_t)dest->port;
	return socks5_request(fd, req, n, &bound, &deadline, ret_why);
}

int socks5_resolve(int fd, const char *name, const struct proxy_auth *auth,
		   struct endpoint *ret, const char **ret_why)
{
	struct timespec deadline;
	uint8_t req[4 + 1 + 255 + 2] = { 5, 0xf0, 0, 3 };
	size_t len = strlen(name);
	int rc;

	if (len == 0 || len > 255) {
		*ret_why = "name too long to resolve";
		return -EINVAL;
	}
	io_deadline(&deadline, PROXY_TIMEOUT_MS);
	rc = socks5_greet(fd, auth, &deadline, ret_why);
	if (rc < 0)
		return rc;
	req[4] = (uint8_t)len;
	memcpy(req + 5, name, len);
	/* Port 0: Tor ignores it for RESOLVE (socks-extensions.txt). */
	rc = socks5_request(fd, req, 5 + len + 2, ret, &deadline, ret_why);
	if (rc < 0)
		return rc == -EHOSTUNREACH || rc == -ECONNREFUSED ? -ENOENT : rc;
	ret->port = 0;
	return ret->family == AF_UNSPEC ? -EPROTO : 0;
}

int http_parse_status(const char *head, size_t len)
{
	int status = 0;

	/* "HTTP/1.x NNN" */
	if (len < 12 || memcmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ')
		return -EPROTO;
	for (int i = 9; i < 12; i++) {
		if (head[i] < '0' || head[i] > '9')
			return -EPROTO;
		status = status * 10 + (head[i] - '0');
	}
	return status;
}

int http_status_errno(int status, const char **ret_why)
{
	if (status >= 200 && status < 300) {
		*ret_why = "succeeded";
		return 0;
	}
	if (status == 403 || status == 407) {
		*ret_why = status == 403 ? "the proxy forbids it" : "the proxy wants authentication";
		return -EACCES;
	}
	if (status == 504) {
		*ret_why = "the proxy timed out";
		return -ETIMEDOUT;
	}
	*ret_why = "the proxy could not connect";
	return -ECONNREFUSED;
}

/* Base64 (RFC 4648) of src into dst, NUL-terminated; dst holds 4 * ((n + 2) / 3) + 1. */
static void base64(const uint8_t *src, size_t n, char *dst)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16 | (i + 1 < n ? (uint32_t)src[i + 1] << 8 : 0) |
			     (i + 2 < n ? src[i + 2] : 0);
		dst[o++] = tab[v >> 18 & 63];
		dst[o++] = tab[v >> 12 & 63];
		dst[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		dst[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	dst[o] = '\0';
}

int http_connect(int fd, const struct endpoint *dest, const struct proxy_auth *auth,
		 const char **ret_why)
{
	struct timespec deadline;
	char host[ENDPOINT_STRLEN], req[2048], head[4096], cred[520], b64[700];
	size_t n = 0;
	int rc, len;

	if (dest->family != AF_INET && dest->family != AF_INET6) {
		*ret_why = "not an IP destination";
		return -EAFNOSUPPORT;
	}
	io_deadline(&deadline, PROXY_TIMEOUT_MS);
	endpoint_format_address(dest, host, sizeof(host));
	len = snprintf(req, sizeof(req), dest->family == AF_INET6
		       ? "CONNECT [%s]:%u HTTP/1.1\r\nHost: [%s]:%u\r\n"
		       : "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n", host, dest->port, host, dest->port);
	if (auth && auth->user) {
		int c = snprintf(cred, sizeof(cred), "%s:%s", auth->user, auth->pass ? auth->pass : "");
		base64((const uint8_t *)cred, (size_t)c < sizeof(cred) ? (size_t)c : sizeof(cred) - 1, b64);
		len += snprintf(req + len, sizeof(req) - (size_t)len,
				"Proxy-Authorization: Basic %s\r\n", b64);
	}
	len += snprintf(req + len, sizeof(req) - (size_t)len, "\r\n");
	rc = io_exact(fd, req, (size_t)len, true, &deadline);
	/* Read the head a byte at a time: nothing past it may be consumed, it is the peer's. */
	while (rc == 0 && n < sizeof(head) - 1) {
		rc = io_exact(fd, head + n, 1, false, &deadline);
		n++;
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	if (rc < 0 || n < 4 || memcmp(head + n - 4, "\r\n\r\n", 4) != 0) {
		*ret_why = "the HTTP proxy did not answer the CONNECT";
		return rc == -ECONNRESET || rc == 0 ? -ECONNREFUSED : rc;
	}
	rc = http_parse_status(head, n);
	if (rc < 0) {
		*ret_why = "malformed HTTP response";
		return rc;
	}
	return http_status_errno(rc, ret_why);
}
