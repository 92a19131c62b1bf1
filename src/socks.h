/* Proxy clients for redirect mode: SOCKS5 (RFC 1928) with username/password authentication
 * (RFC 1929), Tor's RESOLVE extension, and HTTP CONNECT (RFC 9110) with Basic auth. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sockaddr.h"

/* Credentials for the proxy; user NULL for none. For Tor, distinct credentials put
 * connections on distinct circuits (IsolateSOCKSAuth). */
struct proxy_auth {
	const char *user;
	const char *pass;
};

/* Room for a generated user name or password. */
#define PROXY_CREDENTIAL_MAX 128

/* Fills user and pass (size bytes each) with fresh random credentials. */
void proxy_random_auth(char *user, char *pass, size_t size);

/* How long one handshake may take. */
#define PROXY_TIMEOUT_MS 30000

/*
 * Over fd, already connected to a SOCKS5 proxy (blocking or not): negotiates, authenticates
 * and asks it to CONNECT to dest (AF_INET or AF_INET6). Returns 0 once the proxy has
 * connected, or -errno: the proxy's reply mapped as a direct connect would fail
 * (ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ETIMEDOUT...), -EACCES when authentication was
 * refused, -EPROTO for a malformed reply. *ret_why says it in words (static).
 */
int socks5_connect(int fd, const struct endpoint *dest, const struct proxy_auth *auth,
		   const char **ret_why);

/* Over fd, connected to an HTTP proxy: CONNECT to dest. Returns as socks5_connect(). */
int http_connect(int fd, const struct endpoint *dest, const struct proxy_auth *auth,
		 const char **ret_why);

/* Over fd, connected to a SOCKS5 proxy with Tor's extensions: RESOLVE name (0xF0) to one
 * address. Returns 0 with *ret (port 0), or -errno (-ENOENT: the name does not resolve). */
int socks5_resolve(int fd, const char *name, const struct proxy_auth *auth,
		   struct endpoint *ret, const char **ret_why);

/* The pure parts, exposed for tests and fuzzing. */

/* Length of a SOCKS5 reply whose first bytes are buf (it needs at least 5), or -EPROTO. */
int socks5_reply_length(const uint8_t *buf, size_t len);

/* Checks a complete SOCKS5 reply; fills *ret with its bound address. Returns 0, or -errno
 * for the reply code (see socks5_connect) with *ret_why set. */
int socks5_parse_reply(const uint8_t *buf, size_t len, struct endpoint *ret, const char **ret_why);

/* The status code of an HTTP response head ("HTTP/1.1 200 ..."), or -EPROTO. */
int http_parse_status(const char *head, size_t len);

/* The errno a CONNECT answered with status should give. */
int http_status_errno(int status, const char **ret_why);
