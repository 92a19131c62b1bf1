/* Leaks read back from a JSON Lines report (the objects src/report.c writes). */
#pragma once

#include "json.h"
#include "sites.h"

/* One leak read from a report line; its strings point into the parsed line. */
struct json_leak {
	struct site_leak leak;          /* the leak, for sites_add() */
	struct frame *frames;           /* its stack (allocated), at most SITE_STACK_MAX */
	char dest[SITE_DEST_STRLEN];    /* its destination, site_destination() */
	uint64_t seq;                   /* its "seq" in its run, 0 when it has none */
};

/*
 * Reads a parsed report object. Returns 1 with *ret filled (free it with
 * json_leak_free()) for a valid leak object, 2 the same for a "leak_found" object (written
 * before the leak's stack was taken: the "leak" object with the same "seq" completes it, and
 * only a run that ended meanwhile leaves it alone), 0 for another object of the report (a
 * summary, a site, a comparison), or -EINVAL for anything else with *ret_why saying what
 * is wrong (static string), or -ENOMEM. A leak needs a known "kind", a "time", and, when
 * present, a valid "site" id and "stack" frames (pc and module_offset as "0x..." strings
 * or numbers); "site" is kept as it was written, else it is computed from the leak.
 */
int json_leak_read(const struct json *obj, struct json_leak *ret, const char **ret_why);
void json_leak_free(struct json_leak *l);
