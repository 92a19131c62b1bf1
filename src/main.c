/* sockstrace: run a program and catch the network traffic that bypasses its proxy.
 * Options, wiring and exit status; everything else lives in libsockstrace. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "report.h"
#include "attach.h"
#include "notify.h"
#include "symbols.h"

/* Long-only options, numbered past any character. */
enum {
	OPT_ALLOW_LOOPBACK = 256, OPT_NO_ALLOW_LOOPBACK, OPT_RESTRICT_UNIX, OPT_UNIX_ONLY,
	OPT_NO_NETLINK, OPT_ON_LEAK, OPT_BLOCK_ERRNO, OPT_STACK, OPT_NO_STACK, OPT_STACK_DEPTH,
	OPT_LEAK_EXIT_CODE, OPT_IO_URING, OPT_NETNS, OPT_ISOLATE, OPT_PROXY_USER, OPT_PROXY_PASS,
	OPT_DNS, OPT_CORE_DUMP, OPT_NO_RESTRICT_UNIX, OPT_NO_UNIX_ONLY, OPT_NETLINK,
	OPT_NO_IO_URING, OPT_NO_NETNS, OPT_NO_PRELOAD, OPT_NO_QUIET, OPT_NO_VERBOSE,
	OPT_PRELOAD, OPT_JUNIT, OPT_SARIF, OPT_ROUTE_PROBES, OPT_ALLOW_LISTEN, OPT_USERFAULTFD, OPT_NO_USERFAULTFD,
	OPT_DEBUGINFO_PATH,
};

