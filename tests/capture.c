/* Test helper: a packet sink. Sees every packet on lo (an AF_PACKET socket) and appends a
 * line per IPv4 or IPv6 packet received to LOG: "ip4 DEST PROTOCOL" or "ip6 DEST NEXTHDR".
 * It sees what the kernel actually sent, whatever address the syscall named: a routing
 * header's first hop, a source route, an IGMP or MLD report.
 *   capture LOG
 * Writes "ready" to standard output once the socket is bound, then runs until killed. */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	FILE *log;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: capture LOG\n");
		return 2;
	}
	log = fopen(argv[1], "a");
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ll.sll_ifindex = (int)if_nametoindex("lo");
	if (!log || fd < 0 || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		perror("capture");
		return 1;
	}
	puts("ready");
	fflush(stdout);
	for (;;) {
		uint8_t p[65536];
		char dest[INET6_ADDRSTRLEN];
		struct sockaddr_ll from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, p, sizeof(p), 0, (struct sockaddr *)&from, &len);

		if (n < 1 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((p[0] >> 4) == 4 && n >= 20)
			fprintf(log, "ip4 %s %u\n", inet_ntop(AF_INET, p + 16, dest, sizeof(dest)), p[9]);
		else if ((p[0] >> 4) == 6 && n >= 40)
			fprintf(log, "ip6 %s %u\n", inet_ntop(AF_INET6, p + 24, dest, sizeof(dest)), p[6]);
		fflush(log);
	}
}
