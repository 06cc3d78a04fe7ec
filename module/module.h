/* Internal interfaces of the PAM module. */
#ifndef PX_MODULE_H
#define PX_MODULE_H

#include <stddef.h>

/*
 * The one place where PAM return codes are made: maps 0 or a PX_ERR_* code
 * to the PAM code for an authentication stage.  Anything unexpected fails
 * closed (never PAM_SUCCESS).
 */
int px_pam_code(int r);

struct px_config;
struct x509_st;
/*
 * Maps a certificate to a user by the methods of cfg->mapping, in order;
 * the user must exist (getpwnam).  With want (PAM_USER): 0 when a method
 * gives want; PX_ERR_WRONG_USER when methods give only other users;
 * PX_ERR_USER_UNKNOWN when none gives a user.  Without want: the first
 * existing user, written into out.
 */
int px_map_user(const struct px_config *cfg, struct x509_st *cert,
    const char *want, char *out, size_t outlen);
/* Whether name is acceptable as a login name (no '/', '*', '(', ')', '\',
 * ':', ',', control characters or spaces; at most 255 bytes). */
int px_user_name_ok(const char *name);

#endif
