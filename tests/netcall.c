/* Test helper: makes one kind of network call and prints its result.
 *   netcall connect ADDR PORT [tcp|udp]   connect() a socket
 *   netcall listen ADDR PORT              bind() a TCP socket there, listen(), wait 1 s
 *   netcall listen-unbound ADDR PORT      listen() on an unbound TCP socket of ADDR's family
 *   netcall udp-bind ADDR PORT            bind() a UDP socket there
 *   netcall udp-connect-send ADDR PORT    connect() a UDP socket, then send()
 *   netcall sendto ADDR PORT              sendto() a UDP datagram
 *   netcall sendto-unspec ADDR PORT       sendto() with an AF_UNSPEC address (IPv4 only)
 *   netcall sendmsg ADDR PORT             sendmsg() with msg_name
 *   netcall sendmmsg ADDR PORT [ADDR PORT]...  one sendmmsg() to each
 *   netcall raw-connect ADDR PORT         syscall(SYS_connect), no libc wrapper
 *   netcall vfork-connect ADDR PORT       a vfork() child connects with raw syscalls
 *   netcall closefds-connect ADDR PORT FILE  close every fd above 2, put FILE on each
 *                                         number up to 255, then connect()
 *   netcall reuse-fd-connect ADDR PORT    close every fd above 2, put one end of a new
 *                                         SOCK_SEQPACKET pair on each number up to 255,
 *                                         connect(), then print "stolen: N", the datagrams
 *                                         that reached the other end
 *   netcall socketcall-connect ADDR PORT  i386 only: socketcall(SYS_CONNECT, ...)
 *   netcall fork-connect ADDR PORT        a child process connects
 *   netcall thread-connect ADDR PORT      a second thread connects
 *   netcall late-thread-connect ADDR PORT a second thread connects after a second
 *   netcall daemon-connect ADDR PORT      a double-forked daemon connects after its parent exits
 *   netcall resolve NAME                  getaddrinfo()
 *   netcall spin N                        N cheap non-network syscalls
 * Prints "CALL: ok" or "CALL: ENAME" and exits 0 on success, 1 on failure, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <linux/net.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_storage dst;
static socklen_t dst_len;

static void parse_addr(const char *addr, const char *port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&dst;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst;

	memset(&dst, 0, sizeof(dst));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(port));
		dst_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(port));
		dst_len = sizeof(*sin6);
	} else {
		fprintf(stderr, "netcall: bad address %s\n", addr);
		exit(2);
	}
}

static int result(const char *call, int rc)
{
	int e = errno;

	if (rc >= 0) {
		printf("%s: ok\n", call);
		fflush(stdout);
		return 0;
	}
	printf("%s: %s\n", call, strerrorname_np(e) ? strerrorname_np(e) : "?");
	fflush(stdout);
	return 1;
}

static int sock(int type)
{
	int fd = socket(dst.ss_family, type, 0);

	if (fd < 0) {
		perror("netcall: socket");
		exit(1);
	}
	return fd;
}

static int do_connect(int type)
{
	return result("connect", connect(sock(type), (struct sockaddr *)&dst, dst_len));
}

/*
 * A program that closes every descriptor it did not open and reuses the numbers, as daemons
 * do: an LD_PRELOAD shim must not write into what now sits on its old descriptor. With file,
 * the numbers get that file; without, one end of a new socket pair of the shim's own type,
 * whose other end then tells what was written to it.
 */
