/* Test helper: main -> f0 -> f1 -> f2 -> f3 -> dial -> connect(ADDR, PORT), from main or a
 * thread; dial is always inlined into f3.
 *   stackchain ADDR PORT [thread]
 * The stack tests match these names, innermost first, in sockstrace's report, and the
 * symbols test the lines marked "call site". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

int f0(void);
int f1(void);
int f2(void);
int f3(void);

static struct sockaddr_in dst;
/* Work after each call keeps it from being a tail call, so every frame stays. */
static volatile int depth;

static inline __attribute__((always_inline)) int dial(int fd)
{
	return connect(fd, (struct sockaddr *)&dst, sizeof(dst)); /* call site: connect */
}

NOINLINE int f3(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int rc = dial(fd); /* call site: dial */

	depth++;
	close(fd);
	return rc;
}

NOINLINE int f2(void) { int rc = f3(); depth++; return rc; }
NOINLINE int f1(void) { int rc = f2(); depth++; return rc; }
NOINLINE int f0(void) { int rc = f1(); depth++; return rc; }

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)(long)f0();
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: stackchain ADDR PORT [thread]\n");
		return 2;
	}
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &dst.sin_addr);
	if (argc > 3 && strcmp(argv[3], "thread") == 0) {
		pthread_t t;
		void *ret;
		pthread_create(&t, NULL, thread_main, NULL);
		pthread_join(t, &ret);
		rc = (int)(long)ret;
	} else {
		rc = f0();
	}
	depth++;
	printf("connect: %s\n", rc == 0 ? "ok" : "failed");
	return rc != 0;
}
