/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_pkix: smart-card login.  The card proves it holds the key of a
 * certificate that maps to the user; the certificate is validated, with
 * revocation, by the core.  PAM codes come from px_pam_code() only.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include <openssl/x509.h>

#include "../cache/cache.h"
#include "../common/conf.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../pkix/chaincache.h"
#include "../pkix/pkix.h"
#include "module.h"

#define PX_EXPORT __attribute__((visibility("default")))
#define PX_PIN_MAX 256
#define PX_DATA "pam_pkix_session"
/* Subjects in log lines are cut there. */
#define PX_SUBJECT_LOG_MAX 256

struct args {
	const char *config;
	int debug;
	int try_first_pass;
	int use_first_pass;
	const char *revocation;
	const char *wait_for_card;
};

static void
log_pam(void *arg, int level, const char *msg)
{
	pam_syslog(arg, level, "%s", msg);
}

static void
trace_pam(void *arg, const char *line)
{
	pam_syslog(arg, LOG_DEBUG, "trace: %s", line);
}

/* Options of the pam.d line; an unknown one is refused. */
static int
parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->config = PX_DEFAULT_CONFIG;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0)
			a->config = argv[i] + 7;
		else if (strcmp(argv[i], "debug") == 0)
			a->debug = 1;
		else if (strcmp(argv[i], "try_first_pass") == 0)
			a->try_first_pass = 1;
		else if (strcmp(argv[i], "use_first_pass") == 0)
			a->use_first_pass = 1;
		else if (strncmp(argv[i], "revocation=", 11) == 0)
			a->revocation = argv[i] + 11;
		else if (strncmp(argv[i], "wait_for_card=", 14) == 0)
			a->wait_for_card = argv[i] + 14;
		else {
			pam_syslog(pamh, LOG_ERR, "unknown option %s", argv[i]);
			return PX_ERR_CONFIG;
		}
	}
	return 0;
}

/* The pam.d line's options, and the log sinks they ask for. */
static int
setup_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	int r;

	px_log_set_sink(log_pam, pamh);
	px_trace_set_sink(NULL, NULL);
	if ((r = parse_args(pamh, argc, argv, a)) != 0)
		return r;
	px_log_set_debug(a->debug);
	if (a->debug)
		px_trace_set_sink(trace_pam, pamh);
	return 0;
}

/* The configuration file with the pam.d line's overrides. */
static int
load_config(const struct args *a, struct px_config **cfgp)
{
	int r;

	*cfgp = NULL;
	if ((r = px_config_load(a->config, cfgp)) != 0)
		return r == PX_ERR_NOMEM ? r : PX_ERR_CONFIG;
	/* A login waits a bounded time in all: unless the file says
	 * otherwise, one budget for the whole verification (DESIGN.md 9). */
	if (!(*cfgp)->cumulative_timeout_given)
		(*cfgp)->cumulative_timeout = PX_MODULE_CUMULATIVE_TIMEOUT;
	if ((a->revocation != NULL &&
	        px_config_set(
	            *cfgp, "revocation", "revocation", a->revocation) != 0) ||
	    (a->wait_for_card != NULL &&
	        px_config_set(
	            *cfgp, "login", "wait_for_card", a->wait_for_card) != 0)) {
		px_config_free(*cfgp);
		*cfgp = NULL;
		return PX_ERR_CONFIG;
	}
	return 0;
}

static int
setup(pam_handle_t *pamh, int argc, const char **argv, struct args *a,
    struct px_config **cfgp)
{
	int r;

	*cfgp = NULL;
	if ((r = setup_args(pamh, argc, argv, a)) != 0)
		return r;
	return load_config(a, cfgp);
}

static void tell(pam_handle_t *pamh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A message to the user through the conversation. */
static void
tell(pam_handle_t *pamh, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)pam_prompt(pamh, PAM_ERROR_MSG, NULL, "%s", buf);
}

/* The PIN: PAM_AUTHTOK with try/use_first_pass, else asked. */
static int
get_pin(
    pam_handle_t *pamh, const struct args *a, const char *label, char **pinp)
{
	const void *item = NULL;
	char *pin = NULL;
	int rc = PAM_SUCCESS;

	*pinp = NULL;
	if ((a->try_first_pass || a->use_first_pass) &&
	    pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS &&
	    item != NULL) {
		if ((pin = strdup(item)) == NULL)
			return PX_ERR_NOMEM;
	} else if (a->use_first_pass) {
		px_warn("use_first_pass without a previous password");
		return PX_ERR_BAD_PIN;
	} else if ((rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &pin,
	                "PIN for %s: ", label)) != PAM_SUCCESS ||
	    pin == NULL) {
		px_warn("the conversation gave no PIN (%s)",
		    rc != PAM_SUCCESS ? pam_strerror(pamh, rc) : "no answer");
		px_free_secret(pin);
		return rc == PAM_BUF_ERR ? PX_ERR_NOMEM : PX_ERR_CONV;
	}
	if (pin[0] == '\0' || strlen(pin) > PX_PIN_MAX) {
		px_warn("PIN refused: empty or longer than %d", PX_PIN_MAX);
		px_free_secret(pin);
		return PX_ERR_BAD_PIN;
	}
	*pinp = pin;
	return 0;
}

