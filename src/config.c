/* Settings: the configuration file, then the environment, then the command line. */

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"

enum key_kind {
	KEY_BOOL,   /* true or false; .field is the offset of a bool */
	KEY_INT,    /* a number in [min, max]; .field is the offset of an int or unsigned */
	KEY_STRING, /* text, checked by .set */
	KEY_LIST,   /* a list of strings, each checked by .set */
};

struct key {
	const char *name;   /* configuration key */
	enum key_kind kind; /* value type */
	size_t field;       /* KEY_BOOL / KEY_INT: offset in struct settings */
	long min, max;      /* KEY_INT bounds */
	int (*set)(struct settings *s, const char *value); /* KEY_STRING / KEY_LIST */
	const char *valid;  /* what a valid value looks like, for error messages */
	bool number_ok;     /* KEY_STRING that may also be written as a number */
	bool bool_ok;       /* KEY_STRING that may also be written as true or false */
};

static int set_proxy(struct settings *s, const char *value)
{
	struct proxy p;

	if (proxy_parse(value, &p) < 0)
		return -EINVAL;
	return policy_add_proxy(&s->policy, &p) < 0 ? -EINVAL : 0;
}

static int set_allow(struct settings *s, const char *value)
{
	struct rule r;

	if (rule_parse(value, &r) < 0)
		return -EINVAL;
	return policy_add_rule(&s->policy, &r) < 0 ? -EINVAL : 0;
}

static int set_allow_listen(struct settings *s, const char *value)
{
	struct rule r;

	if (rule_parse(value, &r) < 0 || r.family == AF_UNIX)
		return -EINVAL;
	return policy_add_listen(&s->policy, &r) < 0 ? -EINVAL : 0;
}

/* The index of value in names (n of them), or -EINVAL. */
static int name_index(const char *value, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

/* Sets the enum field from value, one of names (indexed by the enum). */
#define SET_ENUM(field, value, ...) __extension__ ({ \
	static const char *const names_[] = { __VA_ARGS__ }; \
	int i_ = name_index(value, names_, ARRAY_SIZE(names_)); \
	if (i_ >= 0) \
		(field) = (__typeof__(field))i_; \
	i_ < 0 ? i_ : 0; })

static int set_on_leak(struct settings *s, const char *value)
{
	return SET_ENUM(s->on_leak, value, [ACTION_BLOCK] = "block", [ACTION_KILL] = "kill",
			[ACTION_LOG] = "log", [ACTION_REDIRECT] = "redirect");
}

static int set_block_errno(struct settings *s, const char *value)
{
	int e = errno_parse(value);

	if (e < 0)
		return e;
	s->block_errno = e;
	return 0;
}

static int set_path(char **field, const char *value)
{
	char *copy;

	if (value[0] == '\0')
		return -EINVAL;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int set_isolation(struct settings *s, const char *value)
{
	return SET_ENUM(s->isolation, value, [ISOLATE_CONNECTION] = "connection",
			[ISOLATE_PROCESS] = "process", [ISOLATE_NONE] = "none");
}

static int set_dns(struct settings *s, const char *value)
{
	return SET_ENUM(s->dns, value, [DNS_BLOCK] = "block", [DNS_PROXY] = "proxy");
}

/* true is the default, auto; false is off. */
static int set_netns(struct settings *s, const char *value)
{
	if (strcmp(value, "true") == 0)
		value = "auto";
	else if (strcmp(value, "false") == 0)
		value = "off";
	return SET_ENUM(s->netns, value, [NETNS_AUTO] = "auto", [NETNS_REQUIRE] = "require",
			[NETNS_OFF] = "off");
}

static int set_route_probes(struct settings *s, const char *value)
{
	return SET_ENUM(s->route_probes, value, [PROBES_LEAK] = "leak", [PROBES_REPORT] = "report");
}

/* A SOCKS5 user name or password: 1 to 255 bytes (RFC 1929); a user fixes the credentials. */
static int set_credential(char **field, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n > 255)
		return -EINVAL;
	return set_path(field, value);
}

