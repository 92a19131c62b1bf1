/*
 * Fuzz target: the control data (ancillary messages) a tracee hands to sendmsg() and
 * sendmmsg(), in both ABIs (src/cmsg.c), and the message header it comes from.
 *
 * Input: the whole input is the control data, msg_controllen bytes of it; the same bytes
 * are also read as a struct msghdr. Checked besides memory safety (the data sits in a heap
 * buffer of exactly its size): cmsg_forbidden() returns 1, 0 or -EINVAL; a refusal names
 * a message of a level that reroutes; the verdict does not depend on bytes past the end.
 */

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "cmsg.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum abi abis[] = { ABI_X86_64, ABI_I386 };
	uint8_t *copy = malloc(size ? size : 1);
	struct msg_control mc;

	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	for (size_t i = 0; i < sizeof(abis) / sizeof(abis[0]); i++) {
		struct cmsg_hit hit = { 0 };
		int rc = cmsg_forbidden(copy, size, abis[i], &hit);

		FUZZ_ASSERT(rc == 1 || rc == 0 || rc == -EINVAL);
		if (rc == 1) {
			FUZZ_ASSERT(hit.name != NULL);
			FUZZ_ASSERT(hit.level == IPPROTO_IP || hit.level == IPPROTO_IPV6 ||
				    hit.level == SOL_SOCKET);
			FUZZ_ASSERT(sockopt_level_name(hit.level) != NULL);
		}
		rc = msghdr_control(copy, size, abis[i], &mc);
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
		FUZZ_ASSERT(rc == 0 ? size >= msghdr_size(abis[i]) : size < msghdr_size(abis[i]));
	}
	free(copy);
	return 0;
}
