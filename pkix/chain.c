/* SPDX-License-Identifier: BSD-2-Clause */
/* Chain building and path validation (RFC 5280 6.1). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "../common/log.h"
#include "../common/util.h"
#include "chaincache.h"
#include "verify_int.h"

/* ---- chain building ---- */

int
px_in_stack(STACK_OF(X509) *sk, X509 *x)
{
	int i;

	for (i = 0; sk != NULL && i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return 1;
	return 0;
}

static int
in_chain(const struct chain *ch, X509 *x)
{
	int i;

	for (i = 0; i < ch->n; i++)
		if (X509_cmp(ch->c[i], x) == 0)
			return 1;
	return 0;
}

/*
 * Depth-first search for chains from path up to a trusted root, within the
 * bounds of pkix_limits.h: same-named certificates that may each have
 * issued the others would otherwise make it try every ordering of them.
 * Returns 0, or PX_ERR_WORK_LIMIT when a bound was reached (b->crowded set
 * when the bound was the issuers of one certificate): the search then
 * stops, and what it found so far must not be used.
 */
int
px_chain_extend(struct build *b, struct chain *path)
{
	X509 *top = path->c[path->n - 1], *cand;
	const X509_NAME *want = X509_get_issuer_name(top);
	int p, q, i, dup, followed = 0, r;

	if (b->n == PX_MAX_CHAINS)
		return 0;
	px_store_want(b->st, top);
	if (px_in_stack(b->pools[0], top)) {
		b->chains[b->n++] = *path;
		return 0;
	}
	if (path->n > PX_MAX_DEPTH)
		return 0;
	for (p = 0; p < 3; p++) {
		for (i = 0; i < sk_X509_num(b->pools[p]); i++) {
			cand = sk_X509_value(b->pools[p], i);
			/* A name compare is cheap; only the certificates of
			 * the issuer's name count as checks. */
			if (X509_NAME_cmp(X509_get_subject_name(cand), want) !=
			    0)
				continue;
			/* The same certificate from two sources is one issuer.
			 */
			for (dup = 0, q = 0; q < p && !dup; q++)
				dup = px_in_stack(b->pools[q], cand);
			if (dup || in_chain(path, cand))
				continue;
			if (++b->checks > PX_MAX_ISSUER_CHECKS)
				return PX_ERR_WORK_LIMIT;
			if (X509_check_issued(cand, top) != X509_V_OK)
				continue;
			if (++followed > PX_MAX_ISSUER_CANDIDATES) {
				b->crowded = top;
				return PX_ERR_WORK_LIMIT;
			}
			path->c[path->n++] = cand;
			r = px_chain_extend(b, path);
			path->n--;
			if (r != 0)
				return r;
			if (b->n == PX_MAX_CHAINS)
				return 0;
		}
	}
	return 0;
}

/* The detail of a verification stopped by a bound of chain building. */
char *
px_limit_detail(const struct build *b)
{
	char *name, *s;

	if (b->crowded == NULL)
		return px_xasprintf("chain building stopped after %d issuer "
		                    "checks: too many candidate issuers",
		    PX_MAX_ISSUER_CHECKS);
	name = px_name_str(X509_get_subject_name(b->crowded));
	s = px_xasprintf("chain building stopped after %d issuer checks: more "
	                 "than %d certificates may have issued %s",
	    b->checks, PX_MAX_ISSUER_CANDIDATES, name != NULL ? name : "?");
	free(name);
	return s;
}

int
px_leaf_usage_ok(X509 *leaf, char **detail)
{
	EXTENDED_KEY_USAGE *eku;
	uint32_t ku = X509_get_key_usage(leaf);
	int i, nid, ok = 0, crit = 0;

	if (ku != UINT32_MAX && (ku & KU_DIGITAL_SIGNATURE) == 0) {
		*detail = px_xasprintf("key usage lacks digitalSignature");
		return 0;
	}
	eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL && crit == -1)
		return 1; /* no EKU: any use */
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		ok = nid == NID_client_auth || nid == NID_ms_smartcard_login;
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (!ok)
		*detail =
		    px_xasprintf("extended key usage has neither clientAuth "
		                 "nor smart card logon");
	return ok;
}

/* The valid policy set of a validated path, as dotted OIDs separated by
 * spaces; NULL when it is empty (or out of memory). */
static char *
valid_policies(X509_STORE_CTX *ctx)
{
	X509_POLICY_TREE *tree = X509_STORE_CTX_get0_policy_tree(ctx);
	STACK_OF(X509_POLICY_NODE) *nodes;
	char oid[128], *s = NULL, *t;
	size_t len = 0, n;
	int i;

	if (tree == NULL ||
	    (nodes = X509_policy_tree_get0_user_policies(tree)) == NULL)
		return NULL;
	for (i = 0; i < sk_X509_POLICY_NODE_num(nodes); i++) {
		if (OBJ_obj2txt(oid, sizeof(oid),
		        X509_policy_node_get0_policy(
		            sk_X509_POLICY_NODE_value(nodes, i)),
		        1) <= 0)
			continue;
		n = strlen(oid);
		if ((t = realloc(s, len + n + 2)) == NULL) {
			free(s);
			return NULL;
		}
		s = t;
		if (len > 0)
			s[len++] = ' ';
		memcpy(s + len, oid, n + 1);
		len += n;
	}
	return s;
}

