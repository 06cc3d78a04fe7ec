/* SPDX-License-Identifier: BSD-2-Clause */
/* CRL selection and checking (RFC 5280 6.3), and the CRL validator of
 * the cache. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "../common/log.h"
#include "../common/util.h"
#include "verify_int.h"

/* ---- revocation: local CRLs, then the CRL distribution points ---- */

static const char *
origin(const struct px_crl *c)
{
	switch (c->src) {
	case PX_SRC_NONE: return "crl_dir";
	case PX_SRC_NETWORK: return "network";
	default: return "cache";
	}
}

void
px_note(char *buf, size_t len, const char *label, const char *why)
{
	if (buf[0] == '\0')
		snprintf(buf, len, "%s: %s", label, why);
}

/*
 * Whether x, a certificate of the stores that signed a CRL, may be
 * trusted for it: a path from x to the anchor of the chain being checked
 * validates, and no certificate of it is revoked or of unknown status
 * (checked by the same rules, root down; a signer's own check that needs
 * another signer counts against PX_MAX_CRL_SIGNER_DEPTH, so no loop).
 */
static int
crl_signer_trusted(struct rev *v, X509 *x)
{
	struct build *b = NULL;
	struct chain path;
	struct outcome o;
	X509 *anchor = v->anchor;
	int i, ok = 0;

	for (i = 0; i < v->n_signers; i++)
		if (v->signers[i].x == x && v->signers[i].anchor == anchor)
			return v->signers[i].ok;
	if (v->signer_depth >= PX_MAX_CRL_SIGNER_DEPTH ||
	    (b = calloc(1, sizeof(*b))) == NULL)
		return 0;
	b->pools[0] = v->px->st.roots;
	b->pools[1] = v->px->st.intermediates;
	b->st = &v->px->st;
	path.c[0] = x;
	path.n = 1;
	v->signer_depth++;
	if (px_chain_extend(b, &path) == 0)
		for (i = 0; i < b->n && !ok; i++) {
			if (X509_cmp(b->chains[i].c[b->chains[i].n - 1],
			        anchor) != 0)
				continue;
			if (px_check_chain(v, &b->chains[i], &o) == 0)
				ok = o.r == 0 && !o.unknown;
			px_outcome_clear(&o);
		}
	v->signer_depth--;
	v->anchor = anchor;
	free(b);
	if (v->n_signers < PX_MAX_CRL_SIGNERS) {
		v->signers[v->n_signers].x = x;
		v->signers[v->n_signers].anchor = anchor;
		v->signers[v->n_signers++].ok = ok;
	}
	return ok;
}

/*
 * RFC 5280 6.3.3 (f): a CRL whose issuer is the certificate's issuer, signed
 * by another certificate of that CA (a key rollover's, new-with-old or
 * old-with-new, or a certificate that only signs CRLs): each certificate
 * of the stores with the CRL's issuer name, cRLSign and the CRL's key is
 * tried.  Returns 1 with msg naming the one used, else 0.
 */
static int
crl_other_signer(
    struct rev *v, const struct px_crl *c, X509 *issuer, char *msg, size_t len)
{
	STACK_OF(X509) *pools[2] = { v->px->st.roots, v->px->st.intermediates };
	X509 *x;
	char *name;
	int i, j, tried = 0;

	if (v->anchor == NULL)
		return 0;
	px_store_want_name(&v->px->st, c->issuer);
	for (i = 0; i < 2; i++)
		for (j = 0; j < sk_X509_num(pools[i]); j++) {
			x = sk_X509_value(pools[i], j);
			if (X509_cmp(x, issuer) == 0 ||
			    X509_NAME_cmp(
			        X509_get_subject_name(x), c->issuer) != 0)
				continue;
			/* Every certificate of the name counts, checked or
			 * not: a store of many costs a bounded search. */
			if (++tried > PX_MAX_CRL_SIGNERS)
				return 0;
			if (px_crl_check_issuer(c, x) != 0)
				continue;
			if (!crl_signer_trusted(v, x)) {
				px_trace("%s %s: signed by another certificate "
				         "of the CA (serial %s), which is not "
				         "valid to the same trust anchor, or "
				         "not known good",
				    origin(c), c->label,
				    (name = px_serial_str(x)) != NULL ? name
				                                      : "?");
				free(name);
				continue;
			}
			name = px_serial_str(x);
			snprintf(msg, len,
			    "signed by another certificate of the CA (serial "
			    "%s)",
			    name != NULL ? name : "?");
			free(name);
			px_trace("%s %s: %s", origin(c), c->label, msg);
			return 1;
		}
	return 0;
}

