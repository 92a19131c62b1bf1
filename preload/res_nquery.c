/* res_nquery(3): records the name, then asks the resolver; also under its pre-2.34 name
 * __res_nquery (see res_query.c). */

#include <errno.h>

#include "shim.h"

SHIM_EXPORT int res_nquery(res_state statp, const char *dname, int class, int type,
				unsigned char *answer, int anslen)
{
	__typeof__(shim_real.res_nquery) real = SHIM_REAL(res_nquery);

	shim_record_name(PRELOAD_RES_NQUERY, dname);
	if (!real) {
		h_errno = NO_RECOVERY;
		return -1;
	}
	return real(statp, dname, class, type, answer, anslen);
}

SHIM_EXPORT int __res_nquery(res_state statp, const char *dname, int class, int type,
				  unsigned char *answer, int anslen)
	__attribute__((alias("res_nquery"), copy(res_nquery)));
