/*
 * pam_pkix: PAM entry points.  Smart-card authentication arrives with the
 * PAM issue; until then the module takes no part in a stack (PAM_IGNORE),
 * so a pam.d line naming it cannot lock anybody in or out.
 */
#include "config.h"

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_modules.h>
#ifdef HAVE_SECURITY_PAM_EXT_H
#include <security/pam_ext.h>
#endif

#include "module.h"

#define PX_EXPORT __attribute__((visibility("default")))

PX_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}

PX_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}

PX_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}