/*
 * What the auth stage leaves for the account stage of the same PAM
 * transaction (pam_set_data): the certificate, and the context it was
 * validated with, so that the account stage loads no trust store again.
 * The options that made the context are kept to tell whether the account
 * line asks for the same one.
 */

static void
session_free(struct px_session *s)
{
	if (s == NULL)
		return;
	px_pkix_free(s->px);
	px_config_free(s->cfg);
	OPENSSL_free(s->der);
	free(s->config);
	free(s->revocation);
	free(s);
}

/* Called by pam_end() (before libpam unloads the module) or when the
 * data is replaced. */
static void
session_cleanup(pam_handle_t *pamh, void *data, int status)
{
	session_free(data);
}

/* Keeps cert and the context (taken over: *cfgp and *pxp become NULL)
 * for the account stage.  Returns 0 or PX_ERR_NOMEM. */
static int
remember(pam_handle_t *pamh, const struct args *a, X509 *cert,
    struct px_config **cfgp, struct px_pkix **pxp)
{
	struct px_session *s;
	int r = PX_ERR_NOMEM;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto out;
	if ((s->len = i2d_X509(cert, &s->der)) <= 0 ||
	    (s->config = strdup(a->config)) == NULL ||
	    (a->revocation != NULL &&
	        (s->revocation = strdup(a->revocation)) == NULL))
		goto out;
	s->cfg = *cfgp;
	s->px = *pxp;
	*cfgp = NULL;
	*pxp = NULL;
	if (pam_set_data(pamh, PX_DATA, s, session_cleanup) != PAM_SUCCESS) {
		/* Handed back: the caller frees them. */
		*cfgp = s->cfg;
		*pxp = s->px;
		s->cfg = NULL;
		s->px = NULL;
		goto out;
	}
	s = NULL;
	r = 0;
out:
	session_free(s);
	return r;
}

/* Whether the account line's options make the auth stage's context. */
static int
session_fits(const struct px_session *s, const struct args *a)
{
	return strcmp(s->config, a->config) == 0 &&
	    (s->revocation == NULL) == (a->revocation == NULL) &&
	    (s->revocation == NULL ||
	        strcmp(s->revocation, a->revocation) == 0);
}

/* The subject of cert on one line (RFC 2253, as pkixctl prints it), cut
 * to len; "" when it cannot be printed. */
static void
subject_of(X509 *cert, char *buf, size_t len)
{
	BIO *bio;
	char *data;
	long n;

	buf[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
	        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0)
		snprintf(buf, len, "%.*s", (int)n, data);
	BIO_free(bio);
}

/*
 * Validation through the core.  Returns 0 when the certificate is
 * accepted, else the reason, with the sentence for the user in detail.
 */
static int
validate(struct px_pkix *px, X509 *cert, STACK_OF(X509) *extra, char *detail,
    size_t len)
{
	struct px_result *res = NULL;
	char subject[PX_SUBJECT_LOG_MAX];
	int r;

	detail[0] = '\0';
	if ((r = px_verify(px, cert, extra, NULL, 0, time(NULL), &res)) != 0)
		goto out;
	if (res->decision == PX_ACCEPTED) {
		r = 0;
		goto out;
	}
	subject_of(cert, subject, sizeof(subject));
	snprintf(detail, len, "%s", res->detail);
	px_notice("certificate %s refused: %s", subject, res->detail);
	r = res->reason != 0 ? res->reason : PX_ERR_REVOCATION_UNKNOWN;
out:
	px_result_free(res);
	return r;
}

/* The core's validator for cfg. */
static int
validator(const struct px_config *cfg, struct px_pkix **pxp)
{
	int r;

	if ((r = px_pkix_new(cfg, pxp)) != 0)
		return r == PX_ERR_NOMEM ? r : PX_ERR_CONFIG;
	px_debug("trust stores loaded: a new context");
	return 0;
}

