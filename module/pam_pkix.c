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
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include <openssl/x509.h>

#include "../cache/cache.h"
#include "../common/conf.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../pkix/pkix.h"
#include "module.h"

#define PX_EXPORT __attribute__((visibility("default")))
#define PX_PIN_MAX 256
#define PX_DATA "pam_pkix_cert"

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

/* The configuration file with the pam.d line's overrides. */
static int
setup(pam_handle_t *pamh, int argc, const char **argv, struct args *a,
    struct px_config **cfgp)
{
	int r;

	*cfgp = NULL;
	px_log_set_sink(log_pam, pamh);
	px_trace_set_sink(NULL, NULL);
	if ((r = parse_args(pamh, argc, argv, a)) != 0)
		return r;
	px_log_set_debug(a->debug);
	if (a->debug)
		px_trace_set_sink(trace_pam, pamh);
	if ((r = px_config_load(a->config, cfgp)) != 0)
		return r == PX_ERR_NOMEM ? r : PX_ERR_CONFIG;
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

static void
free_der(pam_handle_t *pamh, void *data, int status)
{
	free(data);
}

/* Keeps the certificate for the account stage. */
static void
remember(pam_handle_t *pamh, X509 *cert)
{
	unsigned char *der = NULL, *copy;
	int len;

	if ((len = i2d_X509(cert, &der)) <= 0)
		return;
	if ((copy = malloc(sizeof(int) + (size_t)len)) != NULL) {
		memcpy(copy, &len, sizeof(int));
		memcpy(copy + sizeof(int), der, (size_t)len);
		if (pam_set_data(pamh, PX_DATA, copy, free_der) != PAM_SUCCESS)
			free(copy);
	}
	OPENSSL_free(der);
}

/* Validation through the core; the reason reaches the user. */
static int
validate(pam_handle_t *pamh, const struct px_config *cfg, X509 *cert,
    STACK_OF(X509) *extra)
{
	struct px_pkix *px = NULL;
	struct px_result *res = NULL;
	int r;

	if ((r = px_pkix_new(cfg, &px)) != 0)
		return r == PX_ERR_NOMEM ? r : PX_ERR_CONFIG;
	if ((r = px_verify(px, cert, extra, NULL, 0, time(NULL), &res)) != 0)
		goto out;
	if (res->decision == PX_ACCEPTED) {
		r = 0;
		goto out;
	}
	tell(pamh, "Certificate refused: %s", res->detail);
	px_notice(
	    "certificate %s refused: %s", res->chain[0].subject, res->detail);
	r = res->reason != 0 ? res->reason : PX_ERR_REVOCATION_UNKNOWN;
out:
	px_result_free(res);
	px_pkix_free(px);
	return r;
}

static int
authenticate(pam_handle_t *pamh, int argc, const char **argv)
{
	struct args a;
	struct px_config *cfg = NULL;
	struct px_card *card = NULL;
	STACK_OF(X509) *extra = NULL;
	const void *item = NULL;
	const char *user;
	char found[256], msg[128], *pin = NULL;
	unsigned int i, n, chosen = 0;
	int r, mapped = PX_ERR_USER_UNKNOWN;

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
	/* The certificates of the card that map to the user (or, without a
	 * user, to anyone): the first one is used. */
	n = px_card_ncerts(card);
	for (i = 0; i < n && mapped != 0; i++) {
		r = px_map_user(
		    cfg, px_card_cert(card, i), user, found, sizeof(found));
		if (r == 0) {
			mapped = 0;
			chosen = i;
		} else if (r == PX_ERR_WRONG_USER)
			mapped = r;
	}
	if (mapped != 0) {
		r = mapped;
		if (r == PX_ERR_WRONG_USER)
			tell(pamh, "The card's certificate is not %s's", user);
		goto out;
	}
	if (px_card_pin_pad(card)) {
		tell(pamh, "Enter the PIN on the reader's PIN pad");
		r = px_card_login(card, NULL, msg, sizeof(msg));
	} else {
		if ((r = get_pin(pamh, &a, px_card_label(card), &pin)) != 0)
			goto out;
		r = px_card_login(card, pin, msg, sizeof(msg));
		px_free_secret(pin);
		pin = NULL;
	}
	if (r != 0) {
		tell(pamh, "Wrong PIN%s%s", msg[0] != '\0' ? ": " : "", msg);
		goto out;
	}
	/* Proof of possession before anything else is trusted. */
	if ((r = px_card_prove(card, chosen)) != 0) {
		tell(pamh,
		    "The card cannot prove it holds the certificate's key");
		r = PX_ERR_BAD_SIGNATURE;
		goto out;
	}
	if ((extra = sk_X509_new_null()) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (i != chosen &&
		    !sk_X509_push(extra, px_card_cert(card, i))) {
			r = PX_ERR_NOMEM;
			goto out;
		}
	if ((r = validate(pamh, cfg, px_card_cert(card, chosen), extra)) != 0)
		goto out;
	if (user == NULL &&
	    pam_set_item(pamh, PAM_USER, found) != PAM_SUCCESS) {
		r = PX_ERR_INTERNAL;
		goto out;
	}
	remember(pamh, px_card_cert(card, chosen));
	px_info("smart-card login of %s", found);
	r = 0;
out:
	px_free_secret(pin);
	sk_X509_free(extra);
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
 * sees a revocation). */
static int
account(pam_handle_t *pamh, int argc, const char **argv, const void *data)
{
	const unsigned char *p;
	struct px_config *cfg = NULL;
	struct args a;
	X509 *cert = NULL;
	int len, r;

	memcpy(&len, data, sizeof(int));
	p = (const unsigned char *)data + sizeof(int);
	if ((r = setup(pamh, argc, argv, &a, &cfg)) != 0)
		goto out;
	/* Our own DER from the auth stage: only memory can make it fail. */
	if ((cert = d2i_X509(NULL, &p, len)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	r = validate(pamh, cfg, cert, NULL);
out:
	X509_free(cert);
	px_config_free(cfg);
	px_trace_set_sink(NULL, NULL);
	px_log_set_sink(NULL, NULL);
	return r;
}

/* Without a certificate from our auth stage, not ours to decide. */
PX_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;

	if (pam_get_data(pamh, PX_DATA, &data) != PAM_SUCCESS || data == NULL)
		return PAM_IGNORE;
	return px_pam_code(PX_STAGE_ACCT, account(pamh, argc, argv, data));
}
