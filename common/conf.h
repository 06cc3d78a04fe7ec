/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The configuration file (INI, DESIGN.md section 6), parsed with libinih
 * into one struct.  Every key is typed and range-checked; unknown keys and
 * bad values are errors naming file:line and the key.
 */
#ifndef PX_CONF_H
#define PX_CONF_H

/* The longest ocsp_retry, also the longest hold the list file keeps. */
#define PX_OCSP_RETRY_MAX (7 * 86400L)

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PX_CONF_MAX_SIZE (64 * 1024)
/* Errors of one file logged one by one; the rest are counted. */
#define PX_CONF_ERRORS_MAX 100

enum px_revocation_policy {
	PX_REV_REQUIRE = 0,     /* unknown status denies */
	PX_REV_BEST_EFFORT = 1, /* unknown status allows, with a warning */
	PX_REV_NONE = 2         /* no retrieval; what is known still counts */
};

/* [ssh] ssh_unmatched: a key that matches no certificate of the user. */
enum px_ssh_unmatched {
	PX_SSH_DENY = 0,  /* the account/session stage refuses it */
	PX_SSH_IGNORE = 1 /* not ours to decide (PAM_IGNORE) */
};

enum px_mapping_kind {
	PX_MAP_CN = 1,
	PX_MAP_UPN,
	PX_MAP_EMAIL,
	PX_MAP_FILE,
	PX_MAP_LDAP
};

#define PX_MAPPING_MAX 8
#define PX_ALLOWED_URLS_MAX 64
#define PX_HELPER_ENV_MAX 32
#define PX_POLICIES_MAX 16 /* OIDs in required_policies */
/* The module's total retrieval budget when the file sets none. */
#define PX_MODULE_CUMULATIVE_TIMEOUT 20

struct px_mapping {
	enum px_mapping_kind kind;
	char *path; /* PX_MAP_FILE only */
};

struct px_config {
	char *path; /* the file it came from */

	/* [trust] */
	char *ca_dir;
	char *intermediate_dir;
	char *disallowed_dir;
	char *crl_dir;

	/* [revocation] */
	enum px_revocation_policy revocation;
	int prefer_crl;
	uint64_t ocsp_to_crl_count;
	char *ocsp_responder;
	uint64_t crl_grace; /* seconds */
	char *ocsp_hash;    /* CertID hash: "sha1" or "sha256" */
	int ocsp_nonce;
	int ocsp_post;            /* always POST, never GET */
	uint64_t ocsp_lifetime;   /* seconds, responses without nextUpdate */
	uint64_t ocsp_max_age;    /* seconds: oldest thisUpdate without one */
	uint64_t ocsp_retry;      /* seconds a responder without a usable answer
	                           * is left alone; 0: never */
	uint64_t max_object_size; /* bytes */

	/* [fetch] */
	uint64_t url_timeout;         /* seconds */
	uint64_t cumulative_timeout;  /* seconds, 0 = off */
	int cumulative_timeout_given; /* set by the file or a pam.d option */
	uint64_t background_timeout;  /* seconds a retrieval may go on */
	char *allowed_urls[PX_ALLOWED_URLS_MAX];
	size_t n_allowed_urls;
	int offline;
	char *proxy;
	char *ldap_server;
	char *ldap_keytab;
	char *ldap_principal;
	int ldap_sasl_nocanon;
	char *helper; /* the retrieval helper program (pkix-fetch) */
	/* NAME=VALUE: the helper's whole environment beyond PATH */
	char *helper_env[PX_HELPER_ENV_MAX];
	size_t n_helper_env;

	/* [cache] */
	char *machine_dir;
	char *user_dir;
	int memory;
	uint64_t prefetch_window; /* seconds before nextUpdate */

	/* [policy] (RFC 5280 6.1.1 c-f) */
	char *required_policies; /* OIDs, space separated; NULL: any */
	int require_explicit_policy;
	int inhibit_policy_mapping;
	int inhibit_any_policy;

	/* [login] */
	char *pkcs11_module;
	struct px_mapping mapping[PX_MAPPING_MAX];
	size_t n_mapping;
	char *ldap_user_base;
	char *upn_realms; /* realms accepted for mapping = upn (list) */
	char *ldap_user_filter;
	uint64_t wait_for_card; /* seconds */

	/* [ssh] */
	char *
	    user_cert_dir; /* root-owned, one folder of certificates per user */
	enum px_ssh_unmatched ssh_unmatched;
};

/*
 * Returns a configuration holding every default, or NULL when out of memory.
 * The caller frees it with px_config_free().
 */
struct px_config *px_config_new(void);

/*
 * Reads and checks the file at path (regular, not a symlink, owned by root
 * or the caller, not group/world-writable, at most PX_CONF_MAX_SIZE bytes)
 * into a new configuration.  Returns 0 and sets *cfgp (caller frees), or
 * PX_ERR_CONFIG / PX_ERR_NOT_FOUND / PX_ERR_INSECURE / PX_ERR_TOO_BIG /
 * PX_ERR_IO with the reason logged as "file:line: [section] key: message".
 */
int px_config_load(const char *path, struct px_config **cfgp) PX_WUR;

/*
 * Parses INI text (name is used in messages) on top of the values in cfg.
 * Returns 0 or PX_ERR_CONFIG (logged).
 */
int px_config_parse(
    struct px_config *cfg, const char *name, const char *text) PX_WUR;

/*
 * Sets one key from a section ("revocation", "revocation", "best-effort"),
 * as a pam.d option would.  Returns 0 or PX_ERR_CONFIG (logged).
 */
int px_config_set(struct px_config *cfg, const char *section, const char *key,
    const char *value) PX_WUR;

/*
 * Calls fn(arg, section, key, value) for each key of the key table, in its
 * order, with cfg's value as the file would give it ("yes", "15m", "64M",
 * "upn cn"), or NULL when the key is unset or cfg is NULL.  fn returns 0 to
 * go on; anything else stops the walk and is returned.  Returns 0, fn's
 * value or PX_ERR_NOMEM.
 */
int px_config_walk(const struct px_config *cfg,
    int (*fn)(
        void *arg, const char *section, const char *key, const char *value),
    void *arg);

/* Returns "require", "best-effort" or "none". */
const char *px_revocation_name(enum px_revocation_policy p);

void px_config_free(struct px_config *cfg);

#endif
