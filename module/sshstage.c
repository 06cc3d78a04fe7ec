/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The account and session stages for sshd (issue 13): the key a publickey
 * login used, as sshd reports it in SSH_AUTH_INFO_0, must be the key of
 * one of the user's certificates that the core accepts now.  Covers keys
 * that reached sshd by another path (an authorized_keys file) and a
 * revocation between the AuthorizedKeysCommand and this stage.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <openssl/x509.h>

#include "../common/conf.h"
#include "../common/log.h"
#include "../pkix/pkix.h"
#include "module.h"

/* Whether one of the certificates with key k validates now.  Returns 0
 * (then *matched tells whether any certificate has k), or the reason of
 * the last refusal with its sentence in detail. */
static int
sshstage_key(struct px_pkix **pxp, const struct px_config *cfg,
    const struct px_ssh_certs *certs, const struct px_ssh_key *k, int *matched,
    char *detail, size_t dlen)
{
	struct px_result *res = NULL;
	char comment[512];
	size_t i;
	int r, last = 0;

	*matched = 0;
	for (i = 0; i < certs->n; i++) {
		if (!px_ssh_key_equal(&certs->v[i].key, k))
			continue;
		*matched = 1;
		if (*pxp == NULL && (r = px_pkix_new(cfg, pxp)) != 0)
			return r == PX_ERR_NOMEM ? r : PX_ERR_CONFIG;
		px_result_free(res);
		res = NULL;
		if ((r = px_verify(*pxp, certs->v[i].cert, certs->v[i].chain,
		         NULL, 0, time(NULL), &res)) != 0)
			goto out;
		if (px_ssh_cert_comment(
		        certs->v[i].cert, comment, sizeof(comment)) != 0)
			comment[0] = '\0';
		if (res->decision == PX_ACCEPTED) {
			px_debug("%s key of certificate %s: accepted", k->type,
			    comment);
			r = 0;
			goto out;
		}
		px_notice("certificate %s refused: %s", comment, res->detail);
		snprintf(detail, dlen, "%s", res->detail);
		last =
		    res->reason != 0 ? res->reason : PX_ERR_REVOCATION_UNKNOWN;
	}
	r = last;
out:
	px_result_free(res);
	return r;
}

int
px_ssh_recheck(pam_handle_t *pamh, const struct px_config *cfg,
    const char *auth_info, int *ignorep)
{
	struct px_ssh_info info;
	struct px_ssh_certs *certs = NULL;
	struct px_pkix *px = NULL;
	const void *item = NULL;
	const char *user;
	char detail[256] = "";
	size_t i, checked = 0;
	int r, matched;

	*ignorep = 0;
	if ((r = px_ssh_info_parse(auth_info, &info)) != 0) {
		px_warn("SSH_AUTH_INFO_0 refused (%s): the login is refused",
		    px_strerror(r));
		return r;
	}
	if (info.n == 0) {
		px_debug("SSH_AUTH_INFO_0: no publickey method (%zu others)",
		    info.others);
		*ignorep = 1;
		r = 0;
		goto out;
	}
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS ||
	    item == NULL || !px_ssh_user_ok(item)) {
		px_warn("user name refused (characters or length)");
		r = PX_ERR_USER_UNKNOWN;
		goto out;
	}
	user = item;
	if ((r = px_ssh_user_certs(cfg, user, &certs)) != 0)
		goto out;
	for (i = 0; i < info.n; i++) {
		r = sshstage_key(&px, cfg, certs, &info.keys[i], &matched,
		    detail, sizeof(detail));
		if (r != 0) {
			(void)pam_prompt(pamh, PAM_ERROR_MSG, NULL,
			    "Certificate refused: %s",
			    detail[0] != '\0' ? detail : px_strerror(r));
			goto out;
		}
		if (matched) {
			checked++;
			continue;
		}
		if (cfg->ssh_unmatched == PX_SSH_IGNORE) {
			px_info("%s: the %s key used matches no certificate "
			        "of the user (ssh_unmatched = ignore)",
			    user, info.keys[i].type);
			continue;
		}
		px_notice("%s: the %s key used matches no certificate of the "
		          "user: refused (ssh_unmatched = deny)",
		    user, info.keys[i].type);
		r = PX_ERR_NOT_FOUND;
		goto out;
	}
	if (checked == 0)
		*ignorep = 1;
	else
		px_info("%s: the key of the login belongs to a valid "
		        "certificate",
		    user);
	r = 0;
out:
	px_pkix_free(px);
	px_ssh_certs_free(certs);
	px_ssh_info_clear(&info);
	return r;
}
