/* The seccomp filter loaded into the traced program: generated from the syscall table. */

#include <errno.h>
#include <unistd.h>

#include "filter.h"
#include "syscalls.h"

/* What the filter does with a call the syscall table intercepts. */
#define INTERCEPT SCMP_ACT_NOTIFY

/*
 * Adds rule r of syscall nr. The comparisons are masked: libseccomp's SCMP_CMP32 still
 * requires the high half of the register to be zero, which the program controls, while the
 * kernel reads an int argument from the low half alone. compat: the i386 filter, where the
 * kernel reads 32-bit registers: only the low half is ever compared.
 */
static int add_rule(scmp_filter_ctx ctx, int nr, const struct arg_rule *r, bool compat)
{
	struct scmp_arg_cmp cmp[3];
	uint64_t width = compat ? 0xffffffffULL : ~0ULL;

	for (unsigned k = 0; k < r->n_conds; k++)
		cmp[k] = SCMP_CMP64(r->cond[k].arg, SCMP_CMP_MASKED_EQ, r->cond[k].mask & width,
				    r->cond[k].value & width);
	return seccomp_rule_add_array(ctx, INTERCEPT, nr, r->n_conds, cmp);
}

/*
 * Adds the rules of row d to ctx, leaving out the rules that allow lifts. native: the x86_64
 * filter, where a row's dest_arg is compared (sendto() without an address never stops).
 * On i386 the socket calls stop by number alone: an argument comparison on socketcall(2)
 * would test socketcall's own registers, not the sub-call's arguments in the block they
 * point to, so there the tracer decides (syscall_rule_match()).
 */
static int add_row(scmp_filter_ctx ctx, const struct syscall_def *d, bool native, unsigned allow)
{
	int nr = seccomp_syscall_resolve_name(d->name);
	int rc = 0;

	if (native && d->dest_arg >= 0)
		return seccomp_rule_add(ctx, INTERCEPT, nr, 1,
					SCMP_CMP((unsigned)d->dest_arg, SCMP_CMP_NE, 0));
	if (!d->rules || (!native && d->socketcall))
		return seccomp_rule_add(ctx, INTERCEPT, nr, 0);
	for (size_t i = 0; i < d->n_rules && rc == 0; i++)
		if (!(d->rules[i].unless & allow))
			rc = add_rule(ctx, nr, &d->rules[i], !native);
	return rc;
}

static int add_rules(scmp_filter_ctx ctx, bool native, unsigned allow)
{
	int rc = 0;

	for (size_t i = 0; i < syscall_count && rc == 0; i++)
		rc = add_row(ctx, &syscall_table[i], native, allow);
	/* Sub-calls without a row of their own stop too: the sub-call number is a register
	 * whose high half the kernel ignores, and only the tracer compares 32 bits of it. */
	if (rc == 0 && !native)
		rc = seccomp_rule_add(ctx, INTERCEPT, SCMP_SYS(socketcall), 0);
	return rc;
}

/* A context for one architecture with the common attributes. */
static int new_ctx(uint32_t arch, bool native, unsigned allow, scmp_filter_ctx *ret)
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
	/* A binary tree of syscall numbers (libseccomp 2.5): every syscall of the program runs
	 * the filter, and a linear list of the table's rows cost ~250 ns each on getppid(). */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0)
		rc = add_rules(ctx, native, allow);
	if (rc < 0) {
		seccomp_release(ctx);
		return rc;
	}
	*ret = ctx;
	return 0;
}

int filter_build(unsigned allow, scmp_filter_ctx *ret)
{
	scmp_filter_ctx native, compat;
	int rc;

	rc = new_ctx(SCMP_ARCH_X86_64, true, allow, &native);
	if (rc < 0)
		return rc;
	rc = new_ctx(SCMP_ARCH_X86, false, allow, &compat);
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
