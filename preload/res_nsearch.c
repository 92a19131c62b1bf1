/* res_nsearch(3): records the name, then asks the resolver; also under its pre-2.34 name
 * __res_nsearch (see res_search.c). */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT int res_nsearch(res_state statp, const char *dname, int class, int type,
				unsigned char *answer, int anslen)
{
	__typeof__(shim_real.res_nsearch) real = SHIM_REAL(res_nsearch);

	shim_record_name(PRELOAD_RES_NSEARCH, dname);
	if (!real) {
		h_errno = NO_RECOVERY;
		return -1;
	}
	return real(statp, dname, class, type, answer, anslen);
}

SHIM_EXPORT int __res_nsearch(res_state statp, const char *dname, int class, int type,
				  unsigned char *answer, int anslen)
	__attribute__((alias("res_nsearch"), copy(res_nsearch)));
