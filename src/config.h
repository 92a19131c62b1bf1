/* Settings: the configuration file, then the environment, then the command line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

/* What happens to a leaking syscall. */
enum leak_action {
	ACTION_BLOCK,    /* the syscall fails with the block errno; the program goes on */
	ACTION_KILL,     /* the whole traced tree is killed */
	ACTION_LOG,      /* reported, then let through */
	ACTION_REDIRECT, /* a TCP connect goes through the proxy instead; other leaks are blocked */
};

/* What happens to DNS queries that bypass the proxy. */
enum dns_mode {
	DNS_BLOCK, /* they are leaks like any other */
	DNS_PROXY, /* sockstrace answers them, resolving through the proxy (needs netns) */
};

/* The kernel layer: the program's own network namespace with only loopback. */
enum netns_mode {
	NETNS_AUTO,    /* where the system allows one; else one line says so and the syscall
			* layer runs alone */
	NETNS_REQUIRE, /* always: a system that refuses one is an error */
	NETNS_OFF,     /* never: the program shares sockstrace's network namespace */
};

/* What a UDP connect to a disallowed address that is no DNS query (a route probe: it sends
 * nothing, but tells the program the route to that address) comes to. */
enum probe_mode {
	PROBES_LEAK,   /* a leak like any other (kind route-probe) */
	PROBES_REPORT, /* reported, answered without connecting, and not counted as a leak */
};

/* Which redirected connections share SOCKS credentials (and so, with Tor, a circuit). */
enum isolation {
	ISOLATE_CONNECTION, /* fresh random credentials for every connection */
	ISOLATE_PROCESS,    /* one random set per process */
	ISOLATE_NONE,       /* no credentials: one circuit for everything */
	ISOLATE_FIXED,      /* proxy_user / proxy_pass for everything */
};

/* Exit statuses of sockstrace itself (the program's own status passes through). */
enum {
	EXIT_LEAK_DEFAULT = 3,  /* default --leak-exit-code: a leak was seen */
	EXIT_FAILURE_OWN = 125, /* bad usage, bad configuration, or tracing failed */
	EXIT_CANNOT_EXEC = 126, /* the program exists but could not be executed */
	EXIT_NOT_FOUND = 127,   /* the program was not found */
};

/* Every setting; each has a configuration key and a command-line option. */
struct settings {
	struct policy policy;      /* what is allowed */
	enum leak_action on_leak;  /* what to do with a leak */
	int block_errno;           /* errno of a blocked syscall; 0 = ECONNREFUSED / EPERM */
	char *output;              /* human log file; NULL = standard error */
	char *report;              /* JSON Lines report file; NULL = none */
	bool stack;                /* unwind and print the stack of each leak */
	unsigned stack_depth;      /* most frames per stack */
	int leak_exit_code;        /* exit status when any leak was seen */
	bool quiet;                /* no summary line, leak lines only */
	bool verbose;              /* also report allowed destinations */
	bool io_uring;             /* allow io_uring_setup, which no filter can see into */
	bool userfaultfd;          /* allow userfaultfd, which can stall the kernel mid-read */
	enum netns_mode netns;     /* the program's own network namespace (the kernel layer) */
	enum isolation isolation;  /* redirect: credentials per connection, process, none, fixed */
	enum dns_mode dns;         /* DNS queries: leaks, or answered through the proxy */
	enum probe_mode route_probes; /* UDP route probes: leaks, or reported only */
	bool preload;              /* also preload the shim and compare what libc saw */
	char *proxy_user;          /* redirect: fixed proxy user name (sets ISOLATE_FIXED) */
	char *proxy_pass;          /* redirect: fixed proxy password */
	pid_t attach;              /* -p: trace this running process instead of starting one; 0 */
	char *core_dump;           /* directory for a core file of each leaking process; NULL */
	char *junit;               /* JUnit XML file of the leak sites, written at the end; NULL */
	char *sarif;               /* SARIF 2.1.0 file of the leak sites, written at the end; NULL */
	char *debuginfo_path;      /* more directories (DIR[:DIR]...) for separate debug files,
				    * searched before the standard ones; NULL for none */
};

/* Built-in defaults (Tor's). */
void settings_init(struct settings *s);
void settings_free(struct settings *s);

/*
 * Sets one setting by its configuration key from text ("true"/"false" for booleans).
 * For list keys (proxies, allow) the value is appended; settings_clear_list() empties one.
 * Returns 0, -ENOENT for an unknown key, or -EINVAL with *ret_valid pointing at a static
 * description of what would be valid.
 */
int settings_set(struct settings *s, const char *key, const char *value, const char **ret_valid);
int settings_clear_list(struct settings *s, const char *key);

/*
 * Reads a libconfig file into s. Returns 0, -ENOENT when the file does not exist (and
 * missing_ok), or another negative errno with a message "FILE:LINE: ..." in err.
 */
int settings_load_file(struct settings *s, const char *path, bool missing_ok, char *err, size_t errlen);

/* The same from the text of a configuration (NUL-terminated); name stands for the file in
 * messages ("NAME:LINE: ..."). */
int settings_load_string(struct settings *s, const char *name, const char *text, char *err,
			 size_t errlen);

/* Applies TOR_SOCKS_HOST / TOR_SOCKS_PORT from the environment (getenv). Returns 0, or
 * -EINVAL with a message in err. */
int settings_load_env(struct settings *s, char *err, size_t errlen);

/* The errno named NAME ("ECONNREFUSED") or a number; -EINVAL when unknown. */
int errno_parse(const char *name);