/*
 * Whether c can serve for cert issued by issuer at now.  Returns 1 or 0,
 * recording the first reason against it in why.
 */
/*
 * RFC 5280 6.3.3 (b)(1): a CRL whose issuer is not the certificate's may
 * serve it when it is indirect (IDP indirectCRL) and a distribution point
 * of the certificate names the CRL's issuer as its cRLIssuer.
 */
static int
indirect_for(const struct px_crl *c, X509 *cert)
{
	STACK_OF(DIST_POINT) *cdp;
	DIST_POINT *dp;
	GENERAL_NAME *g;
	int i, j, ok = 0;

	if (c->idp == NULL || c->idp->indirectCRL <= 0)
		return 0;
	cdp = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; cdp != NULL && i < sk_DIST_POINT_num(cdp) && !ok; i++) {
		dp = sk_DIST_POINT_value(cdp, i);
		for (j = 0; dp->CRLissuer != NULL &&
		     j < sk_GENERAL_NAME_num(dp->CRLissuer) && !ok;
		     j++) {
			g = sk_GENERAL_NAME_value(dp->CRLissuer, j);
			ok = g->type == GEN_DIRNAME &&
			    X509_NAME_cmp(g->d.directoryName, c->issuer) == 0;
		}
	}
	sk_DIST_POINT_pop_free(cdp, DIST_POINT_free);
	return ok;
}

static int
crl_usable(struct rev *v, const struct px_crl *c, X509 *cert, X509 *issuer,
    char *why, size_t len)
{
	const struct px_cert_facts *f;
	struct px_cert_facts tmp;
	const char *scope;
	char t[32], msg[160], sbuf[256];
	unsigned int reasons;
	int r;

	if (X509_NAME_cmp(c->issuer, X509_get_issuer_name(cert)) != 0 &&
	    !indirect_for(c, cert))
		return 0;
	if (c->unusable != NULL) {
		px_note(why, len, c->label, c->unusable);
		px_trace(
		    "%s %s: skipped: %s", origin(c), c->label, c->unusable);
		return 0;
	}
	memset(&tmp, 0, sizeof(tmp));
	f = px_memo_get(v->px->memo, issuer, &tmp);
	r = px_crl_check_issuer_spki(c, issuer, f->spki_ok ? f->spki : NULL);
	px_cert_facts_clear(&tmp);
	/* Seed 003's rule first (the issuer's own key), then RFC 5280's:
	 * another certificate of the same CA, valid to the same anchor. */
	if (r != 0 && crl_other_signer(v, c, issuer, msg, sizeof(msg)))
		r = 0;
	else if (r != 0) {
		snprintf(msg, sizeof(msg),
		    "%s, nor by another valid certificate "
		    "of the CA that may sign CRLs",
		    r == PX_ERR_WRONG_USAGE
		        ? "the issuer's certificate may not sign CRLs (its "
		          "keyUsage lacks cRLSign)"
		        : "not signed by the issuer's key");
		px_note(why, len, c->label, msg);
		px_trace("%s %s: skipped: %s", origin(c), c->label, msg);
		return 0;
	}
	if (!px_crl_covers(c, cert, &reasons, &scope, sbuf, sizeof(sbuf))) {
		px_note(why, len, c->label, scope);
		px_trace(
		    "%s %s: not applicable: %s", origin(c), c->label, scope);
		return 0;
	}
	/* Reason partitions (6.3.3): only a CRL for reasons still open. */
	if ((reasons &
	        (v->want_reasons != 0 ? v->want_reasons : PX_REASONS_ALL)) ==
	    0) {
		px_note(why, len, c->label,
		    "covers only reasons another CRL answered");
		px_trace("%s %s: not needed: its reasons are answered",
		    origin(c), c->label);
		return 0;
	}
	if ((r = px_crl_check_time(c, v->now, v->px->crl_grace)) != 0) {
		if (r == PX_ERR_CRL_EXPIRED)
			snprintf(msg, sizeof(msg), "expired at %s",
			    px_time_str(c->next_update, t, sizeof(t)));
		else
			snprintf(msg, sizeof(msg), "not valid before %s",
			    px_time_str(c->this_update, t, sizeof(t)));
		px_note(why, len, c->label, msg);
		px_trace("%s %s: skipped: %s", origin(c), c->label, msg);
		return 0;
	}
	return 1;
}

