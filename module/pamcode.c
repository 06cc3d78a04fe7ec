#include "config.h"

#include <security/pam_modules.h>

#include "../common/err.h"
#include "module.h"

int
px_pam_code(int r)
{
	switch (r) {
	case 0: return PAM_SUCCESS;
	case PX_ERR_NOMEM: return PAM_BUF_ERR;
	case PX_ERR_CONFIG:
	case PX_ERR_INSECURE:
	case PX_ERR_INVALID_ARG:
	case PX_ERR_INTERNAL: return PAM_SERVICE_ERR;
	case PX_ERR_NOT_FOUND:
		/* No token: let the stack fall back to another method. */
		return PAM_AUTHINFO_UNAVAIL;
	case PX_ERR_USER_UNKNOWN: return PAM_USER_UNKNOWN;
	}
	return PAM_AUTH_ERR;
}