static const struct option options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "proxy", required_argument, NULL, 'P' },
	{ "allow", required_argument, NULL, 'a' },
	{ "allow-listen", required_argument, NULL, OPT_ALLOW_LISTEN },
	{ "allow-loopback", no_argument, NULL, OPT_ALLOW_LOOPBACK },
	{ "no-allow-loopback", no_argument, NULL, OPT_NO_ALLOW_LOOPBACK },
	{ "restrict-unix", no_argument, NULL, OPT_RESTRICT_UNIX },
	{ "unix-only", no_argument, NULL, OPT_UNIX_ONLY },
	{ "no-netlink", no_argument, NULL, OPT_NO_NETLINK },
	{ "on-leak", required_argument, NULL, OPT_ON_LEAK },
	{ "block-errno", required_argument, NULL, OPT_BLOCK_ERRNO },
	{ "output", required_argument, NULL, 'o' },
	{ "report", required_argument, NULL, 'r' },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "sarif", required_argument, NULL, OPT_SARIF },
	{ "stack", no_argument, NULL, OPT_STACK },
	{ "no-stack", no_argument, NULL, OPT_NO_STACK },
	{ "stack-depth", required_argument, NULL, OPT_STACK_DEPTH },
	{ "core-dump", required_argument, NULL, OPT_CORE_DUMP },
	{ "debuginfo-path", required_argument, NULL, OPT_DEBUGINFO_PATH },
	{ "leak-exit-code", required_argument, NULL, OPT_LEAK_EXIT_CODE },
	{ "allow-io-uring", no_argument, NULL, OPT_IO_URING },
	{ "allow-userfaultfd", no_argument, NULL, OPT_USERFAULTFD },
	{ "netns", optional_argument, NULL, OPT_NETNS },
	{ "isolate", required_argument, NULL, OPT_ISOLATE },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "route-probes", required_argument, NULL, OPT_ROUTE_PROBES },
	{ "preload", no_argument, NULL, OPT_PRELOAD },
	{ "proxy-user", required_argument, NULL, OPT_PROXY_USER },
	{ "proxy-pass", required_argument, NULL, OPT_PROXY_PASS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "attach", required_argument, NULL, 'p' },
	/* The command line can undo what the configuration file turned on. */
	{ "no-restrict-unix", no_argument, NULL, OPT_NO_RESTRICT_UNIX },
	{ "no-unix-only", no_argument, NULL, OPT_NO_UNIX_ONLY },
	{ "netlink", no_argument, NULL, OPT_NETLINK },
	{ "no-allow-io-uring", no_argument, NULL, OPT_NO_IO_URING },
	{ "no-allow-userfaultfd", no_argument, NULL, OPT_NO_USERFAULTFD },
	{ "no-netns", no_argument, NULL, OPT_NO_NETNS },
	{ "no-preload", no_argument, NULL, OPT_NO_PRELOAD },
	{ "no-quiet", no_argument, NULL, OPT_NO_QUIET },
	{ "no-verbose", no_argument, NULL, OPT_NO_VERBOSE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

/* Which configuration key each option sets, and to what when it takes no argument. */
static const struct { int opt; const char *key; const char *value; } option_keys[] = {
	{ 'P', "proxies", NULL }, { 'a', "allow", NULL },
	{ OPT_ALLOW_LISTEN, "allow_listen", NULL },
	{ OPT_ALLOW_LOOPBACK, "allow_loopback", "true" },
	{ OPT_NO_ALLOW_LOOPBACK, "allow_loopback", "false" },
	{ OPT_RESTRICT_UNIX, "restrict_unix", "true" }, { OPT_UNIX_ONLY, "unix_only", "true" },
	{ OPT_NO_NETLINK, "allow_netlink", "false" }, { OPT_ON_LEAK, "on_leak", NULL },
	{ OPT_BLOCK_ERRNO, "block_errno", NULL }, { 'o', "output", NULL }, { 'r', "report", NULL },
	{ OPT_JUNIT, "junit", NULL }, { OPT_SARIF, "sarif", NULL },
	{ OPT_STACK, "stack", "true" }, { OPT_NO_STACK, "stack", "false" },
	{ OPT_STACK_DEPTH, "stack_depth", NULL }, { OPT_CORE_DUMP, "core_dump", NULL },
	{ OPT_DEBUGINFO_PATH, "debuginfo_path", NULL },
	{ OPT_LEAK_EXIT_CODE, "leak_exit_code", NULL },
	{ OPT_IO_URING, "io_uring", "true" }, { OPT_NETNS, "netns", NULL },
	{ OPT_ISOLATE, "isolation", NULL }, { OPT_PROXY_USER, "proxy_user", NULL },
	{ OPT_PROXY_PASS, "proxy_pass", NULL }, { OPT_DNS, "dns", NULL },
	{ OPT_ROUTE_PROBES, "route_probes", NULL },
	{ OPT_PRELOAD, "preload", "true" },
	{ 'q', "quiet", "true" }, { 'v', "verbose", "true" },
	{ OPT_NO_RESTRICT_UNIX, "restrict_unix", "false" }, { OPT_NO_UNIX_ONLY, "unix_only", "false" },
	{ OPT_NETLINK, "allow_netlink", "true" }, { OPT_NO_IO_URING, "io_uring", "false" },
	{ OPT_NO_NETNS, "netns", "false" }, { OPT_NO_PRELOAD, "preload", "false" },
	{ OPT_NO_QUIET, "quiet", "false" }, { OPT_NO_VERBOSE, "verbose", "false" },
	{ OPT_USERFAULTFD, "userfaultfd", "true" }, { OPT_NO_USERFAULTFD, "userfaultfd", "false" },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sockstrace [OPTION]... [--] PROGRAM [ARG]...\n"
"  or:  sockstrace [OPTION]... -p PID\n"
"Run PROGRAM and catch network traffic that bypasses the proxy (a proxy leak).\n"
"\n"
"  -c, --config FILE        read FILE instead of " SYSCONFDIR "/sockstrace.conf\n"
"  -P, --proxy URL          allowed proxy (repeatable; replaces the configured ones):\n"
"                           socks5://HOST:PORT, socks5h://, http://, unix:/PATH\n"
"  -a, --allow ENDPOINT     also allow ADDR[/PREFIX][:PORT[-PORT]], [IPv6]:PORT,\n"
"                           unix:/PATH (repeatable; adds to the configured ones)\n"
"      --allow-listen ENDPOINT  let the program listen (or bind UDP) there outside\n"
"                           loopback, e.g. 0.0.0.0:8080 (repeatable)\n"
"      --allow-loopback     allow 127.0.0.0/8 and ::1 (--no-allow-loopback: do not)\n"
"      --restrict-unix      allow unix sockets only to unix: proxies and allow rules\n"
"      --unix-only          allow unix sockets only (a Tor SocksPort on a unix socket)\n"
"      --no-netlink         treat netlink sockets as leaks\n"
"      --on-leak ACTION     block (default), kill, log, or redirect (TCP connects go\n"
"                           through the first proxy; other leaks are blocked)\n"
"      --isolate MODE       redirect: fresh SOCKS credentials per connection (default),\n"
"                           per process, or none (one Tor circuit)\n"
"      --proxy-user NAME, --proxy-pass PASS  redirect: fixed proxy credentials\n"
"      --dns MODE           block (default): DNS queries are leaks; proxy: sockstrace\n"
"                           answers them, resolving through the proxy (needs the\n"
"                           network namespace)\n"
"      --route-probes MODE  leak (default): a UDP connect that sends nothing is a leak;\n"
"                           report: it is reported and neutralised, not counted\n"
"      --preload            also preload a shim into the program and list what its libc\n"
"                           calls showed against what the kernel saw, per process\n"
"      --block-errno NAME   errno of a blocked call (default ECONNREFUSED for connect,\n"
"                           EPERM for sends)\n"
"  -o, --output FILE        write leak lines and the summary to FILE, not stderr\n"
"  -r, --report FILE        write a JSON Lines report to FILE\n"
"      --junit FILE         write the leak sites as JUnit XML to FILE at the end\n"
"      --sarif FILE         write the leak sites as SARIF 2.1.0 to FILE at the end\n"
"      --stack, --no-stack  print the call stack of each leak (default: on)\n"
"      --stack-depth N      at most N frames (default 32)\n"
"      --core-dump DIR      write a core file of each leaking process into DIR, for gdb\n"
"      --debuginfo-path DIR[:DIR]  also look for separate debug files (.build-id/,\n"
"                           .gnu_debuglink) in these directories\n"
"      --leak-exit-code N   exit status when a leak was seen (default 3; 0: the program's)\n"
"      --allow-io-uring     let the program use io_uring, which no filter can see into\n"
"      --allow-userfaultfd  let the program use userfaultfd, which can stall the kernel\n"
"                           between sockstrace's check and the kernel's own read\n"
"      --netns[=MODE]       PROGRAM's own network namespace with only loopback, where the\n"
"                           kernel holds what the filter misses: auto (default: where the\n"
"                           system allows one), require (else fail), off (= --no-netns)\n"
"  -p, --attach PID         trace the running process PID and its threads instead; every\n"
"                           syscall stops (no filter can be added from outside), and a\n"
"                           signal to sockstrace detaches it\n"
"  -q, --quiet              no summary line\n"
"  -v, --verbose            also report allowed destinations\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"      --no-restrict-unix, --no-unix-only, --netlink, --no-allow-io-uring,\n"
"      --no-allow-userfaultfd, --no-netns, --no-preload, --no-quiet, --no-verbose\n"
"                           undo what the configuration file set\n"
"\n"
"The environment's TOR_SOCKS_HOST and TOR_SOCKS_PORT override the configured proxies;\n"
"SOCKSTRACE_CONFIG names the configuration file. Exit status: the program's own, %d when\n"
"a leak was seen, 125 when sockstrace failed, 126/127 when PROGRAM cannot be run.\n"
"See sockstrace(1) and sockstrace.conf(5).\n", EXIT_LEAK_DEFAULT);
}

