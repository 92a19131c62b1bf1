/* Test helper: a leak sink. Listens on TCP and UDP at each ADDR PORT and appends one line
 * per connection or datagram to LOG ("tcp ADDR PORT" / "udp ADDR PORT"). A TCP peer gets a
 * short HTTP answer, so that clean traffic through a proxy has something to fetch.
 *   sink LOG ADDR PORT [ADDR PORT]...
 * Writes "ready" to standard output once every socket is bound, then runs until killed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOCKS 32

static const char answer[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
			     "Content-Length: 16\r\n\r\nhello from sink\n";

static int bind_one(const char *addr, const char *port, int type)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(port));
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(port));
		len = sizeof(*sin6);
	} else {
		fprintf(stderr, "sink: bad address %s\n", addr);
		exit(2);
	}
	fd = socket(ss.ss_family, type, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		fprintf(stderr, "sink: cannot listen on %s %s: %m\n", addr, port);
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct pollfd pfd[MAX_SOCKS];
	char label[MAX_SOCKS][80];
	int n = 0;
	FILE *log;

	if (argc < 4 || (argc - 2) % 2 || (argc - 2) > MAX_SOCKS) {
		fprintf(stderr, "usage: sink LOG ADDR PORT [ADDR PORT]...\n");
		return 2;
	}
	log = fopen(argv[1], "a");
	if (!log) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 2; i + 1 < argc; i += 2)
		for (int type = 0; type < 2; type++) {
			pfd[n] = (struct pollfd){ .fd = bind_one(argv[i], argv[i + 1],
					type ? SOCK_DGRAM : SOCK_STREAM), .events = POLLIN };
			snprintf(label[n], sizeof(label[n]), "%s %s %s", type ? "udp" : "tcp",
				 argv[i], argv[i + 1]);
			n++;
		}
	puts("ready");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			char buf[2048];
			if (!(pfd[i].revents & POLLIN))
				continue;
			fprintf(log, "%s\n", label[i]);
			fflush(log);
			if (label[i][0] == 'u') {
				if (recv(pfd[i].fd, buf, sizeof(buf), 0) < 0)
					perror("sink: recv");
			} else {
				int c = accept(pfd[i].fd, NULL, NULL);
				struct pollfd in = { .fd = c, .events = POLLIN };
				if (c < 0)
					continue;
				if (poll(&in, 1, 1000) > 0 && recv(c, buf, sizeof(buf), 0) > 0 &&
				    write(c, answer, sizeof(answer) - 1) < 0)
					perror("sink: write");
				close(c);
			}
		}
	}
}
