/* Socket option values copied out of a tracee, converted from the i386 layouts. */

#include <errno.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "sockopt.h"
#include "tracee.h"

/* The option numbers of <asm-generic/socket.h>, which glibc's headers hide behind their
 * time64 names. */
#define OPT_RCVTIMEO_OLD 20
#define OPT_SNDTIMEO_OLD 21
#define OPT_ATTACH_FILTER 26
#define OPT_ATTACH_BPF 50
#define OPT_ATTACH_REUSEPORT_CBPF 51
#define OPT_ATTACH_REUSEPORT_EBPF 52

/* The netfilter table replacements and counters (ip_tables.h, ip6_tables.h, arp_tables.h,
 * ebtables.h), reached through any IP socket: compat_do_replace() rebuilds their 32-bit
 * layouts entry by entry, which sockstrace does not. */
static bool netfilter_set(int level, int optname)
{
	if (level == IPPROTO_IPV6)
		return optname == 64 || optname == 65;
	return level == IPPROTO_IP &&
	       (optname == 64 || optname == 65 || optname == 96 || optname == 97 ||
		optname == 128 || optname == 129);
}

enum sockopt_layout sockopt_layout(enum abi abi, int level, int optname, int *ret_errno)
{
	if (level == SOL_SOCKET && (optname == OPT_ATTACH_BPF || optname == OPT_ATTACH_REUSEPORT_EBPF))
		return SOCKOPT_FD;
	if (abi != ABI_I386)
		return SOCKOPT_SAME;
	if (level == SOL_SOCKET && (optname == OPT_RCVTIMEO_OLD || optname == OPT_SNDTIMEO_OLD))
		return SOCKOPT_TIMEVAL32;
	if (level == SOL_SOCKET &&
	    (optname == OPT_ATTACH_FILTER || optname == OPT_ATTACH_REUSEPORT_CBPF))
		return SOCKOPT_FPROG32;
	if ((level == IPPROTO_IP || level == IPPROTO_IPV6) &&
	    optname >= MCAST_JOIN_GROUP && optname <= MCAST_MSFILTER)
		return SOCKOPT_GROUP32;
	/* xfrm_user_policy() translates them with the xfrm_compat module; without it the
	 * kernel answers EOPNOTSUPP, and so does sockstrace. */
	if ((level == IPPROTO_IP && (optname == IP_IPSEC_POLICY || optname == IP_XFRM_POLICY)) ||
	    (level == IPPROTO_IPV6 && (optname == IPV6_IPSEC_POLICY || optname == IPV6_XFRM_POLICY))) {
		*ret_errno = EOPNOTSUPP;
		return SOCKOPT_REFUSED;
	}
	if (netfilter_set(level, optname)) {
		*ret_errno = ENOPROTOOPT;
		return SOCKOPT_REFUSED;
	}
	return SOCKOPT_SAME;
}

int sockopt_convert(enum sockopt_layout layout, const uint8_t *in, size_t len, uint8_t *out)
{
	if (layout == SOCKOPT_TIMEVAL32) {
		/* sock_set_timeout(): struct old_timeval32 in compat syscalls. */
		int32_t tv32[2];
		struct timeval tv;

		if (len < sizeof(tv32))
			return -EINVAL;
		memcpy(tv32, in, sizeof(tv32));
		tv = (struct timeval){ .tv_sec = tv32[0], .tv_usec = tv32[1] };
		memcpy(out, &tv, sizeof(tv));
		return (int)sizeof(tv);
	}
	/* SOCKOPT_GROUP32: the native structures align their sockaddr_storage to 8, the compat
	 * ones (compat_group_req, compat_group_source_req, compat_group_filter) to 4; every
	 * field after the interface moves by 4 bytes, and the kernel's length checks with
	 * it. Shorter than the interface: refused by either. */
	if (len < sizeof(uint32_t)) {
		memcpy(out, in, len);
		return (int)len;
	}
	memcpy(out, in, sizeof(uint32_t));
	memset(out + sizeof(uint32_t), 0, 4);
	memcpy(out + 8, in + sizeof(uint32_t), len - sizeof(uint32_t));
	return (int)len + 4;
}

/* SOCKOPT_FPROG32: a native sock_fprog in v->val whose program is copied too. The
 * kernel (copy_bpf_fprog_from_user()) wants exactly the 8 bytes of compat_sock_fprog;
 * an empty, oversized or NULL program is left for the kernel to refuse (EINVAL). */