/* Applies one command-line option; exits with a message naming the option on error. */
static void apply_option(struct settings *s, int opt, const char *arg, bool *cleared)
{
	for (size_t i = 0; i < sizeof(option_keys) / sizeof(option_keys[0]); i++) {
		const char *valid = NULL;
		/* An option whose argument is optional (--netns) means "true" without one. */
		const char *value = option_keys[i].value ? option_keys[i].value : arg ? arg : "true";
		int rc;

		if (option_keys[i].opt != opt)
			continue;
		if (opt == 'P' && !*cleared) {
			settings_clear_list(s, "proxies");
			*cleared = true;
		}
		rc = settings_set(s, option_keys[i].key, value, &valid);
		if (rc == -EINVAL) {
			const struct option *o = options;
			while (o->name && o->val != opt)
				o++;
			fprintf(stderr, "sockstrace: --%s: '%s' is not valid; must be %s\n", o->name, value,
				valid);
			exit(EXIT_FAILURE_OWN);
		}
		if (rc < 0) {
			fprintf(stderr, "sockstrace: %s\n", strerror(-rc));
			exit(EXIT_FAILURE_OWN);
		}
		return;
	}
}

int main(int argc, char *argv[])
{
	static const char optstring[] = "+c:P:a:o:r:p:qvhV";
	struct settings s;
	struct report r;
	struct summary sum = { 0 };
	const char *config = getenv("SOCKSTRACE_CONFIG");
	bool config_given = config && *config, cleared = false;
	pid_t attach = 0;
	char err[1024];
	int opt, rc;

	/* First pass: only where the configuration is, and --help / --version. */
	while ((opt = getopt_long(argc, argv, optstring, options, NULL)) != -1) {
		if (opt == 'c') {
			config = optarg;
			config_given = true;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else if (opt == 'V') {
			printf("sockstrace %s\n", PACKAGE_VERSION);
			return 0;
		} else if (opt == 'p') {
			char *end;
			long pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0 || pid > INT_MAX) {
				fprintf(stderr, "sockstrace: --attach: '%s' is not a process id\n", optarg);
				return EXIT_FAILURE_OWN;
			}
			attach = (pid_t)pid;
		} else if (opt == '?') {
			fputs("Try 'sockstrace --help' for more information.\n", stderr);
			return EXIT_FAILURE_OWN;
		}
	}
	if ((optind >= argc) == !attach) {
		fputs(attach ? "sockstrace: --attach traces a running process: give no program too\n"
			     : "sockstrace: no program to run\n", stderr);
		fputs("Try 'sockstrace --help' for more information.\n", stderr);
		return EXIT_FAILURE_OWN;
	}

	settings_init(&s);
	s.attach = attach;
	rc = settings_load_file(&s, config_given ? config : SYSCONFDIR "/sockstrace.conf",
				!config_given, err, sizeof(err));
	/* Only the default file may be missing. */
	if (rc == -ENOENT && !config_given)
		rc = 0;
	if (rc == 0)
		rc = settings_load_env(&s, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sockstrace: %s\n", err);
		settings_free(&s);
		return EXIT_FAILURE_OWN;
	}
	optind = 0;
	while ((opt = getopt_long(argc, argv, optstring, options, NULL)) != -1)
		apply_option(&s, opt, optarg, &cleared);

	if (s.dns == DNS_PROXY && s.netns == NETNS_OFF) {
		fputs("sockstrace: --dns proxy answers the resolver from inside the program's own "
		      "network namespace: drop --no-netns (or netns = false)\n", stderr);
		settings_free(&s);
		return EXIT_FAILURE_OWN;
	}
	/* The responder lives in the namespace: without one, --dns proxy cannot work. */
	if (s.dns == DNS_PROXY)
		s.netns = NETNS_REQUIRE;
	if (symbols_set_debuginfo_path(s.debuginfo_path) < 0) {
		fputs("sockstrace: out of memory\n", stderr);
		return EXIT_FAILURE_OWN;
	}
	if (report_open(&r, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockstrace: %s\n", err);
		settings_free(&s);
		return EXIT_FAILURE_OWN;
	}
	rc = s.attach ? attach_run(&s, &r, &sum, err, sizeof(err))
	     : notify_run(&s, &r, argv + optind, &sum, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "sockstrace: %s\n", err);
	else if (report_summary(&r, &sum) < 0)
		sum.status = EXIT_FAILURE_OWN;
	report_close(&r);
	settings_free(&s);
	return sum.status;
}
