/* SPDX-License-Identifier: BSD-2-Clause */
/* The verification context, and the validators rebuilt from data for
 * the retrieval helper. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "chaincache.h"
#include "verify_int.h"

/*
 * The [policy] settings as path validation takes them (RFC 5280 6.1.1):
 * required_policies is the user-initial-policy-set and, as a policy the
 * administrator requires is one the certificate must carry, it implies
 * require_explicit_policy.  The path's own constraints (policyConstraints,
 * inhibitAnyPolicy, policyMappings) are always processed.
 */
static int
policy_rules(struct px_pkix *px, const struct px_config *cfg)
{
	const char *p = cfg->required_policies;
	unsigned char head[4];
	ASN1_OBJECT *o;
	EVP_MD_CTX *md;
	char oid[128];
	size_t len;
	int r = 0;

	px->vflags = X509_V_FLAG_POLICY_CHECK;
	/* No set given: {anyPolicy}, RFC 5280's default (OpenSSL takes an
	 * unset one as empty, and then no explicit policy is ever met). */
	if (p == NULL)
		p = "2.5.29.32.0";
	if (cfg->require_explicit_policy || cfg->required_policies != NULL)
		px->vflags |= X509_V_FLAG_EXPLICIT_POLICY;
	if (cfg->inhibit_policy_mapping)
		px->vflags |= X509_V_FLAG_INHIBIT_MAP;
	if (cfg->inhibit_any_policy)
		px->vflags |= X509_V_FLAG_INHIBIT_ANY;
	while (p != NULL && *p != '\0') {
		len = strcspn(p, " ");
		if (len >= sizeof(oid))
			return PX_ERR_CONFIG;
		memcpy(oid, p, len);
		oid[len] = '\0';
		p += len + (p[len] == ' ');
		if ((px->policies == NULL &&
		        (px->policies = sk_ASN1_OBJECT_new_null()) == NULL) ||
		    (o = OBJ_txt2obj(oid, 1)) == NULL)
			return PX_ERR_NOMEM;
		if (!sk_ASN1_OBJECT_push(px->policies, o)) {
			ASN1_OBJECT_free(o);
			return PX_ERR_NOMEM;
		}
	}
	/* What the chain cache's entries were validated under. */
	head[0] = 1; /* version of this digest */
	head[1] = (px->vflags & X509_V_FLAG_EXPLICIT_POLICY) != 0;
	head[2] = (px->vflags & X509_V_FLAG_INHIBIT_MAP) != 0;
	head[3] = (px->vflags & X509_V_FLAG_INHIBIT_ANY) != 0;
	p = cfg->required_policies != NULL ? cfg->required_policies : "";
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, head, sizeof(head)) != 1 ||
	    EVP_DigestUpdate(md, p, strlen(p) + 1) != 1 ||
	    EVP_DigestFinal_ex(md, px->rules, NULL) != 1)
		r = PX_ERR_NOMEM;
	EVP_MD_CTX_free(md);
	return r;
}

int
px_pkix_new(const struct px_config *cfg, struct px_pkix **pxp)
{
	struct px_pkix *px;
	int r;

	*pxp = NULL;
	if ((px = calloc(1, sizeof(*px))) == NULL)
		return PX_ERR_NOMEM;
	px->cfg = cfg;
	if ((px->memo = px_memo_new()) == NULL) {
		free(px);
		return PX_ERR_NOMEM;
	}
	if ((r = policy_rules(px, cfg)) != 0 ||
	    (r = px_store_load(&px->st, cfg)) != 0 ||
	    (r = px_cache_new(cfg, &px->cache)) != 0) {
		px_pkix_free(px);
		return r;
	}
	px->policy = cfg->revocation;
	px->crl_grace = (time_t)cfg->crl_grace;
	px_chain_cache_store(px->st.id);
	*pxp = px;
	return 0;
}

void
px_pkix_free(struct px_pkix *px)
{
	if (px == NULL)
		return;
	px_store_clear(&px->st);
	px_cache_free(px->cache);
	px_memo_free(px->memo);
	sk_ASN1_OBJECT_pop_free(px->policies, ASN1_OBJECT_free);
	free(px);
}

void
px_pkix_set_clock(struct px_pkix *px, time_t (*now)(void))
{
	px_cache_set_clock(px->cache, now);
}

/* ---- validators rebuilt from data (the retrieval helper) ---- */

struct vstate {
	enum px_kind kind;
	struct crl_check crl;
	struct cert_check cert;
	X509_NAME *want;
	X509 *issuer, *subject;
	struct rev rev; /* OCSP: a delegated responder checked by CRL */
	struct px_ocsp_ctx ocsp;
	void *ocsp_state;
};

static X509 *
vstate_cert(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;

	if (der == NULL || len > LONG_MAX)
		return NULL;
	return d2i_X509(NULL, &p, (long)len);
}

int
px_pkix_validator(struct px_pkix *px, const struct px_vspec *spec, time_t now,
    struct px_validator *v, void **statep)
{
	struct vstate *st;
	const unsigned char *p;
	const EVP_MD *md;
	int r = PX_ERR_BAD_FORMAT;

	*statep = NULL;
	memset(v, 0, sizeof(*v));
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return PX_ERR_NOMEM;
	st->kind = spec->kind;
	switch (spec->kind) {
	case PX_KIND_CRL:
		if (spec->issuer != NULL &&
		    (st->issuer = vstate_cert(
		         spec->issuer, spec->issuer_len)) == NULL)
			goto fail;
		st->crl.issuer = st->issuer;
		st->crl.px = px;
		v->validate = px_validate_crl;
		v->check_index = px_check_crl_index;
		v->arg = &st->crl;
		v->describe = px_describe_crl;
		break;
	case PX_KIND_CERT:
		p = spec->subject;
		if (p == NULL || spec->subject_len > LONG_MAX ||
		    (st->want = d2i_X509_NAME(
		         NULL, &p, (long)spec->subject_len)) == NULL)
			goto fail;
		st->cert.want = st->want;
		st->cert.url = spec->url != NULL ? spec->url : "AIA";
		v->validate = px_validate_issuers;
		v->arg = &st->cert;
		v->describe = px_describe_issuers;
		break;
	case PX_KIND_OCSP:
		if ((st->subject = vstate_cert(spec->cert, spec->cert_len)) ==
		        NULL ||
		    (st->issuer = vstate_cert(
		         spec->issuer, spec->issuer_len)) == NULL ||
		    spec->md == NULL ||
		    (md = EVP_get_digestbyname(spec->md)) == NULL)
			goto fail;
		st->rev.px = px;
		st->rev.now = now;
		px_budget_init(&st->rev.budget, px->cfg);
		px_ocsp_setup(&st->rev, st->subject, st->issuer, &st->ocsp);
		st->ocsp.md = md;
		if ((r = px_ocsp_validator(&st->ocsp, spec->request,
		         spec->request_len, v, &st->ocsp_state)) != 0)
			goto fail;
		break;
	default: goto fail;
	}
	*statep = st;
	return 0;
fail:
	ERR_clear_error();
	px_pkix_validator_free(st);
	return r;
}

void
px_pkix_validator_free(void *state)
{
	struct vstate *st = state;

	if (st == NULL)
		return;
	px_ocsp_validator_free(st->ocsp_state);
	X509_NAME_free(st->want);
	X509_free(st->issuer);
	X509_free(st->subject);
	free(st);
}

struct px_cache *
px_pkix_cache(struct px_pkix *px)
{
	return px->cache;
}