static int read_fprog(pid_t tid, const uint8_t *in, size_t len, struct sockopt_value *v)
{
	struct sock_fprog prog = { 0 };
	uint32_t filter;
	uint16_t n;

	if (len != 8)
		return -EINVAL;
	memcpy(&n, in, sizeof(n));
	memcpy(&filter, in + 4, sizeof(filter));
	prog.len = n;
	if (n && n <= BPF_MAXINSNS && filter) {
		v->insns = calloc(n, sizeof(*v->insns));
		if (!v->insns)
			return -ENOMEM;
		if (tracee_read(tid, filter, v->insns, n * sizeof(*v->insns)) < 0)
			return -EFAULT;
		prog.filter = v->insns;
	}
	memcpy(v->val, &prog, sizeof(prog));
	v->len = sizeof(prog);
	return 0;
}

/* SOCKOPT_FD: the descriptor in the value, duplicated, in its place. sk_setsockopt() wants
 * exactly a u32; any other length it refuses by itself. */
static int read_fd(int pidfd, struct sockopt_value *v)
{
	uint32_t fd;
	int dup;

	if (v->len != sizeof(fd))
		return 0;
	memcpy(&fd, v->val, sizeof(fd));
	dup = pidfd_getfd(pidfd, (int)fd, 0);
	if (dup < 0)
		return -errno; /* EBADF: no such descriptor, as bpf_prog_get() says */
	v->fd = dup;
	fd = (uint32_t)dup;
	memcpy(v->val, &fd, sizeof(fd));
	return 0;
}

int sockopt_value_read(pid_t tid, int pidfd, enum abi abi, int level, int optname,
		       uint64_t addr, uint32_t optlen, struct sockopt_value *ret)
{
	int refused = 0, rc = 0;
	enum sockopt_layout layout = sockopt_layout(abi, level, optname, &refused);
	size_t len = optlen > SOCKOPT_VALUE_MAX ? SOCKOPT_VALUE_MAX : optlen;
	uint8_t *raw;

	*ret = (struct sockopt_value){ .fd = -1, .caps = tracee_cap_eff(tid) };
	/* __sys_setsockopt(): the length is an int. */
	if ((int32_t)optlen < 0)
		return -EINVAL;
	if (layout == SOCKOPT_REFUSED)
		return -refused;
	/* Room for the largest conversion: a 16-byte sock_fprog or timeval, 4 bytes more. */
	raw = malloc(len + 16);
	ret->val = malloc(len + 16);
	if (!raw || !ret->val) {
		free(raw);
		sockopt_value_free(ret);
		return -ENOMEM;
	}
	if (len && tracee_read(tid, addr, raw, len) < 0) {
		rc = -EFAULT;
	} else if (layout == SOCKOPT_FPROG32) {
		rc = read_fprog(tid, raw, len, ret);
	} else if (layout == SOCKOPT_TIMEVAL32 || layout == SOCKOPT_GROUP32) {
		rc = sockopt_convert(layout, raw, len, ret->val);
		ret->len = rc < 0 ? 0 : (socklen_t)rc;
	} else {
		memcpy(ret->val, raw, len);
		ret->len = (socklen_t)len;
		if (layout == SOCKOPT_FD)
			rc = read_fd(pidfd, ret);
	}
	free(raw);
	if (rc < 0) {
		sockopt_value_free(ret);
		return rc;
	}
	return 0;
}

int sockopt_value_copy(pid_t tid, const void *val, socklen_t len, struct sockopt_value *ret)
{
	*ret = (struct sockopt_value){ .fd = -1, .caps = tracee_cap_eff(tid), .len = len };
	ret->val = malloc(len ? len : 1);
	if (!ret->val)
		return -ENOMEM;
	memcpy(ret->val, val, len);
	return 0;
}

int sockopt_set(int sock, int level, int optname, const struct sockopt_value *v)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct own[2], lowered[2];
	bool lower = false;
	int rc;

	if (syscall(SYS_capget, &h, own) == 0) {
		memcpy(lowered, own, sizeof(own));
		lowered[0].effective &= (uint32_t)v->caps;
		lowered[1].effective &= (uint32_t)(v->caps >> 32);
		lower = memcmp(lowered, own, sizeof(own)) != 0;
	}
	/* Lowering what one holds never fails but by a kernel bug: fail closed. */
	if (lower && syscall(SYS_capset, &h, lowered) < 0)
		return -EPERM;
	rc = setsockopt(sock, level, optname, v->val, v->len) < 0 ? -errno : 0;
	if (lower)
		syscall(SYS_capset, &h, own);
	return rc;
}

void sockopt_value_free(struct sockopt_value *v)
{
	free(v->val);
	free(v->insns);
	if (v->fd >= 0)
		close(v->fd);
	*v = (struct sockopt_value){ .fd = -1 };
}
