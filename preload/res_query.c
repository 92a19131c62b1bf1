/*
 * res_query(3): records the name, then asks the resolver. glibc 2.34 moved it into libc as
 * res_query@@GLIBC_2.34; programs linked before that call __res_query (from libresolv, now
 * __res_query@GLIBC_2.2.5 in libc): the same function, interposed under both names. An
 * unversioned definition here satisfies either reference.
 */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT int res_query(const char *dname, int class, int type, unsigned char *answer,
		       int anslen)
{
	__typeof__(shim_real.res_query) real = SHIM_REAL(res_query);

	shim_record_name(PRELOAD_RES_QUERY, dname);
	if (!real) {
		h_errno = NO_RECOVERY;
		return -1;
	}
	return real(dname, class, type, answer, anslen);
}

SHIM_EXPORT int __res_query(const char *dname, int class, int type, unsigned char *answer,
			 int anslen)
	__attribute__((alias("res_query"), copy(res_query)));
