/* The seccomp filter loaded into the traced program. */

#include <errno.h>
#include <unistd.h>

#include "filter.h"
#include "syscalls.h"

/*
 * Adds the table's rules to ctx. With compare_args, a row's dest_arg is compared in the
 * filter (sendto() without an address never stops). Never on i386: libseccomp maps
 * socketcall(2) for us, but an argument comparison there would test socketcall's own
 * registers, not the sub-call's arguments in the block they point to.
 */
static int add_rules(scmp_filter_ctx ctx, bool compare_args, bool allow_io_uring)
{
	int rc;

	for (size_t i = 0; i < syscall_count; i++) {
		const struct syscall_def *d = &syscall_table[i];
		int nr = seccomp_syscall_resolve_name(d->name);

		if (compare_args && d->dest_arg >= 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					      SCMP_CMP((unsigned)d->dest_arg, SCMP_CMP_NE, 0));
		else
			rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
		if (rc < 0)
			return rc;
	}
	/* io_uring performs connect and send in the kernel, where no filter sees them. */
	if (!allow_io_uring) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(io_uring_setup), 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A context for one architecture with the common attributes. */
static int new_ctx(uint32_t arch, bool compare_args, bool allow_io_uring, scmp_filter_ctx *ret)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (!ctx)
		return -ENOMEM;
	rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	if (rc == 0)
		rc = seccomp_arch_add(ctx, arch);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, geteuid() != 0);
	if (rc == 0)
		rc = add_rules(ctx, compare_args, allow_io_uring);
	if (rc < 0) {
		seccomp_release(ctx);
		return rc;
	}
	*ret = ctx;
	return 0;
}

int filter_build(bool allow_io_uring, scmp_filter_ctx *ret)
{
	scmp_filter_ctx native, compat;
	int rc;

	rc = new_ctx(SCMP_ARCH_X86_64, true, allow_io_uring, &native);
	if (rc < 0)
		return rc;
	rc = new_ctx(SCMP_ARCH_X86, false, allow_io_uring, &compat);
	if (rc < 0) {
		seccomp_release(native);
		return rc;
	}
	/* seccomp_merge() releases compat only when it succeeds. */
	rc = seccomp_merge(native, compat);
	if (rc < 0) {
		seccomp_release(compat);
		seccomp_release(native);
		return rc;
	}
	*ret = native;
	return 0;
}