/* The card's certificates that may help build a chain for the one at i. */
static int
others(const struct px_card *card, unsigned int i, STACK_OF(X509) **extrap)
{
	STACK_OF(X509) *extra;
	unsigned int k, n = px_card_ncerts(card);

	if ((*extrap = extra = sk_X509_new_null()) == NULL)
		return PX_ERR_NOMEM;
	for (k = 0; k < n; k++)
		if (k != i && !sk_X509_push(extra, px_card_cert(card, k)))
			return PX_ERR_NOMEM;
	return 0;
}

/*
 * The certificates of the card that map to the user (or, without a user
 * name, to one user, written into found): their indexes in cand, their
 * number in *ncandp.  Returns 0, PX_ERR_USER_UNKNOWN, PX_ERR_WRONG_USER,
 * or PX_ERR_AMBIGUOUS when, without a user name, they map to more than one
 * user: the module does not pick an identity for the user.
 */
static int
candidates(pam_handle_t *pamh, const struct px_config *cfg,
    const struct px_card *card, const char *user, char *found, size_t foundlen,
    unsigned int *cand, unsigned int *ncandp)
{
	char name[PX_USER_NAME_MAX];
	unsigned int i, n = px_card_ncerts(card), ncand = 0;
	int r, wrong = 0;

	found[0] = '\0';
	*ncandp = 0;
	for (i = 0; i < n && i < PX_CARD_CERTS_MAX; i++) {
		r = px_map_user(
		    cfg, px_card_cert(card, i), user, name, sizeof(name));
		if (r == PX_ERR_WRONG_USER)
			wrong = 1;
		if (r != 0)
			continue;
		if (ncand == 0)
			snprintf(found, foundlen, "%s", name);
		else if (user == NULL && strcmp(found, name) != 0) {
			px_notice("the card holds certificates of %s and %s "
			          "(more than one user): refused without a "
			          "user name",
			    found, name);
			tell(pamh,
			    "The card holds certificates of more than one "
			    "user: log in with your user name");
			found[0] = '\0';
			return PX_ERR_AMBIGUOUS;
		}
		cand[ncand++] = i;
	}
	if (ncand == 0) {
		if (wrong)
			tell(pamh, "The card's certificate is not %s's", user);
		else if (px_card_nlisted(card) > PX_CARD_CERTS_MAX)
			tell(pamh,
			    "No certificate among the first %d of the card "
			    "(it holds %u) is a login certificate",
			    PX_CARD_CERTS_MAX, px_card_nlisted(card));
		return wrong ? PX_ERR_WRONG_USER : PX_ERR_USER_UNKNOWN;
	}
	*ncandp = ncand;
	return 0;
}

/* The PIN, through the PIN pad or the conversation. */
static int
card_login(pam_handle_t *pamh, const struct args *a, struct px_card *card)
{
	char msg[128], *pin = NULL;
	int r;

	if (px_card_pin_pad(card)) {
		tell(pamh, "Enter the PIN on the reader's PIN pad");
		r = px_card_login(card, NULL, msg, sizeof(msg));
	} else {
		if ((r = get_pin(pamh, a, px_card_label(card), &pin)) != 0)
			return r;
		r = px_card_login(card, pin, msg, sizeof(msg));
		px_free_secret(pin);
	}
	if (r != 0)
		tell(pamh, "Wrong PIN%s%s", msg[0] != '\0' ? ": " : "", msg);
	return r;
}

/* Whether r says nothing of the certificate (memory, configuration): then
 * no other certificate is tried. */
static int
fatal(int r)
{
	return r == PX_ERR_NOMEM || r == PX_ERR_CONFIG ||
	    r == PX_ERR_INTERNAL || r == PX_ERR_INVALID_ARG;
}

/*
 * Of the candidates, the first whose key the card proves to hold and that
 * validates: its index in *chosenp.  When none does, the user is told why
 * the first one was refused; returns that reason.
 */
