/* Test helper: a hostile or broken tracee. Each call prints what the kernel (or sockstrace)
 * answered, as "WHAT: ok", "WHAT: N" or "WHAT: ENAME".
 *   hostile connect-fault                  connect() with an unmapped sockaddr pointer
 *   hostile connect-len ADDR PORT LEN      connect() with addrlen LEN (0, 1, 65535...)
 *   hostile sendmsg-fault                  sendmsg() with an unmapped msghdr pointer
 *   hostile sendmsg-name-fault             sendmsg() whose msg_name is unmapped
 *   hostile sendmsg-namelen ADDR PORT LEN  sendmsg() with msg_namelen LEN
 *   hostile sendmmsg ADDR PORT VLEN        one sendmmsg() of VLEN datagrams to ADDR PORT
 *   hostile page-edge ADDR PORT            connect() to a sockaddr_in that ends exactly where
 *                                          an unmapped page begins
 *   hostile page-straddle ADDR PORT        the same sockaddr_in, its last 8 bytes unmapped
 *   hostile kill-emulated                  a child's blocking connect() to a listener whose
 *                                          backlog is full; its parent SIGKILLs it meanwhile
 *   hostile exit-emulated                  the same connect() in a thread; the main thread
 *                                          exits the whole group meanwhile
 *   hostile storm NPROC NTHREADS ADDR PORT NPROC processes of NTHREADS threads, all released
 *                                          at once, each thread connect()s once
 *   hostile fork-bomb N [orphans] [ADDR PORT]  processes fork until N exist (a shared
 *                                          counter); each connect()s once when given ADDR
 *                                          PORT. Each reaps its children, or with orphans
 *                                          none does: the first exits at once, the others
 *                                          after 1 s.
 *   hostile reaper PROGRAM [ARG]...        runs PROGRAM as a child subreaper
 *                                          (PR_SET_CHILD_SUBREAPER): orphans of its tree are
 *                                          reaped here, not left to an init that may not
 *                                          reap; exits with PROGRAM's status
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in dst;

static void parse(const char *addr, const char *port)
{
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1) {
		fprintf(stderr, "hostile: bad IPv4 address %s\n", addr);
		exit(2);
	}
}

static void say(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		printf("%s: %ld\n", what, rc);
	fflush(stdout);
}

static int sock(int type)
{
	int fd = socket(AF_INET, type, 0);

	if (fd < 0) {
		perror("hostile: socket");
		exit(1);
	}
	return fd;
}

/* Two pages, the second unmapped: returns the end of the first. */
static uint8_t *page_edge(void)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p + page, (size_t)page) < 0) {
		perror("hostile: mmap");
		exit(1);
	}
	return p + page;
}

/* An address that no mapping covers. */
static void *unmapped(void)
{
	return page_edge();
}

/* A listener on 127.0.0.1 whose accept queue is full: a blocking connect() to it waits
 * (the kernel drops the SYN, tcp_conn_request()) until it is killed. */
static void full_listener(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int l = sock(SOCK_STREAM), filler = sock(SOCK_STREAM | SOCK_NONBLOCK);

	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 0) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0) {
		perror("hostile: listen");
		exit(1);
	}
	dst = sin;
	/* Backlog 0 queues one connection; this one fills it. */
	if (connect(filler, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS) {
		perror("hostile: connect (filler)");
		exit(1);
	}
	usleep(100000);
}

static void *blocking_connect(void *arg)
{
	(void)arg;
	connect(sock(SOCK_STREAM), (struct sockaddr *)&dst, sizeof(dst));
	printf("blocking connect returned: %s\n", strerrorname_np(errno));
	fflush(stdout);
	return NULL;
}

/* What the processes of storm and fork-bomb share. */
struct shared {
	atomic_long count;    /* storm: threads ready; fork-bomb: processes made */
	atomic_long refused;  /* connects that failed with ECONNREFUSED */
	atomic_long other;    /* connects that ended otherwise */
	atomic_long failed;   /* fork() or pthread_create() failures */
};
static struct shared *shared;

