/* The leak sites as JUnit XML, for CI systems: one test case per site. */
#pragma once

#include <stdio.h>

#include "sites.h"

/*
 * Writes t as a JUnit XML document: a test suite "sockstrace" with one failed test case
 * per leak site (its stack as the failure text), one more for leaks past SITES_MAX, and
 * with no leak at all one passing test case. Text from the program (names, paths) is
 * escaped; bytes past ASCII are written as the characters U+0080 to U+00FF. Returns 0, or
 * -EIO when writing failed.
 */
int junit_write(FILE *f, const struct sites *t);