static int
choose(pam_handle_t *pamh, struct px_pkix *px, struct px_card *card,
    const unsigned int *cand, unsigned int ncand, unsigned int *chosenp)
{
	STACK_OF(X509) *extra = NULL;
	char detail[256], first_detail[256], subject[PX_SUBJECT_LOG_MAX];
	unsigned int k;
	int r, first = 0, proved = 1;

	first_detail[0] = '\0';
	for (k = 0; k < ncand; k++) {
		subject_of(
		    px_card_cert(card, cand[k]), subject, sizeof(subject));
		/* Proof of possession before anything else is trusted. */
		if ((r = px_card_prove(card, cand[k])) != 0) {
			px_notice("certificate %s refused: the card cannot "
			          "prove it holds its key",
			    subject);
			if (first == 0) {
				first = PX_ERR_BAD_SIGNATURE;
				proved = 0;
			}
			continue;
		}
		sk_X509_free(extra);
		extra = NULL;
		if ((r = others(card, cand[k], &extra)) != 0)
			goto out;
		if ((r = validate(px, px_card_cert(card, cand[k]), extra,
		         detail, sizeof(detail))) == 0) {
			*chosenp = cand[k];
			goto out;
		}
		if (fatal(r))
			goto out;
		if (first == 0) {
			first = r;
			snprintf(
			    first_detail, sizeof(first_detail), "%s", detail);
		}
	}
	r = first != 0 ? first : PX_ERR_INTERNAL;
	if (!proved)
		tell(pamh,
		    "The card cannot prove it holds the certificate's key");
	else
		tell(pamh, "Certificate refused: %s",
		    first_detail[0] != '\0' ? first_detail : px_strerror(r));
	if (ncand > 1)
		tell(pamh, "(%u certificates of the card were refused)", ncand);
out:
	sk_X509_free(extra);
	return r;
}

/*
 * Keeps the candidates whose certificate chains to a trusted root (the
 * path alone, no revocation), so that the PIN is typed only into a token
 * whose certificate a trusted CA issued: a self-made token that maps to a
 * user never sees that user's PIN (nor, with try_first_pass, the password
 * of an earlier module).  Returns 0, or the first one's reason (told).
 */
static int
trusted(pam_handle_t *pamh, struct px_pkix *px, const struct px_card *card,
    unsigned int *cand, unsigned int *ncandp)
{
	STACK_OF(X509) *extra = NULL;
	struct px_result *res = NULL;
	char subject[PX_SUBJECT_LOG_MAX], detail[256] = "";
	unsigned int k, kept = 0;
	int r, first = 0;

	for (k = 0; k < *ncandp; k++) {
		sk_X509_free(extra);
		extra = NULL;
		px_result_free(res);
		res = NULL;
		if ((r = others(card, cand[k], &extra)) != 0 ||
		    (r = px_verify_path(px, px_card_cert(card, cand[k]), extra,
		         time(NULL), &res)) != 0)
			goto out;
		if (res->decision == PX_ACCEPTED) {
			cand[kept++] = cand[k];
			continue;
		}
		subject_of(
		    px_card_cert(card, cand[k]), subject, sizeof(subject));
		px_notice("certificate %s refused before the PIN: %s", subject,
		    res->detail);
		if (first == 0) {
			first =
			    res->reason != 0 ? res->reason : PX_ERR_UNTRUSTED;
			snprintf(detail, sizeof(detail), "%s", res->detail);
		}
	}
	*ncandp = kept;
	r = 0;
	if (kept == 0) {
		tell(pamh, "Certificate refused: %s", detail);
		r = first;
	}
out:
	px_result_free(res);
	sk_X509_free(extra);
	return r;
}

static int
authenticate(pam_handle_t *pamh, int argc, const char **argv)
{
	struct args a;
	struct px_config *cfg = NULL;
	struct px_card *card = NULL;
	struct px_pkix *px = NULL;
	const void *item = NULL;
	const char *user;
	char found[PX_USER_NAME_MAX], subject[PX_SUBJECT_LOG_MAX];
	unsigned int cand[PX_CARD_CERTS_MAX], ncand = 0, chosen = 0, k;
	int r, rc;

	if ((r = setup(pamh, argc, argv, &a, &cfg)) != 0)
		goto out;
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS)
		item = NULL;
	user = item != NULL && *(const char *)item != '\0' ? item : NULL;
	if ((r = px_card_open(
	         cfg->pkcs11_module, (long)cfg->wait_for_card, &card)) != 0) {
		if (r == PX_ERR_NOT_FOUND)
			px_info("no smart card with a certificate");
		goto out;
	}
	if ((r = candidates(pamh, cfg, card, user, found, sizeof(found), cand,
	         &ncand)) != 0)
		goto out;
	if ((r = validator(cfg, &px)) != 0 ||
	    (r = trusted(pamh, px, card, cand, &ncand)) != 0)
		goto out;
	if ((r = card_login(pamh, &a, card)) != 0)
		goto out;
	if ((r = choose(pamh, px, card, cand, ncand, &chosen)) != 0)
		goto out;
	if (user == NULL &&
	    (rc = pam_set_item(pamh, PAM_USER, found)) != PAM_SUCCESS) {
		r = rc == PAM_BUF_ERR ? PX_ERR_NOMEM : PX_ERR_INTERNAL;
		goto out;
	}
	if ((r = remember(pamh, &a, px_card_cert(card, chosen), &cfg, &px)) !=
	    0)
		goto out;
	for (k = 0; k < ncand && cand[k] != chosen; k++)
		;
	subject_of(px_card_cert(card, chosen), subject, sizeof(subject));
	px_notice("login of %s with %s (certificate %u of %u on the card, "
	          "%u refused before it)",
	    found, subject, chosen + 1, px_card_ncerts(card), k);
	r = 0;
