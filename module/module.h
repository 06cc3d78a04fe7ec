/* Internal interfaces of the PAM module. */
#ifndef PX_MODULE_H
#define PX_MODULE_H

/*
 * The one place where PAM return codes are made: maps 0 or a PX_ERR_* code
 * to the PAM code for an authentication stage.  Anything unexpected fails
 * closed (never PAM_SUCCESS).
 */
int px_pam_code(int r);

#endif
