/* Internal interfaces of the PAM module. */
#ifndef PX_MODULE_H
#define PX_MODULE_H

#include <stddef.h>

/* A user name, with its NUL. */
#define PX_USER_NAME_MAX 256
/* Certificates taken from a card: the first PX_CARD_CERTS_MAX objects the
 * token lists, each at most PX_CARD_CERT_SIZE_MAX bytes of DER. */
#define PX_CARD_CERTS_MAX 16
#define PX_CARD_CERT_SIZE_MAX (16 * 1024)

/* The entry points whose return codes differ. */
enum px_stage {
	PX_STAGE_AUTH = 1, /* pam_sm_authenticate */
	PX_STAGE_ACCT      /* pam_sm_acct_mgmt */
};
/*
 * The one place where PAM return codes are made: maps 0 or a PX_ERR_* code
 * to a PAM code that Linux-PAM documents for stage.  Anything nonzero,
 * known or not, and any unknown stage fails closed (never PAM_SUCCESS).
 */
int px_pam_code(enum px_stage stage, int r);

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

/* ---- the card (module/card.c) ---- */
struct px_card;
/* Loads the PKCS#11 module and finds a token holding certificates, waiting
 * up to wait_s seconds.  Returns 0, PX_ERR_NOT_FOUND (no token) or
 * PX_ERR_CONFIG (the module cannot be loaded). */
int px_card_open(const char *module, long wait_s, struct px_card **cp);
void px_card_close(struct px_card *c);
const char *px_card_label(const struct px_card *c);
/* Whether the token has a protected authentication path (PIN pad). */
int px_card_pin_pad(const struct px_card *c);
/* The certificates the module works on (at most PX_CARD_CERTS_MAX, each
 * within PX_CARD_CERT_SIZE_MAX), numbered from 0; the card owns them. */
unsigned int px_card_ncerts(const struct px_card *c);
struct x509_st *px_card_cert(const struct px_card *c, unsigned int i);
/* How many certificates the token lists, taken or not. */
unsigned int px_card_nlisted(const struct px_card *c);
/* Logs in with pin (NULL: the PIN pad).  Returns 0 or PX_ERR_BAD_PIN with
 * what the token says of its PIN in msg (or ""). */
int px_card_login(struct px_card *c, const char *pin, char *msg, size_t len);
/* What a token's PIN flags mean for the user ("" when none is set); the
 * most severe wins. */
const char *px_pin_state(int locked, int final_try, int count_low);
/* The token signs a random challenge, the certificate's key verifies it.
 * Returns 0, PX_ERR_NOT_FOUND (no key), PX_ERR_BAD_SIGNATURE. */
int px_card_prove(struct px_card *c, unsigned int i);

/*
 * What the auth stage leaves for the account stage of the same PAM
 * transaction (pam_set_data "pam_pkix_session"): the certificate, and the
 * context it was validated with, reused when the account line's options
 * are the same.
 */
struct px_config;
struct px_pkix;
struct px_session {
	struct px_config *cfg;
	struct px_pkix *px; /* made from cfg */
	unsigned char *der; /* the certificate */
	int len;
	char *config;     /* the auth line's config= */
	char *revocation; /* its revocation=, or NULL */
};

#endif
