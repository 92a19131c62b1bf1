/* Test helper: the check-then-use race from places where a tracer may lose sight of the
 * socket or the address. A flipper thread keeps rewriting the destination between an
 * allowed and a forbidden address (or msg_name between NULL and the forbidden address) while
 * another thread sends one UDP datagram per call:
 *   fdrace leader-exit ALLOWED PORT FORBIDDEN PORT N   the sends run after the group leader
 *                                                     has exited (pthread_exit in main)
 *   fdrace unshared ALLOWED PORT FORBIDDEN PORT N      the sending thread has its own fd table
 *                                                     (unshare(CLONE_FILES))
 *   fdrace null-name ALLOWED PORT FORBIDDEN PORT N     sendmsg() on an unconnected socket with
 *                                                     msg_name flipping between NULL and the
 *                                                     forbidden address
 * Prints "fdrace: S of N sends went through" at the end. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in allowed, forbidden, shared;
static struct msghdr msg;
static volatile int stop;
static const char *mode;
static long n;

static void parse(struct sockaddr_in *sin, const char *addr, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		exit(2);
}

static void *flipper(void *arg)
{
	(void)arg;
	while (!stop) {
		if (strcmp(mode, "null-name") == 0) {
			msg.msg_name = &forbidden;
			__asm__ volatile("" ::: "memory");
			msg.msg_name = NULL;
		} else {
			memcpy(&shared, &forbidden, sizeof(shared));
			__asm__ volatile("" ::: "memory");
			memcpy(&shared, &allowed, sizeof(shared));
		}
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

static void *sender(void *arg)
{
	char byte = 'x';
	struct iovec iov = { &byte, 1 };
	pthread_t t;
	long ok = 0;

	(void)arg;
	if (strcmp(mode, "unshared") == 0 && unshare(CLONE_FILES) < 0) {
		perror("unshare");
		exit(1);
	}
	memcpy(&shared, &allowed, sizeof(shared));
	msg = (struct msghdr){ .msg_namelen = sizeof(forbidden), .msg_iov = &iov, .msg_iovlen = 1 };
	pthread_create(&t, NULL, flipper, NULL);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		ssize_t rc = strcmp(mode, "null-name") == 0
			     ? sendmsg(fd, &msg, 0)
			     : sendto(fd, &byte, 1, 0, (struct sockaddr *)&shared, sizeof(shared));
		if (rc >= 0)
			ok++;
		close(fd);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("fdrace: %ld of %ld sends went through\n", ok, n);
	fflush(stdout);
	exit(0);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 7)
		return 2;
	mode = argv[1];
	parse(&allowed, argv[2], argv[3]);
	parse(&forbidden, argv[4], argv[5]);
	n = atol(argv[6]);
	pthread_create(&t, NULL, sender, NULL);
	if (strcmp(mode, "leader-exit") == 0)
		pthread_exit(NULL);
	pthread_join(t, NULL);
	return 0;
}
