/* The stack and core file of a leaking thread in a ptrace stop. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "coredump.h"
#include "engine.h"

void leaker_take_stack(const struct settings *s, pid_t tid, struct leaker *l)
{
	static unsigned long serial;
	struct user_regs_struct regs;
	int rc;

	if (s->stack) {
		l->n_frames = (l->i386 ? unwind_stack32 : unwind_stack)(l->tgid, tid, l->frames,
									  s->stack_depth,
									  &l->stack_why);
		if (l->n_frames < 0)
			l->n_frames = 0;
	}
	if (!s->core_dump)
		return;
	if (l->i386) {
		l->core_why = "32-bit tracee, no core file";
		return;
	}
	snprintf(l->core, sizeof(l->core), "%s/core.sockstrace.%d.%lu", s->core_dump, l->tgid,
		 ++serial);
	rc = ptrace(PTRACE_GETREGS, tid, 0L, &regs) < 0 ? -errno
	     : coredump_write(l->core, l->tgid, tid, &regs, l->comm);
	if (rc < 0) {
		l->core[0] = '\0';
		l->core_why = strerror(-rc);
	}
}