static int closefds_connect(const char *file)
{
	int fd, pair[2], spy = -1, rc, stolen = 0;
	char buf[512];

	close_range(3, ~0U, 0);
	if (file) {
		fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644);
	} else if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) == 0) {
		spy = fcntl(pair[1], F_DUPFD, 300);
		close(pair[1]);
		fd = pair[0];
	} else {
		fd = -1;
	}
	if (fd < 0) {
		perror("netcall: closefds");
		exit(1);
	}
	for (int n = 3; n < 256; n++)
		if (n != fd && n != spy)
			dup2(fd, n);
	rc = do_connect(SOCK_STREAM);
	if (spy >= 0) {
		while (recv(spy, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			stolen++;
		printf("stolen: %d\n", stolen);
	}
	return rc;
}

static void *thread_main(void *arg)
{
	if (arg)
		sleep(1);
	return (void *)(long)do_connect(SOCK_STREAM);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	char payload[] = "leak";

	if (strcmp(cmd, "spin") == 0 && argc == 3) {
		for (long i = atol(argv[2]); i > 0; i--)
			syscall(SYS_getppid);
		return 0;
	}
	if (strcmp(cmd, "resolve") == 0 && argc == 3) {
		struct addrinfo *ai;
		int rc = getaddrinfo(argv[2], "80", NULL, &ai);
		printf("resolve: %s\n", rc == 0 ? "ok" : gai_strerror(rc));
		return rc != 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: netcall CALL ADDR PORT...\n");
		return 2;
	}
	parse_addr(argv[2], argv[3]);
	if (strcmp(cmd, "connect") == 0)
		return do_connect(argc > 4 && strcmp(argv[4], "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM);
	if (strcmp(cmd, "listen") == 0) {
		/* bind() to ADDR PORT, then listen() and wait a moment for a connection. */
		int fd = sock(SOCK_STREAM), one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (result("bind", bind(fd, (struct sockaddr *)&dst, dst_len)) ||
		    result("listen", listen(fd, 8)))
			return 1;
		sleep(1);
		return 0;
	}
	if (strcmp(cmd, "listen-unbound") == 0)
		return result("listen", listen(sock(SOCK_STREAM), 8));
	if (strcmp(cmd, "udp-bind") == 0)
		return result("bind", bind(sock(SOCK_DGRAM), (struct sockaddr *)&dst, dst_len));
	if (strcmp(cmd, "udp-connect-send") == 0) {
		int fd = sock(SOCK_DGRAM);
		if (result("connect", connect(fd, (struct sockaddr *)&dst, dst_len)))
			return 1;
		return result("send", (int)send(fd, payload, sizeof(payload), 0));
	}
	if (strcmp(cmd, "sendto") == 0)
		return result("sendto", (int)sendto(sock(SOCK_DGRAM), payload, sizeof(payload), 0,
						    (struct sockaddr *)&dst, dst_len));
	if (strcmp(cmd, "sendto-unspec") == 0) {
		int fd = sock(SOCK_DGRAM);
		dst.ss_family = AF_UNSPEC;
		return result("sendto", (int)sendto(fd, payload, sizeof(payload), 0,
						    (struct sockaddr *)&dst, dst_len));
	}
	if (strcmp(cmd, "sendmsg") == 0) {
		struct iovec iov = { payload, sizeof(payload) };
		struct msghdr msg = { .msg_name = &dst, .msg_namelen = dst_len, .msg_iov = &iov,
				      .msg_iovlen = 1 };
		return result("sendmsg", (int)sendmsg(sock(SOCK_DGRAM), &msg, 0));
	}
	if (strcmp(cmd, "sendmmsg") == 0) {
		int n = (argc - 2) / 2, fd = sock(SOCK_DGRAM);
		struct sockaddr_storage addrs[16];
		struct iovec iov = { payload, sizeof(payload) };
		struct mmsghdr msgs[16];

		for (int i = 0; i < n && i < 16; i++) {
			parse_addr(argv[2 + 2 * i], argv[3 + 2 * i]);
			addrs[i] = dst;
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &addrs[i],
				.msg_namelen = dst_len, .msg_iov = &iov, .msg_iovlen = 1 } };
		}
		return result("sendmmsg", sendmmsg(fd, msgs, (unsigned)n, 0));
	}
	if (strcmp(cmd, "vfork-connect") == 0) {
		int status;
		pid_t pid = vfork();
		if (pid == 0) {
			/* Only raw syscalls: the child borrows its parent's memory and stack. */
			long fd = syscall(SYS_socket, dst.ss_family, SOCK_STREAM, 0);
			_exit(syscall(SYS_connect, fd, &dst, dst_len) == 0 ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		printf("connect: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	if (strcmp(cmd, "closefds-connect") == 0 && argc == 5)
		return closefds_connect(argv[4]);
	if (strcmp(cmd, "reuse-fd-connect") == 0)
		return closefds_connect(NULL);
	if (strcmp(cmd, "raw-connect") == 0)
		return result("connect", (int)syscall(SYS_connect, sock(SOCK_STREAM), &dst, dst_len));
#ifdef SYS_socketcall
	if (strcmp(cmd, "socketcall-connect") == 0) {
		unsigned long args[3] = { (unsigned long)sock(SOCK_STREAM), (unsigned long)&dst, dst_len };
		return result("connect", (int)syscall(SYS_socketcall, SYS_CONNECT, args));
	}
#endif
	if (strcmp(cmd, "fork-connect") == 0) {
		int status;
		pid_t pid = fork();
		if (pid == 0)
			_exit(do_connect(SOCK_STREAM));
		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	if (strcmp(cmd, "thread-connect") == 0 || strcmp(cmd, "late-thread-connect") == 0) {
		pthread_t t;
		void *rc;
		pthread_create(&t, NULL, thread_main, cmd[0] == 'l' ? &t : NULL);
		pthread_join(t, &rc);
		return (int)(long)rc;
	}
	if (strcmp(cmd, "daemon-connect") == 0) {
		if (fork() != 0)
			return 0;
		setsid();
		if (fork() != 0)
			_exit(0);
		usleep(300000); /* the parents are gone by now */
		_exit(do_connect(SOCK_STREAM));
	}
	fprintf(stderr, "netcall: unknown call %s\n", cmd);
	return 2;
}