/* The newest usable CRL of crl_dir: a base (base == NULL) or a delta
 * that fits base. */
const struct px_crl *
px_local_crl(struct rev *v, X509 *cert, X509 *issuer, const struct px_crl *base,
    char *why, size_t len)
{
	const struct px_crl *best = NULL, *c;
	size_t i;

	for (i = 0; i < v->px->st.n_crls; i++) {
		c = v->px->st.crls[i];
		if ((base == NULL) != (c->base == NULL) ||
		    (base != NULL && !px_crl_delta_fits(base, c)) ||
		    !crl_usable(v, c, cert, issuer, why, len))
			continue;
		if (best == NULL || px_crl_newer(c, best) > 0)
			best = c;
	}
	return best;
}

/* Finds the CA certificate of the stores that signed c. */
static int
any_issuer(struct px_pkix *px, const struct px_crl *c, X509 **signerp)
{
	STACK_OF(X509) *pools[2] = { px->st.roots, px->st.intermediates };
	X509 *x;
	int i, j, r = PX_ERR_UNTRUSTED;

	px_store_want_name(&px->st, c->issuer);
	for (i = 0; i < 2; i++)
		for (j = 0; j < sk_X509_num(pools[i]); j++) {
			x = sk_X509_value(pools[i], j);
			if ((r = px_crl_check_issuer(c, x)) == 0) {
				*signerp = x;
				return 0;
			}
		}
	return r == PX_ERR_UNTRUSTED ? r : PX_ERR_BAD_SIGNATURE;
}

/*
 * The validator for the cache: a well-formed CRL signed by the issuer,
 * compiled into its index (walked from its DER: px_crl_load()).
 */
int
px_validate_crl(void *arg, const unsigned char *der, size_t len,
    const unsigned char sha256[32], struct px_obj_info *info,
    unsigned char **idx, size_t *idx_len)
{
	struct crl_check *cc = arg;
	struct px_crl *c = NULL;
	X509 *signer = cc->issuer;
	BIGNUM *bn = NULL;
	char *name, *p;
	int r;

	if ((r = px_crl_load(der, len, "fetched", &c)) != 0)
		return r;
	if (c->unusable != NULL) {
		r = PX_ERR_UNSUPPORTED;
		goto out;
	}
	/* The issuer's key, else another certificate of the stores with the
	 * CRL's name and cRLSign: which of them may be trusted for the CRL
	 * is decided when it is used (crl_other_signer()). */
	if (signer == NULL || px_crl_check_issuer(c, signer) != 0)
		r = any_issuer(cc->px, c, &signer);
	else
		r = 0;
	if (r != 0)
		goto out;
	info->this_update = c->this_update;
	info->next_update = c->next_update;
	info->entries = c->entries;
	if ((name = px_name_str(c->issuer)) != NULL) {
		snprintf(info->issuer, sizeof(info->issuer), "%s", name);
		/* One printable line in the metadata. */
		for (p = info->issuer; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20)
				*p = '?';
		free(name);
	}
	info->number_len = 0;
	if (c->number != NULL &&
	    (bn = ASN1_INTEGER_to_BN(c->number, NULL)) != NULL &&
	    BN_num_bytes(bn) <= (int)sizeof(info->number))
		info->number_len = (size_t)BN_bn2bin(bn, info->number);
	r = px_crl_index_finish(c, signer, sha256, idx, idx_len);
out:
	BN_free(bn);
	px_crl_free(c);
	return r;
}

/* The CRL validator as data, for the retrieval helper. */
int
px_describe_crl(void *arg, struct px_vspec *s)
{
	const struct crl_check *cc = arg;
	int n;

	s->kind = PX_KIND_CRL;
	if (cc->issuer == NULL)
		return 0;
	if ((n = i2d_X509(cc->issuer, &s->issuer)) <= 0)
		return PX_ERR_NOMEM;
	s->issuer_len = (size_t)n;
	return 0;
}

