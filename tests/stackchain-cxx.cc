// Test helper: the C++ call chain main -> chain::f0 -> chain::Dialer<int>::f1 ->
// chain::f2<short> -> connect(ADDR, PORT), for demangled names of a namespace and templates.
//   stackchain-cxx ADDR PORT
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

namespace chain {

static sockaddr_in dst;
static volatile int depth;

template <typename T> NOINLINE int f2(T tag)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int rc = connect(fd, reinterpret_cast<sockaddr *>(&dst), sizeof(dst)); // call site: connect

	depth += tag;
	close(fd);
	return rc;
}

template <typename T> struct Dialer {
	static NOINLINE int f1(T tag) { int rc = f2<short>(static_cast<short>(tag)); depth++; return rc; }
};

NOINLINE int f0() { int rc = Dialer<int>::f1(1); depth++; return rc; }

} // namespace chain

int main(int argc, char **argv)
{
	if (argc < 3) {
		std::fprintf(stderr, "usage: stackchain-cxx ADDR PORT\n");
		return 2;
	}
	chain::dst.sin_family = AF_INET;
	chain::dst.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
	inet_pton(AF_INET, argv[1], &chain::dst.sin_addr);
	int rc = chain::f0();
	std::printf("connect: %s\n", rc == 0 ? "ok" : "failed");
	return rc != 0;
}
