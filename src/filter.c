/* The seccomp filter loaded into the traced program. */

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "filter.h"
#include "syscalls.h"

/* argument arg == v, looking at the low 32 bits only: the kernel reads an int argument from
 * the low half of the register, whatever the high half holds. (libseccomp's SCMP_CMP32 still
 * requires the high half to be zero, so a program could set it and slip past.) */
#define LOW32_EQ(arg, v) SCMP_CMP64(arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)(v))

/* What the filter does with an intercepted call: notify sockstrace's listener. */
#define INTERCEPT SCMP_ACT_NOTIFY

/* Adds one rule, returning 0 or -errno. */
#define RULE(ctx, action, name, ...) \
	seccomp_rule_add(ctx, action, SCMP_SYS(name), __VA_ARGS__)

/*
 * Raw, packet and ICMP sockets send without an address a proxy could carry: socket() fails
 * with EACCES for them.
 */
static int deny_sockets(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; i < denied_socket_count && rc == 0; i++) {
		const struct socket_kind *k = &denied_sockets[i];
		struct scmp_arg_cmp cmp[3];
		unsigned n = 0;

		cmp[n++] = LOW32_EQ(0, k->family);
		if (k->type >= 0)
			cmp[n++] = SCMP_CMP64(1, SCMP_CMP_MASKED_EQ, 0xf, (uint32_t)k->type);
		if (k->protocol >= 0)
			cmp[n++] = LOW32_EQ(2, k->protocol);
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), n, cmp);
	}
	return rc;
}

/*
 * Adds the rules to ctx. native: the x86_64 filter, where a row's dest_arg is compared
 * (sendto() without an address never stops) and socket() is judged by argument. Never on
 * i386: libseccomp maps socketcall(2) for us, but an argument comparison there would test
 * socketcall's own registers, not the sub-call's arguments in the block they point to; so
 * there every row stops and the tracer decides.
 */
static int add_rules(scmp_filter_ctx ctx, bool native, bool allow_io_uring)
{
	int rc = 0;

	for (size_t i = 0; i < syscall_count && rc == 0; i++) {
		const struct syscall_def *d = &syscall_table[i];
		int nr = seccomp_syscall_resolve_name(d->name);

		if ((native && d->compat_only) || d->own_rules)
			continue;
		if (native && d->dest_arg >= 0)
			rc = seccomp_rule_add(ctx, INTERCEPT, nr, 1,
					      SCMP_CMP((unsigned)d->dest_arg, SCMP_CMP_NE, 0));
		else
			rc = seccomp_rule_add(ctx, INTERCEPT, nr, 0);
	}
	if (rc == 0 && native)
		rc = deny_sockets(ctx);
	/* io_uring performs connect and send in the kernel, where no filter sees them. */
	if (rc == 0 && !allow_io_uring)
		rc = RULE(ctx, SCMP_ACT_ERRNO(EPERM), io_uring_setup, 0);
	/*
	 * The tracee must not change the rules. A filter of its own that returns
	 * SECCOMP_RET_USER_NOTIF outranks our TRACE, and its supervisor could let a connect
	 * continue unseen (seccomp(2)); without a listener such a filter cannot be made.
	 */
	if (rc == 0)
		rc = RULE(ctx, SCMP_ACT_ERRNO(EPERM), seccomp, 2,
			  LOW32_EQ(0, SECCOMP_SET_MODE_FILTER),
			  SCMP_A1_64(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
				     SECCOMP_FILTER_FLAG_NEW_LISTENER));
	/* Nor act through a process outside the traced tree: attaching to one, or writing its
	 * memory, would make it a puppet that sends unseen. sockstrace decides (a process of
	 * the tree may be traced: its calls still come to us), and so it sees
	 * PTRACE_O_SUSPEND_SECCOMP, which is always denied. */
	if (rc == 0)
		rc = RULE(ctx, INTERCEPT, ptrace, 1, LOW32_EQ(0, PTRACE_ATTACH));
	if (rc == 0)
		rc = RULE(ctx, INTERCEPT, ptrace, 1, LOW32_EQ(0, PTRACE_SEIZE));
	if (rc == 0)
		rc = RULE(ctx, INTERCEPT, ptrace, 1, LOW32_EQ(0, PTRACE_SETOPTIONS));
	if (rc == 0)
		rc = RULE(ctx, SCMP_ACT_ERRNO(EPERM), process_vm_writev, 0);
	return rc;
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
