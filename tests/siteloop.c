/* Test helper: leaks from two call sites in a loop.
 *   siteloop ADDR PORT NA NB
 * leak_a() connects to ADDR:PORT NA times, then leak_b() connects NB times, each from its
 * own socket: the sites test expects NA leaks at one site and NB at another. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

int leak_a(const struct sockaddr_in *dst);
int leak_b(const struct sockaddr_in *dst);

/* Work after the call keeps it from being a tail call, so the caller's frame stays. */
static volatile int calls;

static int leak_once(const struct sockaddr_in *dst)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int rc = connect(fd, (const struct sockaddr *)dst, sizeof(*dst));

	close(fd);
	return rc;
}

NOINLINE int leak_a(const struct sockaddr_in *dst) { int rc = leak_once(dst); calls++; return rc; }
NOINLINE int leak_b(const struct sockaddr_in *dst) { int rc = leak_once(dst); calls++; return rc; }

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int na, nb, failed = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: siteloop ADDR PORT NA NB\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &dst.sin_addr);
	na = atoi(argv[3]);
	nb = atoi(argv[4]);
	for (int i = 0; i < na; i++)
		failed += leak_a(&dst) != 0;
	for (int i = 0; i < nb; i++)
		failed += leak_b(&dst) != 0;
	printf("%d of %d connects failed\n", failed, na + nb);
	return 0;
}
