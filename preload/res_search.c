/*
 * res_search(3): records the name, then asks the resolver. glibc 2.34 moved it into libc as
 * res_search@@GLIBC_2.34; programs linked before that call __res_search (from libresolv, now
 * __res_search@GLIBC_2.2.5 in libc): the same function, interposed under both names. An
 * unversioned definition here satisfies either reference.
 */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT int res_search(const char *dname, int class, int type, unsigned char *answer,
		       int anslen)
{
	__typeof__(shim_real.res_search) real = SHIM_REAL(res_search);

	shim_record_name(PRELOAD_RES_SEARCH, dname);
	if (!real) {
		h_errno = NO_RECOVERY;
		return -1;
	}
	return real(dname, class, type, answer, anslen);
}

SHIM_EXPORT int __res_search(const char *dname, int class, int type, unsigned char *answer,
			 int anslen)
	__attribute__((alias("res_search"), copy(res_search)));