out:
	px_pkix_free(px);
	px_card_close(card);
	px_config_free(cfg);
	px_trace_set_sink(NULL, NULL);
	px_log_set_sink(NULL, NULL);
	return r;
}

/*
 * libpam unloads the module at pam_end(): the process-wide memory cache,
 * kept in the module's own memory, goes with it.
 */
static void __attribute__((destructor)) unload(void)
{
	px_mem_flush_all();
	px_chain_cache_flush();
}

PX_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return px_pam_code(PX_STAGE_AUTH, authenticate(pamh, argc, argv));
}

PX_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

/* Checks again the certificate of the auth stage (a long-lived process
 * sees a revocation), with the auth stage's context when the account
 * line's options are the same. */
static int
account(
    pam_handle_t *pamh, int argc, const char **argv, const struct px_session *s)
{
	const unsigned char *p = s->der;
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL, *use = s->px;
	struct args a;
	X509 *cert = NULL;
	char detail[256];
	int r;

	if ((r = setup_args(pamh, argc, argv, &a)) != 0)
		goto out;
	if (session_fits(s, &a))
		px_debug("the context of the auth stage reused");
	else {
		px_debug("the account line's options differ from the auth "
		         "line's: a context of its own");
		if ((r = load_config(&a, &cfg)) != 0 ||
		    (r = validator(cfg, &px)) != 0)
			goto out;
		use = px;
	}
	/* Our own DER from the auth stage: only memory can make it fail. */
	if ((cert = d2i_X509(NULL, &p, s->len)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if ((r = validate(use, cert, NULL, detail, sizeof(detail))) != 0)
		tell(pamh, "Certificate refused: %s",
		    detail[0] != '\0' ? detail : px_strerror(r));
out:
	X509_free(cert);
	px_pkix_free(px);
	px_config_free(cfg);
	px_trace_set_sink(NULL, NULL);
	px_log_set_sink(NULL, NULL);
	return r;
}

/*
 * sshd (issue 13): the key of a publickey login must still be the key of
 * a valid certificate of the user.  sshd's SSH_AUTH_INFO_0 names the keys;
 * empty or absent (OpenSSH fills it in for the session stage only, unless
 * another method follows publickey) means nothing to judge: PAM_IGNORE.
 */
static int
ssh_stage(pam_handle_t *pamh, int argc, const char **argv, enum px_stage stage)
{
	struct px_config *cfg = NULL;
	struct args a;
	const char *info;
	int r, ignore = 0;

	if ((r = setup_args(pamh, argc, argv, &a)) != 0)
		goto out;
	info = pam_getenv(pamh, "SSH_AUTH_INFO_0");
	if (info == NULL || *info == '\0') {
		px_debug("no SSH_AUTH_INFO_0: no key to check");
		ignore = 1;
		goto out;
	}
	if ((r = load_config(&a, &cfg)) != 0)
		goto out;
	r = px_ssh_recheck(pamh, cfg, info, &ignore);
out:
	px_config_free(cfg);
	px_trace_set_sink(NULL, NULL);
	px_log_set_sink(NULL, NULL);
	if (r == 0 && ignore)
		return PAM_IGNORE;
	return px_pam_code(stage, r);
}

/* The certificate of our auth stage, checked again; then, under sshd, the
 * key of a publickey login.  Neither: not ours to decide. */
PX_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	int rc;

	if (pam_get_data(pamh, PX_DATA, &data) == PAM_SUCCESS && data != NULL) {
		rc =
		    px_pam_code(PX_STAGE_ACCT, account(pamh, argc, argv, data));
		if (rc != PAM_SUCCESS)
			return rc;
		rc = ssh_stage(pamh, argc, argv, PX_STAGE_ACCT);
		return rc == PAM_IGNORE ? PAM_SUCCESS : rc;
	}
	return ssh_stage(pamh, argc, argv, PX_STAGE_ACCT);
}

/* "session required pam_pkix.so" under sshd: the same check as the
 * account stage, where SSH_AUTH_INFO_0 is always set. */
PX_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return ssh_stage(pamh, argc, argv, PX_STAGE_SESSION);
}

PX_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