int
px_check_crl_index(
    void *arg, const struct px_blob *idx, const unsigned char sha256[32])
{
	struct px_crl *c;
	int r;

	if ((r = px_crl_from_index(idx, sha256, "index", &c)) == 0)
		px_crl_free(c);
	return r;
}

int
px_pkix_fetch_crl(struct px_pkix *px, const char *url, struct px_object **objp)
{
	struct crl_check cc = { NULL, px };
	struct px_validator v = { px_validate_crl, px_check_crl_index, &cc,
		px_describe_crl, NULL, 0 };
	struct px_budget b;

	px_budget_init(&b, px->cfg);
	return px_cache_get(px->cache, url, PX_KIND_CRL, &b, &v, objp);
}

struct prefetch {
	struct px_pkix *px;
	time_t window;
	int (*report)(
	    void *arg, const char *url, int r, const struct px_object *obj);
	void *arg;
	int failed;
};

static int
prefetch_one(void *arg, const char *dir, const struct px_meta *m)
{
	struct prefetch *pf = arg;
	struct crl_check cc = { NULL, pf->px };
	struct px_validator v = { px_validate_crl, px_check_crl_index, &cc,
		px_describe_crl, NULL, 0 };
	struct px_object *obj = NULL;
	struct px_budget b;
	int r;

	/* CRLs only: a CA certificate from AIA changes with the CA. */
	if (m->kind != PX_KIND_CRL ||
	    !px_cache_due(pf->px->cache, m, pf->window))
		return 0;
	px_budget_init(&b, pf->px->cfg);
	r = px_cache_refresh(pf->px->cache, m->url, PX_KIND_CRL, &b, &v, &obj);
	if (r != 0 || obj->stale)
		pf->failed++;
	r = pf->report(pf->arg, m->url, r, obj);
	px_object_free(obj);
	return r;
}

int
px_pkix_prefetch(struct px_pkix *px, time_t window,
    int (*report)(
        void *arg, const char *url, int r, const struct px_object *obj),
    void *arg)
{
	struct prefetch pf = { px, window, report, arg, 0 };
	int r;

	if ((r = px_cache_list(px->cache, prefetch_one, &pf)) != 0)
		return r;
	return pf.failed > 0 ? PX_ERR_NETWORK : 0;
}

/*
 * Fetches, through the cache, the CRLs named by the URIs of dps, in order,
 * until one is usable for cert: a base CRL, or (base != NULL) a delta CRL
 * that fits base.  Returns it (caller frees) or NULL.
 */
static struct px_crl *
fetch_crl(struct rev *v, STACK_OF(DIST_POINT) *dps, X509 *cert, X509 *issuer,
    const struct px_crl *base, char *why, size_t len)
{
	struct crl_check cc = { issuer, v->px };
	struct px_validator val = { px_validate_crl, px_check_crl_index, &cc,
		px_describe_crl, NULL, 0 };
	struct px_object *obj = NULL;
	struct px_crl *c = NULL;
	DIST_POINT *dp;
	GENERAL_NAME *gn;
	const char *url;
	int i, j, r;

	for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0;
		     j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		     j++) {
			gn = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			if (gn->type != GEN_URI)
				continue;
			url = (const char *)ASN1_STRING_get0_data(
			    gn->d.uniformResourceIdentifier);
			if ((size_t)ASN1_STRING_length(
			        gn->d.uniformResourceIdentifier) != strlen(url))
				continue; /* an embedded NUL */
			r = px_cache_get(v->px->cache, url, PX_KIND_CRL,
			    &v->budget, &val, &obj);
			if (r != 0) {
				px_note(why, len, url, px_strerror(r));
				continue;
			}
			/* The index holds all the rules need: no parsing. */
			if (obj->idx.mem != NULL || obj->idx.fd != -1)
				r = px_crl_from_index(
				    &obj->idx, obj->meta.sha256, url, &c);
			else
				r = PX_ERR_BAD_FORMAT;
			if (r == 0) {
				c->src = obj->source;
				c->owner = obj;
				obj = NULL;
				if ((base == NULL) == (c->base == NULL) &&
				    (base == NULL ||
				        px_crl_delta_fits(base, c)) &&
				    crl_usable(v, c, cert, issuer, why, len))
					return c;
			}
			px_crl_free(c);
			c = NULL;
			px_object_free(obj);
			obj = NULL;
		}
	}
	return NULL;
}

