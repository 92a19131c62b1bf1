/* Test helper: one SOCKS5 (RFC 1928) CONNECT through a proxy, no authentication.
 *   socks5c PROXY-ADDR PROXY-PORT DEST-ADDR DEST-PORT
 * Prints "socks5: ok" and exits 0 when the proxy reports success, else "socks5: WHY" and
 * exits 1. Built with AddressSanitizer too: a clean binary whose LeakSanitizer runs at exit. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *why)
{
	printf("socks5: %s\n", why);
	return 1;
}

/* Reads exactly len bytes. */
static int read_all(int fd, unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in proxy = { .sin_family = AF_INET };
	unsigned char hello[] = { 5, 1, 0 }, req[10] = { 5, 1, 0, 1 }, reply[10];
	struct in_addr dest;
	uint16_t port;
	char *heap;
	int fd;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &proxy.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], &dest) != 1)
		return 2;
	proxy.sin_port = htons((uint16_t)atoi(argv[2]));
	port = htons((uint16_t)atoi(argv[4]));
	memcpy(req + 4, &dest, 4);
	memcpy(req + 8, &port, 2);
	/* Something on the heap, freed: LeakSanitizer has work to do and finds nothing. */
	heap = strdup(argv[3]);
	free(heap);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&proxy, sizeof(proxy)) < 0)
		return fail("cannot reach the proxy");
	if (write(fd, hello, sizeof(hello)) != sizeof(hello) || read_all(fd, reply, 2) < 0 ||
	    reply[0] != 5 || reply[1] != 0)
		return fail("no method accepted");
	if (write(fd, req, sizeof(req)) != sizeof(req) || read_all(fd, reply, 10) < 0)
		return fail("no reply");
	if (reply[1] != 0)
		return fail("refused");
	close(fd);
	return printf("socks5: ok\n") < 0;
}
