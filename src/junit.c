/* The leak sites as JUnit XML, for CI systems: one test case per site. */

#include <errno.h>

#include "junit.h"

/* Writes s as XML character data or an attribute value. XML 1.0 has no place for the
 * control characters other than tab, newline and carriage return: they become '?'. */
static void xml_text(FILE *f, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '&')
			fputs("&amp;", f);
		else if (*c == '<')
			fputs("&lt;", f);
		else if (*c == '>')
			fputs("&gt;", f);
		else if (*c == '"')
			fputs("&quot;", f);
		else if (*c == '\'')
			fputs("&apos;", f);
		else if (*c == '\n' || *c == '\t')
			fprintf(f, "&#%d;", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fputc('?', f);
		else if (*c >= 0x80)
			fprintf(f, "&#x%02x;", *c);
		else
			fputc(*c, f);
	}
}

static void junit_site(FILE *f, const struct site *s)
{
	char id[SITE_ID_STRLEN], title[512], dests[2048], frame[1024];

	site_id_format(s->id, id);
	site_title(s, title, sizeof(title));
	site_dests_format(s, SITE_DESTS_MAX, dests, sizeof(dests));
	fprintf(f, "    <testcase classname=\"sockstrace.%s\" name=\"site %s: ",
		leak_kind_name(s->kind), id);
	xml_text(f, title);
	fprintf(f, "\" time=\"0\">\n      <failure type=\"%s\" message=\"%lu leak%s",
		leak_kind_name(s->kind), s->count, s->count == 1 ? "" : "s");
	if (*dests) {
		fputs(" to ", f);
		xml_text(f, dests);
	}
	fputs("\">", f);
	fprintf(f, "%lu %s leak%s at site %s, first ", s->count, leak_kind_name(s->kind),
		s->count == 1 ? "" : "s", id);
	xml_text(f, s->first);
	fputs(", last ", f);
	xml_text(f, s->last);
	if (*dests) {
		fputs("&#10;to ", f);
		xml_text(f, dests);
	}
	if (*s->exe) {
		fputs("&#10;in ", f);
		xml_text(f, s->exe);
	}
	for (int i = 0; i < s->n_frames; i++) {
		site_frame_format(&s->stack[i], frame, sizeof(frame));
		fprintf(f, "&#10;#%d ", i);
		xml_text(f, frame);
	}
	if (!s->n_frames)
		fputs("&#10;(no stack)", f);
	fputs("</failure>\n    </testcase>\n", f);
}

int junit_write(FILE *f, const struct sites *t)
{
	size_t cases = t->n + (t->dropped_leaks ? 1 : 0);
	size_t failures = cases;

	if (cases == 0)
		cases = 1;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"sockstrace\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
		cases, failures);
	fprintf(f, "  <testsuite name=\"sockstrace\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"0\" time=\"0\">\n", cases, failures);
	for (size_t i = 0; i < t->n; i++)
		junit_site(f, &t->v[i]);
	if (t->dropped_leaks)
		fprintf(f, "    <testcase classname=\"sockstrace\" name=\"leaks past %d sites\" "
			"time=\"0\">\n      <failure type=\"other\" message=\"%lu leaks\">%lu leaks "
			"at sites past the first %d were counted, not grouped</failure>\n"
			"    </testcase>\n", SITES_MAX, t->dropped_leaks, t->dropped_leaks, SITES_MAX);
	if (!t->n && !t->dropped_leaks)
		fputs("    <testcase classname=\"sockstrace\" name=\"no proxy leaks\" time=\"0\"/>\n",
		      f);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}