/* The status of cert from a base CRL and an optional delta. */
static enum px_status
lookup_status(const struct px_crl *base, const struct px_crl *delta, X509 *cert,
    time_t now, struct px_cert_report *rep)
{
	struct px_crl_entry be, de;
	int in_base, in_delta;
	char t[32];

	in_base = px_crl_lookup_cert(base, cert, &be);
	in_delta = delta != NULL ? px_crl_lookup_cert(delta, cert, &de) : 0;
	if (in_base < 0 || in_delta < 0) {
		/* Fail closed: a read error is no "not listed". */
		px_warn("%s: the CRL's index could not be read",
		    (in_base < 0 ? base : delta)->label);
		free(rep->source);
		rep->source = px_xasprintf("the index of %s could not be read",
		    (in_base < 0 ? base : delta)->label);
		return PX_STATUS_UNKNOWN;
	}
	if (in_delta && de.reason == PX_REASON_REMOVE_FROM_CRL) {
		/* removeFromCRL lifts a hold; a permanent revocation stays. */
		if (!in_base || be.reason == PX_REASON_CERTIFICATE_HOLD ||
		    be.reason == PX_REASON_REMOVE_FROM_CRL)
			return PX_STATUS_GOOD;
		px_warn("%s: removeFromCRL for serial %s, revoked as %s in the "
		        "base CRL: still revoked",
		    delta->label, rep->serial, px_crl_reason_name(be.reason));
		in_delta = 0;
	}
	if (in_delta)
		be = de;
	else if (!in_base || be.reason == PX_REASON_REMOVE_FROM_CRL)
		return PX_STATUS_GOOD;
	/* Seed 003: revoked from its RevocationDate on, not before. */
	if (be.revoked_at > now) {
		px_info(
		    "serial %s is listed as revoked from %s on; good until then",
		    rep->serial, px_time_str(be.revoked_at, t, sizeof(t)));
		return PX_STATUS_GOOD;
	}
	rep->revoked_at = be.revoked_at;
	rep->crl_reason = be.reason;
	return PX_STATUS_REVOKED;
}

/* One CRL (and its delta) for the reasons still open: crl_dir, then
 * (fetch) the distribution points.  *reasons: what it answered, 0 when no
 * CRL was found. */
static enum px_status
crl_part(struct rev *v, X509 *cert, X509 *issuer, int fetch,
    struct px_cert_report *rep, unsigned int *reasons)
{
	const struct px_crl *base, *delta;
	struct px_crl *fbase = NULL, *fdelta = NULL;
	STACK_OF(DIST_POINT) *dps = NULL;
	char why[320] = "", nb[64], nd[64];
	const unsigned char *p;
	int need_delta;
	enum px_status s = PX_STATUS_UNKNOWN;