static int
path_validate(
    struct px_pkix *px, struct chain *ch, time_t now, struct outcome *o)
{
	X509_VERIFY_PARAM *param;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *mid = NULL;
	int i, err, depth, r;

	if ((store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    (mid = sk_X509_new_null()) == NULL ||
	    !X509_STORE_add_cert(store, ch->c[ch->n - 1])) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	for (i = 1; i < ch->n - 1; i++)
		if (!sk_X509_push(mid, ch->c[i])) {
			r = PX_ERR_NOMEM;
			goto out;
		}
	if (!X509_STORE_CTX_init(ctx, store, ch->c[0], mid)) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, now);
	X509_VERIFY_PARAM_set_depth(param, PX_MAX_DEPTH + 1);
	if (!X509_VERIFY_PARAM_set_flags(param, px->vflags) ||
	    !X509_VERIFY_PARAM_set1_policies(param, px->policies)) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if (X509_verify_cert(ctx) == 1) {
		o->policies = valid_policies(ctx);
		r = 0;
		goto out;
	}
	err = X509_STORE_CTX_get_error(ctx);
	depth = X509_STORE_CTX_get_error_depth(ctx);
	r = px_err_from_x509(err);
	px_debug("path validation: depth %d: %s (X509_V_ERR %d)", depth,
	    X509_verify_cert_error_string(err), err);
	if (err == X509_V_ERR_NO_EXPLICIT_POLICY)
		o->detail = px->cfg->required_policies != NULL
		    ? px_xasprintf("no acceptable certificate policy: the path "
		                   "has none of the required policies (%s)",
		          px->cfg->required_policies)
		    : px_xasprintf(
		          "no acceptable certificate policy: the path "
		          "requires an explicit policy and has no valid "
		          "one");
	else if (err == X509_V_ERR_INVALID_POLICY_EXTENSION)
		o->detail = px_xasprintf("a certificate of the path has an "
		                         "invalid policy extension");
	else if (depth <= 0 || depth >= (int)o->n)
		o->detail =
		    px_xasprintf("%s", X509_verify_cert_error_string(err));
	else
		o->detail = px_xasprintf("issuer certificate %s: %s",
		    o->rep[depth].subject, X509_verify_cert_error_string(err));
	if (depth >= 0 && depth < (int)o->n) {
		/* (The anchor's report already says "trusted root".) */
		free(o->rep[depth].source);
		o->rep[depth].source =
		    px_xasprintf("path validation failed: %s",
		        X509_verify_cert_error_string(err));
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(mid);
	ERR_clear_error();
	return r;
}

/* The window [latest notBefore, earliest notAfter] of ch, or -1. */
static int
chain_window(const struct chain *ch, time_t *nb, time_t *na)
{
	time_t a, b;
	int i;

	*nb = 0;
	*na = 0;
	for (i = 0; i < ch->n; i++) {
		if (px_asn1_time(X509_get0_notBefore(ch->c[i]), &a) != 0 ||
		    px_asn1_time(X509_get0_notAfter(ch->c[i]), &b) != 0)
			return -1;
		if (i == 0 || a > *nb)
			*nb = a;
		if (i == 0 || b < *na)
			*na = b;
	}
	return 0;
}

/*
 * path_validate() through the process-wide chain cache (chaincache.h): a
 * path of the same certificates that passed, at a time inside all their
 * validity periods, passes again without its signatures checked twice.
 * Only passes are kept: a failure is checked again, and explained.
 */
int
px_path_validate_cached(struct rev *v, struct chain *ch,
    const unsigned char (*fps)[PX_FP_LEN], struct outcome *o)
{
	char pol[PX_CHAIN_POLICIES_MAX];
	struct px_chain_key key;
	time_t nb, na;
	int r;

	px_chain_key(fps, ch->n, v->px->rules, &key);
	if (px_chain_cache_valid(&key, v->now,
	        px_cache_resync_in_force(v->px->cache, v->now), pol)) {
		px_trace("path validation: passed earlier in this process "
		         "(chain cache)");
		if (pol[0] != '\0' && (o->policies = strdup(pol)) == NULL)
			return PX_ERR_NOMEM;
		r = 0;
	} else if ((r = path_validate(v->px, ch, v->now, o)) == 0 &&
	    chain_window(ch, &nb, &na) == 0)
		px_chain_cache_add(&key, nb, na, v->now,
		    o->policies != NULL ? o->policies : "");
	if (r == 0)
		px_trace("path validation: valid policy set: %s",
		    o->policies != NULL ? o->policies : "(none)");
	return r;
}
