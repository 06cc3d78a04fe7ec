/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one place where PAM return codes are made.  Each entry point may
 * return only the codes Linux-PAM documents for it (pam_sm_authenticate(3),
 * pam_sm_acct_mgmt(3), pam_sm_open_session(3)), plus PAM_SERVICE_ERR,
 * PAM_BUF_ERR and PAM_CONV_ERR; a nonzero PX_ERR_* code, known or not, never
 * becomes PAM_SUCCESS.
 */
#include "config.h"

#include <security/pam_modules.h>

#include "../common/err.h"
#include "module.h"

/* Codes every stage shares: resources, configuration, the conversation. */
static int
pamcode_common(int r)
{
	switch (r) {
	case PX_ERR_NOMEM: return PAM_BUF_ERR;
	case PX_ERR_CONV: return PAM_CONV_ERR;
	case PX_ERR_CONFIG:
	case PX_ERR_INSECURE:
	case PX_ERR_INVALID_ARG:
	case PX_ERR_INTERNAL: return PAM_SERVICE_ERR;
	case PX_ERR_USER_UNKNOWN: return PAM_USER_UNKNOWN;
	}
	return -1;
}

static int
pamcode_auth(int r)
{
	switch (r) {
	case PX_ERR_NOT_FOUND:
		/* No token: let the stack fall back to another method. */
		return PAM_AUTHINFO_UNAVAIL;
	}
	/* A bad PIN, a failed proof, a refused certificate, a card of several
	 * users, and anything unexpected: the user is not authenticated. */
	return PAM_AUTH_ERR;
}

static int
pamcode_acct(int r)
{
	/* The certificate of the authentication is no longer acceptable,
	 * or it cannot be told: the account is refused. */
	return PAM_PERM_DENIED;
}

int
px_pam_code(enum px_stage stage, int r)
{
	int code;

	if (r == 0)
		return stage == PX_STAGE_AUTH || stage == PX_STAGE_ACCT ||
		        stage == PX_STAGE_SESSION
		    ? PAM_SUCCESS
		    : PAM_SERVICE_ERR;
	/* A session is opened or it is not: pam_sm_open_session(3) knows
	 * PAM_SESSION_ERR, and memory. */
	if (stage == PX_STAGE_SESSION)
		return r == PX_ERR_NOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
	if ((code = pamcode_common(r)) != -1)
		return code;
	switch (stage) {
	case PX_STAGE_AUTH: return pamcode_auth(r);
	case PX_STAGE_ACCT: return pamcode_acct(r);
	case PX_STAGE_SESSION: break; /* handled above */
	}
	return PAM_SERVICE_ERR;
}
