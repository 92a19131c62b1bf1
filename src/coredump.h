/* --core-dump: an ELF core file of a leaking process, written while it stays stopped at the
 * leak, for gdb. Nothing is killed; other threads of the process keep running meanwhile. */
#pragma once

#include <stddef.h>
#include <sys/types.h>
#include <sys/user.h>

/*
 * Writes a core file of process tgid to path: every readable mapping (unreadable pages as
 * zeros; mappings over 256 MiB, and all beyond 1 GiB of file, described but not copied), the registers regs of the stopped thread tid (NT_PRSTATUS), NT_PRPSINFO with comm,
 * NT_AUXV and NT_FILE, so that `gdb PROGRAM CORE` shows where the leak came from.
 * Returns 0 or -errno.
 */
int coredump_write(const char *path, pid_t tgid, pid_t tid, const struct user_regs_struct *regs,
		   const char *comm);
