#!/bin/sh
# Generates configure and the Makefile.in files from a checkout.
# libtoolize runs first so that m4/ holds libtool's macros before aclocal's first pass:
# with autoreconf alone, automake sometimes reads aclocal's cached traces of the pass that
# had no m4/ yet and leaves those macros out of make dist.
set -e
cd "$(dirname "$0")"
libtoolize --copy --force --quiet
autoreconf --force --install