static void count_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno == ECONNREFUSED)
		atomic_fetch_add(&shared->refused, 1);
	else
		atomic_fetch_add(&shared->other, 1);
	if (fd >= 0)
		close(fd);
}

static int gate[2]; /* storm: every thread waits for EOF on gate[0] */

static void *storm_thread(void *arg)
{
	char c;

	(void)arg;
	atomic_fetch_add(&shared->count, 1);
	while (read(gate[0], &c, 1) < 0 && errno == EINTR)
		;
	count_connect();
	return NULL;
}

static void storm_process(int nthreads)
{
	pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
	pthread_attr_t attr;
	int n = 0;

	close(gate[1]);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&t[n], &attr, storm_thread, NULL) == 0)
			n++;
		else
			atomic_fetch_add(&shared->failed, 1);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

static int storm(int nproc, int nthreads)
{
	long want = (long)nproc * nthreads;
	int status;

	if (pipe(gate) < 0)
		return 1;
	for (int i = 0; i < nproc; i++) {
		pid_t pid = fork();
		if (pid == 0)
			storm_process(nthreads);
		if (pid < 0)
			atomic_fetch_add(&shared->failed, (long)nthreads);
	}
	close(gate[0]);
	/* Every thread waits at the gate; then all of them connect at once. */
	for (int i = 0; i < 30000 && atomic_load(&shared->count) + atomic_load(&shared->failed) < want; i++)
		usleep(1000);
	close(gate[1]);
	while (wait(&status) > 0)
		;
	printf("storm: %ld threads, %ld refused, %ld other, %ld not started\n",
	       atomic_load(&shared->count), atomic_load(&shared->refused),
	       atomic_load(&shared->other), atomic_load(&shared->failed));
	return 0;
}

static int fork_bomb(long n, bool orphans, bool connects)
{
	pid_t first = getpid();
	int status;

	atomic_store(&shared->count, 1); /* this process */
	if (connects)
		count_connect();
	while (atomic_fetch_add(&shared->count, 1) < n) {
		pid_t pid = fork();
		if (pid < 0) {
			atomic_fetch_add(&shared->failed, 1);
			break;
		}
		if (pid == 0 && connects)
			count_connect();
	}
	if (orphans) {
		if (getpid() != first)
			sleep(1);
	} else {
		while (wait(&status) > 0)
			;
	}
	if (getpid() == first) {
		/* count overshoots by one per process that found the limit reached */
		printf("fork-bomb: %ld processes, %ld refused, %ld other, %ld forks failed\n", n,
		       atomic_load(&shared->refused), atomic_load(&shared->other),
		       atomic_load(&shared->failed));
		fflush(stdout);
	}
	return 0;
}

