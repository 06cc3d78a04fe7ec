/* SPDX-License-Identifier: BSD-2-Clause */
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
	PX_STAGE_ACCT,     /* pam_sm_acct_mgmt */
	PX_STAGE_SESSION   /* pam_sm_open_session */
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
/*
 * Calls fn(arg, USER, WHAT) for each line "USER WHAT" of a file: mapping
 * file (comments and blank lines skipped; the file read as map_file()
 * reads it).  fn returns 0 to go on; anything else stops and is returned.
 * Returns 0, fn's value or a PX_ERR_* of reading the file.
 */
int px_map_file_lines(const char *path,
    int (*fn)(void *arg, const char *user, const char *what), void *arg);

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

/* ---- OpenSSH (module/sshkey.c; also linked into pkixctl ssh-keys) ---- */

/* Limits: a key blob (RSA 16384 bits is about 2 KiB), its base64, the
 * SSH_AUTH_INFO_0 text, its lines and publickey lines, a user name used as
 * a directory name, the certificate files of one user (used, and looked
 * at), one file, a comment. */
#define PX_SSH_BLOB_MAX 4096
#define PX_SSH_B64_MAX ((PX_SSH_BLOB_MAX + 2) / 3 * 4)
#define PX_SSH_INFO_MAX (64 * 1024)
#define PX_SSH_INFO_LINES_MAX 32
#define PX_SSH_INFO_KEYS_MAX 8
#define PX_SSH_USER_MAX 64
#define PX_SSH_CERTS_MAX 64
#define PX_SSH_DIR_SCAN_MAX 4096
#define PX_SSH_CERT_FILE_MAX (64 * 1024)
#define PX_SSH_COMMENT_MAX 200
#define PX_SSH_RSA_MIN_BITS 1024
#define PX_SSH_RSA_MAX_BITS 16384

/* A public key in the OpenSSH wire format: type is the blob's first
 * string ("ssh-ed25519"); blob is malloc()ed. */
struct px_ssh_key {
	char type[64]; /* "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com" fits */
	unsigned char *blob;
	size_t len;
};

struct evp_pkey_st;
/*
 * The OpenSSH form of an X.509 public key: RSA (1024..16384 bits), ECDSA
 * on P-256, P-384, P-521, Ed25519.  Returns 0 and fills k (clear it with
 * px_ssh_key_clear()), PX_ERR_UNSUPPORTED with the reason in *why (static),
 * PX_ERR_CRYPTO or PX_ERR_NOMEM.
 */
int px_ssh_key_from_pkey(
    struct evp_pkey_st *pkey, struct px_ssh_key *k, const char **why);
void px_ssh_key_clear(struct px_ssh_key *k);
/* 1 when both hold the same blob. */
int px_ssh_key_equal(const struct px_ssh_key *a, const struct px_ssh_key *b);
/*
 * Reads "KEYTYPE BASE64" as sshd gives them (%t %k): strict base64 of at
 * most PX_SSH_B64_MAX characters whose blob names KEYTYPE.  Returns 0
 * (clear k after), PX_ERR_BAD_FORMAT or PX_ERR_NOMEM.
 */
int px_ssh_key_parse(const char *type, const char *b64, struct px_ssh_key *k);
int px_ssh_key_parse_n(const char *type, size_t tlen, const char *b64,
    size_t blen, struct px_ssh_key *k);
/* "KEYTYPE BASE64 COMMENT" (comment cut to PX_SSH_COMMENT_MAX, anything
 * but printable ASCII replaced by '?'), malloc()ed into *linep. */
int px_ssh_key_line(
    const struct px_ssh_key *k, const char *comment, char **linep);

/* The publickey methods of SSH_AUTH_INFO_0 (others counted only). */
struct px_ssh_info {
	struct px_ssh_key keys[PX_SSH_INFO_KEYS_MAX];
	size_t n;
	size_t others;
};
/*
 * Parses SSH_AUTH_INFO_0 (NULL or "": no key).  Returns 0 (clear info
 * after), PX_ERR_TOO_BIG (over PX_SSH_INFO_MAX bytes, PX_SSH_INFO_LINES_MAX
 * lines or PX_SSH_INFO_KEYS_MAX keys), PX_ERR_BAD_FORMAT (a control
 * character, a truncated or undecodable publickey line) or PX_ERR_NOMEM;
 * on failure info holds nothing.
 */
int px_ssh_info_parse(const char *s, struct px_ssh_info *info);
void px_ssh_info_clear(struct px_ssh_info *info);

/* Whether user may name a folder of user_cert_dir: px_user_name_ok(), no
 * leading '.', at most PX_SSH_USER_MAX bytes. */
int px_ssh_user_ok(const char *user);

struct px_ssh_cert {
	struct x509_st *cert;
	struct stack_st_X509 *chain; /* the file's other certificates */
	struct px_ssh_key key;
};
struct px_ssh_certs {
	struct px_ssh_cert *v;
	size_t n;
};
/*
 * USER's certificates: the files NAME.pem, NAME.crt, NAME.der of
 * [ssh] user_cert_dir/USER (both directories root's or the caller's, not
 * group/world-writable, USER's not a symbolic link; each file likewise),
 * the first PX_SSH_CERTS_MAX in name order (a log line names the cap),
 * each with a key OpenSSH knows (others skipped with a log line).  No
 * user_cert_dir or no folder: none.  Returns 0 with *certsp (free with
 * px_ssh_certs_free()), PX_ERR_INVALID_ARG (user name), PX_ERR_INSECURE,
 * PX_ERR_NOT_FOUND (no user_cert_dir), PX_ERR_IO or PX_ERR_NOMEM.
 */
int px_ssh_user_certs(const struct px_config *cfg, const char *user,
    struct px_ssh_certs **certsp);
void px_ssh_certs_free(struct px_ssh_certs *c);
/* "SUBJECT serial HEX" of cert into buf.  Returns 0 or PX_ERR_NOMEM. */
int px_ssh_cert_comment(struct x509_st *cert, char *buf, size_t len);

struct pam_handle;
/*
 * The account and session stages for sshd (module/sshstage.c): each
 * publickey of auth_info (SSH_AUTH_INFO_0) must be the key of one of
 * PAM_USER's certificates that validates now.  Returns 0 (*ignorep set
 * when no key was ours to judge: no publickey method, or every key
 * unmatched under ssh_unmatched = ignore), PX_ERR_NOT_FOUND (a key of no
 * certificate under ssh_unmatched = deny), the refusal's reason, or an
 * error of the parse or of the certificate folder.
 */
int px_ssh_recheck(struct pam_handle *pamh, const struct px_config *cfg,
    const char *auth_info, int *ignorep);

#endif