static int set_proxy_user(struct settings *s, const char *value)
{
	int rc = set_credential(&s->proxy_user, value);

	if (rc == 0)
		s->isolation = ISOLATE_FIXED;
	return rc;
}

static int set_proxy_pass(struct settings *s, const char *value)
{
	return set_credential(&s->proxy_pass, value);
}

static int set_output(struct settings *s, const char *value) { return set_path(&s->output, value); }
static int set_report(struct settings *s, const char *value) { return set_path(&s->report, value); }
static int set_junit(struct settings *s, const char *value) { return set_path(&s->junit, value); }
static int set_sarif(struct settings *s, const char *value) { return set_path(&s->sarif, value); }
static int set_core_dump(struct settings *s, const char *value)
{
	return set_path(&s->core_dump, value);
}

/* A colon-separated list of absolute directories: a relative one would be taken by libdwfl
 * as relative to each binary's own directory. */
static int set_debuginfo_path(struct settings *s, const char *value)
{
	for (const char *p = value; *p; p += strcspn(p, ":"), p += *p == ':')
		if (*p != '/')
			return -EINVAL;
	return set_path(&s->debuginfo_path, value);
}

#define BOOL_KEY(n, f) { .name = n, .kind = KEY_BOOL, .field = offsetof(struct settings, f), \
			 .valid = "true or false" }

static const struct key keys[] = {
	{ .name = "proxies", .kind = KEY_LIST, .set = set_proxy,
	  .valid = "a list of at most 16 proxy URLs: socks5://HOST:PORT, socks5h://HOST:PORT, "
		   "http://HOST:PORT or unix:/PATH, HOST a numeric IPv4 address or [IPv6]" },
	{ .name = "allow", .kind = KEY_LIST, .set = set_allow,
	  .valid = "a list of at most 256 endpoints: ADDR[/PREFIX][:PORT[-PORT]], "
		   "[IPv6[/PREFIX]][:PORT[-PORT]], unix:/PATH or unix:@ABSTRACT" },
	{ .name = "allow_listen", .kind = KEY_LIST, .set = set_allow_listen,
	  .valid = "a list of at most 256 local endpoints that may listen outside loopback: "
		   "ADDR[/PREFIX][:PORT[-PORT]] or [IPv6[/PREFIX]][:PORT[-PORT]]" },
	BOOL_KEY("allow_loopback", policy.allow_loopback),
	BOOL_KEY("restrict_unix", policy.unix_restrict),
	BOOL_KEY("unix_only", policy.unix_only),
	BOOL_KEY("allow_netlink", policy.allow_netlink),
	{ .name = "on_leak", .kind = KEY_STRING, .set = set_on_leak,
	  .valid = "one of block, kill, log, redirect" },
	{ .name = "block_errno", .kind = KEY_STRING, .set = set_block_errno,
	  .valid = "an errno name such as ECONNREFUSED, EPERM or EACCES, or a number 1-4095",
	  .number_ok = true },
	{ .name = "output", .kind = KEY_STRING, .set = set_output, .valid = "a file name" },
	{ .name = "report", .kind = KEY_STRING, .set = set_report, .valid = "a file name" },
	{ .name = "junit", .kind = KEY_STRING, .set = set_junit, .valid = "a file name" },
	{ .name = "sarif", .kind = KEY_STRING, .set = set_sarif, .valid = "a file name" },
	BOOL_KEY("stack", stack),
	{ .name = "core_dump", .kind = KEY_STRING, .set = set_core_dump,
	  .valid = "a directory name" },
	{ .name = "debuginfo_path", .kind = KEY_STRING, .set = set_debuginfo_path,
	  .valid = "absolute directories separated by colons (DIR[:DIR]...)" },
	{ .name = "stack_depth", .kind = KEY_INT, .field = offsetof(struct settings, stack_depth),
	  .min = 1, .max = 256, .valid = "a number from 1 to 256" },
	{ .name = "leak_exit_code", .kind = KEY_INT,
	  .field = offsetof(struct settings, leak_exit_code),
	  .min = 0, .max = 255, .valid = "a number from 0 to 255" },
	BOOL_KEY("quiet", quiet),
	BOOL_KEY("verbose", verbose),
	BOOL_KEY("io_uring", io_uring),
	BOOL_KEY("userfaultfd", userfaultfd),
	{ .name = "netns", .kind = KEY_STRING, .set = set_netns, .bool_ok = true,
	  .valid = "auto, require or off (true is auto, false is off)" },
	BOOL_KEY("preload", preload),
	{ .name = "dns", .kind = KEY_STRING, .set = set_dns,
	  .valid = "block or proxy (proxy needs the network namespace)" },
	{ .name = "route_probes", .kind = KEY_STRING, .set = set_route_probes,
	  .valid = "leak or report" },
	{ .name = "isolation", .kind = KEY_STRING, .set = set_isolation,
	  .valid = "one of connection, process, none" },
	{ .name = "proxy_user", .kind = KEY_STRING, .set = set_proxy_user,
	  .valid = "a user name of 1 to 255 bytes" },
	{ .name = "proxy_pass", .kind = KEY_STRING, .set = set_proxy_pass,
	  .valid = "a password of 1 to 255 bytes" },
};