static int reaper(char **argv)
{
	int status, program_status = 0;
	pid_t pid, program;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) < 0) {
		perror("hostile: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	program = fork();
	if (program == 0) {
		execvp(argv[0], argv);
		perror("hostile: exec");
		_exit(127);
	}
	while ((pid = wait(&status)) > 0 || (pid < 0 && errno == EINTR))
		if (pid == program)
			program_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return program_status;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	char byte = 'x';
	struct iovec iov = { &byte, 1 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	if (strcmp(cmd, "connect-fault") == 0) {
		say("connect bad pointer", connect(sock(SOCK_STREAM), unmapped(), sizeof(dst)));
		return 0;
	}
	if (strcmp(cmd, "connect-len") == 0 && argc == 5) {
		char what[64];
		parse(argv[2], argv[3]);
		snprintf(what, sizeof(what), "connect addrlen %s", argv[4]);
		say(what, connect(sock(SOCK_STREAM), (struct sockaddr *)&dst, (socklen_t)atol(argv[4])));
		return 0;
	}
	if (strcmp(cmd, "sendmsg-fault") == 0) {
		say("sendmsg bad msghdr", sendmsg(sock(SOCK_DGRAM), unmapped(), 0));
		return 0;
	}
	if (strcmp(cmd, "sendmsg-name-fault") == 0) {
		struct msghdr m = { .msg_name = unmapped(), .msg_namelen = sizeof(dst),
				    .msg_iov = &iov, .msg_iovlen = 1 };
		say("sendmsg bad msg_name", sendmsg(sock(SOCK_DGRAM), &m, 0));
		return 0;
	}
	if (strcmp(cmd, "sendmsg-namelen") == 0 && argc == 5) {
		/* Room for any msg_namelen the kernel accepts (it clamps to 128 bytes). */
		static struct sockaddr_storage ss;
		struct msghdr m = { .msg_name = &ss, .msg_namelen = (socklen_t)atol(argv[4]),
				    .msg_iov = &iov, .msg_iovlen = 1 };
		char what[64];
		parse(argv[2], argv[3]);
		memcpy(&ss, &dst, sizeof(dst));
		snprintf(what, sizeof(what), "sendmsg namelen %s", argv[4]);
		say(what, sendmsg(sock(SOCK_DGRAM), &m, 0));
		return 0;
	}
	if (strcmp(cmd, "sendmmsg") == 0 && argc == 5) {
		unsigned vlen = (unsigned)atol(argv[4]);
		struct mmsghdr *v = calloc(vlen ? vlen : 1, sizeof(*v));
		char what[64];
		parse(argv[2], argv[3]);
		for (unsigned i = 0; i < vlen; i++)
			v[i].msg_hdr = (struct msghdr){ .msg_name = &dst, .msg_namelen = sizeof(dst),
							.msg_iov = &iov, .msg_iovlen = 1 };
		snprintf(what, sizeof(what), "sendmmsg vlen %u", vlen);
		say(what, sendmmsg(sock(SOCK_DGRAM), v, vlen, 0));
		return 0;
	}
	if ((strcmp(cmd, "page-edge") == 0 || strcmp(cmd, "page-straddle") == 0) && argc == 4) {
		bool straddle = strcmp(cmd, "page-straddle") == 0;
		uint8_t *at = page_edge() - (straddle ? sizeof(dst) / 2 : sizeof(dst));
		parse(argv[2], argv[3]);
		memcpy(at, &dst, straddle ? sizeof(dst) / 2 : sizeof(dst));
		say(cmd, connect(sock(SOCK_STREAM), (struct sockaddr *)at, sizeof(dst)));
		return 0;
	}
	if (strcmp(cmd, "kill-emulated") == 0) {
		int status;
		pid_t pid;
		full_listener();
		pid = fork();
		if (pid == 0) {
			blocking_connect(NULL);
			_exit(0);
		}
		usleep(300000);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("child: %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited with status",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		return 0;
	}
	if (strcmp(cmd, "exit-emulated") == 0) {
		pthread_t t;
		full_listener();
		pthread_create(&t, NULL, blocking_connect, NULL);
		usleep(300000);
		printf("exiting with the connect in progress\n");
		exit(0);
	}
	if (strcmp(cmd, "storm") == 0 && argc == 6) {
		parse(argv[4], argv[5]);
		return storm(atoi(argv[2]), atoi(argv[3]));
	}
	if (strcmp(cmd, "reaper") == 0 && argc >= 3)
		return reaper(argv + 2);
	if (strcmp(cmd, "fork-bomb") == 0 && argc >= 3) {
		bool orphans = argc > 3 && strcmp(argv[3], "orphans") == 0;
		if (argc == 5 + orphans)
			parse(argv[3 + orphans], argv[4 + orphans]);
		return fork_bomb(atol(argv[2]), orphans, argc == 5 + orphans);
	}
	fprintf(stderr, "hostile: unknown or incomplete call %s\n", cmd);
	return 2;
}
