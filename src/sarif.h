/* The leak sites as SARIF 2.1.0, for code scanning: one result per site. */
#pragma once

#include <stdio.h>

#include "sites.h"

/*
 * Writes t as a SARIF 2.1.0 log with one run of the tool "sockstrace": a rule per leak
 * kind (its id leak_kind_name()), a result per leak site with its count, its location in
 * the program's own sources when a frame has one (site_source_frame()), the function that
 * made the call, the site id as a partial fingerprint and the first stack in "stacks".
 * Returns 0, or -EIO when writing failed.
 */
int sarif_write(FILE *f, const struct sites *t);