static const struct key *key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

void settings_init(struct settings *s)
{
	*s = (struct settings){
		.on_leak = ACTION_BLOCK,
		.stack = true,
		.stack_depth = 32,
		.leak_exit_code = EXIT_LEAK_DEFAULT,
	};
	policy_init_defaults(&s->policy);
}

void settings_free(struct settings *s)
{
	free(s->output);
	free(s->report);
	free(s->core_dump);
	free(s->junit);
	free(s->sarif);
	free(s->debuginfo_path);
	free(s->proxy_user);
	free(s->proxy_pass);
	s->output = s->report = s->proxy_user = s->proxy_pass = s->core_dump = NULL;
	s->junit = s->sarif = s->debuginfo_path = NULL;
}

int errno_parse(const char *name)
{
	char *end;
	long v;

	if (name[0] >= '0' && name[0] <= '9') {
		errno = 0;
		v = strtol(name, &end, 10);
		if (errno || *end || v < 1 || v > 4095)
			return -EINVAL;
		return (int)v;
	}
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && strcmp(n, name) == 0)
			return e;
	}
	return -EINVAL;
}

int settings_clear_list(struct settings *s, const char *key)
{
	if (strcmp(key, "proxies") == 0)
		s->policy.n_proxies = 0;
	else if (strcmp(key, "allow") == 0)
		s->policy.n_allow = 0;
	else if (strcmp(key, "allow_listen") == 0)
		s->policy.n_listen = 0;
	else
		return -ENOENT;
	return 0;
}

int settings_set(struct settings *s, const char *key, const char *value, const char **ret_valid)
{
	const struct key *k = key_find(key);
	char *end;
	long v;
	int rc = 0;

	if (!k)
		return -ENOENT;
	switch (k->kind) {
	case KEY_BOOL:
		if (strcmp(value, "true") == 0)
			*(bool *)((char *)s + k->field) = true;
		else if (strcmp(value, "false") == 0)
			*(bool *)((char *)s + k->field) = false;
		else
			rc = -EINVAL;
		break;
	case KEY_INT:
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < k->min || v > k->max)
			rc = -EINVAL;
		else
			*(int *)((char *)s + k->field) = (int)v;
		break;
	case KEY_STRING:
	case KEY_LIST:
		rc = k->set(s, value);
		break;
	}
	if (rc == -EINVAL)
		*ret_valid = k->valid;
	return rc;
}

