/* Test helper: a function whose unwind information never ends, on the path of a leak.
 *   cfiloop ADDR PORT [N]
 * main -> spin_frame -> dial -> connect(ADDR, PORT), N times (default 1). spin_frame is
 * hand-written assembly whose CFI gives its CFA as a DWARF expression (DW_CFA_def_cfa_expression)
 * that is one backward DW_OP_skip onto itself: an unwinder that evaluates it without a bound
 * never returns. dial is a plain C function, so the frames below spin_frame unwind fine.
 * Prints "connect: ok" or "connect: failed" per call. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Calls fn() with the crafted CFI in force at the call: a frame pointer frame (push %rbp;
 * mov %rsp,%rbp) whose CFA rule is the expression 2f fd ff: DW_OP_skip -3, back to itself. */
int spin_frame(int (*fn)(void));
__asm__(".text\n"
	".globl spin_frame\n"
	".type spin_frame, @function\n"
	"spin_frame:\n"
	".cfi_startproc\n"
	"	pushq %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	/* DW_CFA_def_cfa_expression, 3 bytes: DW_OP_skip (0x2f), -3 as a 2-byte integer */
	".cfi_escape 0x0f, 0x03, 0x2f, 0xfd, 0xff\n"
	"	call *%rdi\n"
	"	popq %rbp\n"
	".cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size spin_frame, .-spin_frame\n");

static struct sockaddr_in dst;

__attribute__((noinline, noclone)) static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int rc = connect(fd, (struct sockaddr *)&dst, sizeof(dst));

	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	int n = argc > 3 ? atoi(argv[3]) : 1;

	if (argc < 3) {
		fprintf(stderr, "usage: cfiloop ADDR PORT [N]\n");
		return 2;
	}
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &dst.sin_addr);
	for (int i = 0; i < n; i++)
		printf("connect: %s\n", spin_frame(dial) == 0 ? "ok" : "failed");
	return 0;
}
