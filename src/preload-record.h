/*
 * The record that the LD_PRELOAD shim (preload/) writes for each call it sees, and that the
 * tracer (compare.c) reads with --preload. Header only: the one thing both sides share.
 *
 * The tracer creates a SOCK_SEQPACKET socket pair, leaves one end open across execve() in
 * the program and names it in the environment. One datagram is one record, always
 * sizeof(struct preload_record) bytes, native layout (the shim and the tracer are built
 * together, for x86_64).
 */
#pragma once

#include <stdint.h>

/* The fd number of the record socket in the program. */
#define PRELOAD_ENV_FD "SOCKSTRACE_PRELOAD_FD"
/* "DEV:INO" (decimal) of that socket, as fstat(2) gives them: the shim writes only to a
 * descriptor that is still this very socket. */
#define PRELOAD_ENV_ID "SOCKSTRACE_PRELOAD_ID"
/* Overrides where the tracer finds the shim (the build tree, the tests). */
#define PRELOAD_ENV_LIB "SOCKSTRACE_PRELOAD_LIB"
/* The shim's file name, under $(pkglibdir). */
#define PRELOAD_LIB_NAME "libsockstrace-preload.so"

#define PRELOAD_MAGIC 0x52505453u /* "STPR" read as little-endian bytes */
#define PRELOAD_VERSION 1
/* Bytes of a sockaddr (sizeof(struct sockaddr_storage), the kernel's limit too) or of a
 * queried name (NUL-terminated, truncated) that a record carries. */
#define PRELOAD_DATA_MAX 128

/* The interposed call a record is about. */
enum preload_call {
	PRELOAD_CONNECT = 1,     /* connect(): data is the sockaddr */
	PRELOAD_SENDTO,          /* sendto() with an address: data is the sockaddr */
	PRELOAD_SENDMSG,         /* sendmsg() with msg_name: data is the sockaddr */
	PRELOAD_SENDMMSG,        /* one message of sendmmsg() with msg_name: data, msg_index */
	PRELOAD_GETADDRINFO,     /* getaddrinfo(): data is the node name */
	PRELOAD_GETHOSTBYNAME,   /* gethostbyname(): data is the name */
	PRELOAD_GETHOSTBYNAME2,  /* gethostbyname2() */
	PRELOAD_GETHOSTBYNAME_R, /* gethostbyname_r() */
	PRELOAD_RES_QUERY,       /* res_query() (and __res_query) */
	PRELOAD_RES_SEARCH,      /* res_search() */
	PRELOAD_RES_NQUERY,      /* res_nquery() */
	PRELOAD_RES_NSEARCH,     /* res_nsearch() */
	PRELOAD_CALL_END,        /* one past the last */
};

/* Bits of preload_record.flags. */
enum {
	PRELOAD_F_UNREADABLE = 1 << 0, /* the address could not be read (EFAULT): no data */
	PRELOAD_F_TRUNCATED = 1 << 1,  /* the name was longer than data holds */
	PRELOAD_F_NULL_NAME = 1 << 2,  /* the name argument was NULL (getaddrinfo(NULL, ...)) */
};

struct preload_record {
	uint32_t magic;      /* PRELOAD_MAGIC */
	uint16_t version;    /* PRELOAD_VERSION */
	uint16_t call;       /* enum preload_call */
	int32_t pid;         /* getpid() of the caller (the tracer prefers SCM_CREDENTIALS) */
	int32_t tid;         /* gettid() of the caller */
	uint32_t seq;        /* per process, from 0 since its execve() or fork(); a gap means
				records were lost (the socket was full) */
	uint32_t msg_index;  /* sendmmsg(): which message; else 0 */
	int32_t fd;          /* the socket argument; -1 for name lookups */
	uint16_t len;        /* bytes used in data (a name: without its NUL) */
	uint16_t flags;      /* PRELOAD_F_* */
	char comm[16];       /* the caller's thread name (PR_GET_NAME), NUL-terminated */
	uint8_t data[PRELOAD_DATA_MAX]; /* the raw sockaddr, or the name */
};

_Static_assert(sizeof(struct preload_record) == 48 + PRELOAD_DATA_MAX,
	       "struct preload_record has no padding");