/* Renders a scalar libconfig setting as the text settings_set() takes. */
static int scalar_text(const config_setting_t *cs, char *buf, size_t size, const char **ret)
{
	switch (config_setting_type(cs)) {
	case CONFIG_TYPE_BOOL:
		*ret = config_setting_get_bool(cs) ? "true" : "false";
		return 0;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(buf, size, "%lld", config_setting_get_int64(cs));
		*ret = buf;
		return 0;
	case CONFIG_TYPE_STRING:
		*ret = config_setting_get_string(cs);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Applies one top-level setting of the file. */
static int apply_setting(struct settings *s, const char *path, config_setting_t *cs,
			 char *err, size_t errlen)
{
	const char *name = config_setting_name(cs);
	const struct key *k = name ? key_find(name) : NULL;
	const char *valid = NULL;
	char num[32];
	const char *text;
	int line = (int)config_setting_source_line(cs);
	int type = config_setting_type(cs);
	int rc = 0;

	if (!k) {
		snprintf(err, errlen, "%s:%d: unknown key '%s' (see sockstrace.conf(5) for the keys)",
			 path, line, name ? name : "?");
		return -EINVAL;
	}
	if (k->kind == KEY_LIST) {
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			goto invalid;
		settings_clear_list(s, name);
		for (int i = 0; i < config_setting_length(cs); i++) {
			config_setting_t *e = config_setting_get_elem(cs, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				goto invalid;
			rc = settings_set(s, name, config_setting_get_string(e), &valid);
			if (rc == -EINVAL) {
				snprintf(err, errlen, "%s:%d: %s: '%s' is not valid; must be %s", path, line,
					 name, config_setting_get_string(e), k->valid);
				return rc;
			}
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if ((k->kind == KEY_BOOL) != (type == CONFIG_TYPE_BOOL && !k->bool_ok) ||
	    (k->kind == KEY_INT && type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) ||
	    (k->kind == KEY_STRING && type != CONFIG_TYPE_STRING &&
	     !(k->number_ok && (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)) &&
	     !(k->bool_ok && type == CONFIG_TYPE_BOOL)) ||
	    scalar_text(cs, num, sizeof(num), &text) < 0)
		goto invalid;
	rc = settings_set(s, name, text, &valid);
	if (rc != -EINVAL)
		return rc;
invalid:
	snprintf(err, errlen, "%s:%d: %s must be %s", path, line, name, k->valid);
	return -EINVAL;
}

/* Parses a configuration from f, or from text when f is NULL, and applies it; name is the
 * file that messages name. */
static int load(struct settings *s, const char *name, FILE *f, const char *text, char *err,
		size_t errlen)
{
	config_t cfg;
	config_setting_t *root;
	int rc = 0;

	config_init(&cfg);
	if ((f ? config_read(&cfg, f) : config_read_string(&cfg, text)) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", name, config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		return -EINVAL;
	}
	root = config_root_setting(&cfg);
	for (int i = 0; i < config_setting_length(root) && rc == 0; i++)
		rc = apply_setting(s, name, config_setting_get_elem(root, (unsigned)i), err, errlen);
	config_destroy(&cfg);
	return rc;
}

int settings_load_file(struct settings *s, const char *path, bool missing_ok, char *err, size_t errlen)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		rc = -errno;
		if (rc == -ENOENT && missing_ok)
			return rc;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	return load(s, path, f, NULL, err, errlen);
}

int settings_load_string(struct settings *s, const char *name, const char *text, char *err,
			 size_t errlen)
{
	return load(s, name, NULL, text, err, errlen);
}

int settings_load_env(struct settings *s, char *err, size_t errlen)
{
	const char *host = getenv("TOR_SOCKS_HOST");
	const char *port = getenv("TOR_SOCKS_PORT");
	char url[128];
	bool v6;
	struct proxy p;

	if ((!host || !*host) && (!port || !*port))
		return 0;
	if (!host || !*host)
		host = "127.0.0.1";
	if (!port || !*port)
		port = "9050";
	v6 = strchr(host, ':') != NULL;
	snprintf(url, sizeof(url), "socks5://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
	if (proxy_parse(url, &p) < 0) {
		snprintf(err, errlen, "TOR_SOCKS_HOST=%s TOR_SOCKS_PORT=%s: must be a numeric IP address "
			 "and a port number 1-65535", host, port);
		return -EINVAL;
	}
	s->policy.n_proxies = 0;
	return policy_add_proxy(&s->policy, &p);
}