	/* Seed 003: a CRL already in the local store first, then the URLs. */
	if ((base = px_local_crl(v, cert, issuer, NULL, why, sizeof(why))) ==
	        NULL &&
	    fetch) {
		dps = X509_get_ext_d2i(
		    cert, NID_crl_distribution_points, NULL, NULL);
		base = fbase =
		    fetch_crl(v, dps, cert, issuer, NULL, why, sizeof(why));
		sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
		dps = NULL;
	}
	*reasons = 0;
	if (base == NULL) {
		rep->source = px_xasprintf("no usable CRL (%s)",
		    why[0] != '\0' ? why : "none for this issuer");
		goto out;
	}
	{
		const char *w;
		char b[64];

		if (px_crl_covers(base, cert, reasons, &w, b, sizeof(b)))
			*reasons &= v->want_reasons != 0 ? v->want_reasons
			                                 : PX_REASONS_ALL;
		else
			*reasons = 0; /* (checked by crl_usable()) */
	}
	delta = px_local_crl(v, cert, issuer, base, why, sizeof(why));
	need_delta = base->has_freshest ||
	    X509_get_ext_by_NID(cert, NID_freshest_crl, -1) >= 0;
	if (need_delta && delta == NULL && fetch) {
		/* freshestCRL of the base (parsed, or kept in its index),
		 * else of the certificate. */
		p = base->freshest_der;
		dps = p != NULL
		    ? d2i_CRL_DIST_POINTS(NULL, &p, base->freshest_der_len)
		    : NULL;
		if (dps == NULL)
			dps = X509_get_ext_d2i(
			    cert, NID_freshest_crl, NULL, NULL);
		delta = fdelta =
		    fetch_crl(v, dps, cert, issuer, base, why, sizeof(why));
	}
	px_crl_number_str(base, nb, sizeof(nb));
	if (need_delta && delta == NULL) {
		rep->source =
		    px_xasprintf("base CRL %s %s announces delta CRLs "
		                 "but no usable delta CRL was found%s%s",
		        base->label, nb, why[0] != '\0' ? ": " : "", why);
		goto out;
	}
	if (delta != NULL)
		px_crl_number_str(delta, nd, sizeof(nd));
	rep->source = delta != NULL
	    ? px_xasprintf("%s %s CRL %s + delta %s %s %s", origin(base),
	          base->label, nb, origin(delta), delta->label, nd)
	    : px_xasprintf("%s %s CRL %s", origin(base), base->label, nb);
	px_trace("%s %s: used as base CRL %s for serial %s", origin(base),
	    base->label, nb, rep->serial);
	if (delta != NULL)
		px_trace("%s %s: used as delta CRL %s", origin(delta),
		    delta->label, nd);
	s = lookup_status(base, delta, cert, v->now, rep);
out:
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	px_crl_free(fbase);
	px_crl_free(fdelta);
	return s;
}

/* ReasonFlags names of a mask, for messages. */
static void
reasons_str(unsigned int m, char *buf, size_t len)
{
	static const char *const names[9] = { "unused", "keyCompromise",
		"cACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "privilegeWithdrawn",
		"aACompromise" };
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 1; i <= 8; i++)
		if ((m & (1u << i)) != 0 && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o > 0 ? ", " : "", names[i]);
}

/*
 * The CRL path with reason partitions (RFC 5280 6.3.3): CRLs are taken
 * until together they cover every reason (a CRL without onlySomeReasons
 * covers all: one is enough); a revocation in any of them rejects, and
 * reasons left without a CRL make the status unknown.
 */
enum px_status
px_check_crl(struct rev *v, X509 *cert, X509 *issuer, int fetch,
    struct px_cert_report *rep)
{
	unsigned int saved = v->want_reasons, covered = 0, got;
	char *sources = NULL, *t, have[160], miss[160];
	enum px_status s = PX_STATUS_UNKNOWN;
	int parts;

	v->want_reasons = PX_REASONS_ALL;
	for (parts = 0; parts < PX_MAX_CRL_PARTS; parts++) {
		free(rep->source);
		rep->source = NULL;
		s = crl_part(v, cert, issuer, fetch, rep, &got);
		if (s == PX_STATUS_REVOKED || got == 0)
			break;
		if (s == PX_STATUS_UNKNOWN)
			break; /* a delta missing: that partition is unknown */
		covered |= got;
		t = sources == NULL
		    ? px_xasprintf("%s", rep->source)
		    : px_xasprintf("%s; %s", sources, rep->source);
		free(sources);
		sources = t;
		if (covered == PX_REASONS_ALL)
			break;
		v->want_reasons = PX_REASONS_ALL & ~covered;
		px_trace("revocation %s: %s answers some reasons; more CRLs "
		         "needed",
		    rep->subject, rep->source != NULL ? rep->source : "");
	}
	if (s != PX_STATUS_REVOKED && covered != 0 &&
	    covered != PX_REASONS_ALL) {
		reasons_str(covered, have, sizeof(have));
		reasons_str(PX_REASONS_ALL & ~covered, miss, sizeof(miss));
		free(rep->source);
		rep->source =
		    px_xasprintf("CRLs partitioned by reason cover %s "
		                 "but not %s (%s)",
		        have, miss, sources != NULL ? sources : "");
		s = PX_STATUS_UNKNOWN;
	} else if (s == PX_STATUS_GOOD && sources != NULL && parts > 0) {
		free(rep->source);
		rep->source = sources;
		sources = NULL;
	}
	free(sources);
	v->want_reasons = saved;
	return s;
}
