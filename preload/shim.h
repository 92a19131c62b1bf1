/*
 * The LD_PRELOAD shim of sockstrace --preload: what the program asks libc for, recorded
 * beside what the kernel is asked (the tracer). One file per interposed call, after
 * torsocks: each wrapper records the call and then calls the real function with the same
 * arguments, so that libc's semantics (return value, errno) are kept.
 *
 * The recording path never allocates, never blocks and makes only raw syscalls
 * (async-signal-safe, not interposable by another preloaded library): a record is one
 * non-blocking datagram on the socket the tracer left open, dropped when that cannot be
 * sent.
 */
#pragma once

#include <netdb.h>
#include <resolv.h>
#include <stdint.h>
#include <sys/socket.h>

#include "preload-record.h"

/* Only the interposed functions are exported; everything else is internal. */
#define SHIM_EXPORT __attribute__((visibility("default")))

/* The next definitions of the interposed functions (libc's), from dlsym(RTLD_NEXT). */
struct shim_real {
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *,
			   struct addrinfo **);
	struct hostent *(*gethostbyname)(const char *);
	struct hostent *(*gethostbyname2)(const char *, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **,
			       int *);
	int (*res_query)(const char *, int, int, unsigned char *, int);
	int (*res_search)(const char *, int, int, unsigned char *, int);
	int (*res_nquery)(res_state, const char *, int, int, unsigned char *, int);
	int (*res_nsearch)(res_state, const char *, int, int, unsigned char *, int);
};
extern struct shim_real shim_real;

/*
 * Looks the real functions up and the record socket, once; called by a constructor and,
 * lazily, by any wrapper that runs before it (from another library's constructor). Not
 * async-signal-safe the first time (dlsym()); every later call is a load.
 */
void shim_init(void);

/* Records a call to a destination: len bytes of sockaddr at addr, which may be unreadable.
 * Records nothing when the kernel would not read the address (len < 2, NULL). Keeps errno. */
void shim_record_addr(enum preload_call call, int fd, const void *addr, size_t len,
		      uint32_t msg_index);

/* Records a sendmsg()-style message header: its msg_name, if any. hdr may be unreadable. */
void shim_record_msghdr(enum preload_call call, int fd, const struct msghdr *hdr,
			uint32_t msg_index);

/* Records a name lookup (name may be NULL). Keeps errno. */
void shim_record_name(enum preload_call call, const char *name);

/* The real function f of shim_real, initialising first when needed; NULL when libc has
 * none (the wrapper then fails with ENOSYS). */
#define SHIM_REAL(f) ({ \
	__typeof__(shim_real.f) real_ = __atomic_load_n(&shim_real.f, __ATOMIC_ACQUIRE); \
	if (!real_) { \
		shim_init(); \
		real_ = __atomic_load_n(&shim_real.f, __ATOMIC_ACQUIRE); \
	} \
	real_; })
