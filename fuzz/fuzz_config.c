/*
 * Fuzz target: the configuration file, read by libconfig and validated by src/config.c
 * (settings_load_string(), the code path of settings_load_file()).
 *
 * Input: the text of a sockstrace.conf. Checked besides memory safety: a load that fails
 * says why in a message naming the file; a load that succeeds leaves every setting in its
 * documented range, every list within its bounds and every rule parsable from its own text.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define NAME "fuzz.conf"

/* LeakSanitizer's hook for built-in suppressions (sanitizer/lsan_interface.h). libconfig 1.5
 * (Debian 12) leaks the text of a string token that a syntax error follows, for example
 * 'a = { h"x" };' (its scanner's strbuf_append() and libconfig_yylex()): not sockstrace's
 * memory, and sockstrace exits on a syntax error anyway. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static void check_rule_text(const struct rule *r, bool is_proxy)
{
	struct rule again;
	struct proxy p;

	FUZZ_ASSERT(memchr(r->text, '\0', sizeof(r->text)) != NULL);
	if (is_proxy)
		FUZZ_ASSERT(proxy_parse(r->text, &p) == 0 && p.where.family == r->family);
	else
		FUZZ_ASSERT(rule_parse(r->text, &again) == 0 && again.family == r->family &&
			    again.prefix == r->prefix && again.port_lo == r->port_lo &&
			    again.port_hi == r->port_hi);
}

static void check_settings(const struct settings *s)
{
	const struct policy *p = &s->policy;

	FUZZ_ASSERT(p->n_proxies <= POLICY_MAX_PROXIES && p->n_allow <= POLICY_MAX_RULES);
	for (size_t i = 0; i < p->n_proxies; i++)
		check_rule_text(&p->proxies[i].where, true);
	for (size_t i = 0; i < p->n_allow; i++)
		check_rule_text(&p->allow[i], false);
	FUZZ_ASSERT(s->on_leak == ACTION_BLOCK || s->on_leak == ACTION_KILL ||
		    s->on_leak == ACTION_LOG || s->on_leak == ACTION_REDIRECT);
	FUZZ_ASSERT(s->block_errno >= 0 && s->block_errno <= 4095);
	FUZZ_ASSERT(s->stack_depth >= 1 && s->stack_depth <= 256);
	FUZZ_ASSERT(s->leak_exit_code >= 0 && s->leak_exit_code <= 255);
	FUZZ_ASSERT(!s->output || s->output[0] != '\0');
	FUZZ_ASSERT(!s->report || s->report[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings s;
	char err[1024], *text;
	int rc;

	text = malloc(size + 1);
	FUZZ_ASSERT(text);
	memcpy(text, data, size);
	text[size] = '\0';
	/* libconfig follows @include to other files: not this input any more, and a path such
	 * as /dev/zero would never end. */
	if (strcasestr(text, "include")) {
		free(text);
		return 0;
	}
	settings_init(&s);
	memset(err, 'X', sizeof(err));
	rc = settings_load_string(&s, NAME, text, err, sizeof(err));
	if (rc == 0) {
		check_settings(&s);
	} else {
		FUZZ_ASSERT(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		if (rc == -EINVAL)
			FUZZ_ASSERT(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
	}
	settings_free(&s);
	free(text);
	return 0;
}
