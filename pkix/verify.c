#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/sha.h>
#include <openssl/x509_vfy.h>

#include "../common/log.h"
#include "../common/util.h"
#include "certmemo.h"
#include "chaincache.h"
#include "ocsp.h"
#include "store.h"

struct px_pkix {
	const struct px_config *cfg;
	struct px_store st;
	struct px_cache *cache;
	struct px_memo *memo; /* facts of the certificates seen */
	/* [policy]: the user-initial-policy-set ({anyPolicy} by default), the
	 * X509_V_FLAG_* that carry the other settings, their digest. */
	STACK_OF(ASN1_OBJECT) *policies;
	unsigned long vflags;
	unsigned char rules[32];
	enum px_revocation_policy policy;
	time_t crl_grace;
};

struct chain {
	X509 *c[PX_MAX_DEPTH + 2]; /* leaf first */
	int n;
};

/* What one candidate chain came to. */
struct outcome {
	int r;          /* 0 or the PX_ERR_* that rejects it */
	char *policies; /* the valid policy set, NULL when empty */
	int unknown;    /* some certificate's status is unknown */
	char *detail;
	time_t revoked_at;
	int crl_reason;
	struct px_cert_report *rep; /* n entries, leaf first */
	size_t n;
};

const char *
px_crl_reason_name(int reason)
{
	static const char *names[] = { "unspecified", "keyCompromise",
		"cACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "value7",
		"removeFromCRL", "privilegeWithdrawn", "aACompromise" };

	if (reason < 0)
		return "no reason given";
	if ((size_t)reason < sizeof(names) / sizeof(names[0]))
		return names[reason];
	return "unknown reason";
}

const char *
px_status_name(enum px_status s)
{
	switch (s) {
	case PX_STATUS_GOOD: return "good";
	case PX_STATUS_REVOKED: return "revoked";
	case PX_STATUS_UNKNOWN: return "unknown";
	case PX_STATUS_ANCHOR: return "trusted root";
	case PX_STATUS_NOT_CHECKED: return "not checked";
	}
	return "?";
}

const char *
px_decision_name(enum px_decision d)
{
	switch (d) {
	case PX_ACCEPTED: return "accepted";
	case PX_REJECTED: return "rejected";
	case PX_UNKNOWN: return "unknown";
	}
	return "?";
}

enum px_decision
px_decide(enum px_decision found, int revocation_unknown,
    enum px_revocation_policy policy)
{
	if (found == PX_REJECTED)
		return PX_REJECTED;
	if (!revocation_unknown && found == PX_ACCEPTED)
		return PX_ACCEPTED;
	/* Status unknown: the policy decides. */
	switch (policy) {
	case PX_REV_BEST_EFFORT:
	case PX_REV_NONE: return PX_ACCEPTED;
	case PX_REV_REQUIRE: break;
	}
	return PX_UNKNOWN;
}

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

static char *xasprintf(const char *fmt, ...) PX_PRINTF(1, 2);

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

static char *
name_str(const X509_NAME *name)
{
	return px_name_str(name);
}

static void
reports_free(struct px_cert_report *rep, size_t n)
{
	size_t i;

	if (rep == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(rep[i].subject);
		free(rep[i].issuer);
		free(rep[i].serial);
		free(rep[i].source);
	}
	free(rep);
}

static void
outcome_clear(struct outcome *o)
{
	reports_free(o->rep, o->n);
	free(o->detail);
	free(o->policies);
	memset(o, 0, sizeof(*o));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
reports_new(struct px_pkix *px, X509 *const *certs, size_t n,
    struct px_cert_report **repp)
{
	const struct px_cert_facts *f;
	struct px_cert_facts tmp;
	struct px_cert_report *rep;
	size_t i;
	int bad;

	*repp = NULL;
	if ((rep = calloc(n, sizeof(*rep))) == NULL)
		return PX_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		rep[i].status = PX_STATUS_NOT_CHECKED;
		rep[i].crl_reason = -1;
		memset(&tmp, 0, sizeof(tmp));
		f = px_memo_get(px->memo, certs[i], &tmp);
		bad = (rep[i].subject = dup_or_null(f->subject)) == NULL ||
		    (rep[i].issuer = dup_or_null(f->issuer)) == NULL ||
		    (rep[i].serial = dup_or_null(f->serial)) == NULL;
		px_cert_facts_clear(&tmp);
		if (bad) {
			reports_free(rep, n);
			return PX_ERR_NOMEM;
		}
	}
	*repp = rep;
	return 0;
}

/* ---- chain building ---- */

static int
in_stack(STACK_OF(X509) *sk, X509 *x)
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

struct build {
	STACK_OF(X509) *pools[3]; /* roots, intermediates, caller's */
	struct px_store *st;      /* fills pools[0..1] on demand */
	struct chain chains[PX_MAX_CHAINS];
	int n;
	int checks;    /* X509_check_issued() calls, all steps together */
	X509 *crowded; /* had more than PX_MAX_ISSUER_CANDIDATES issuers */
};

/*
 * Depth-first search for chains from path up to a trusted root, within the
 * bounds of pkix_limits.h: same-named certificates that may each have
 * issued the others would otherwise make it try every ordering of them.
 * Returns 0, or PX_ERR_WORK_LIMIT when a bound was reached (b->crowded set
 * when the bound was the issuers of one certificate): the search then
 * stops, and what it found so far must not be used.
 */
static int
extend(struct build *b, struct chain *path)
{
	X509 *top = path->c[path->n - 1], *cand;
	const X509_NAME *want = X509_get_issuer_name(top);
	int p, q, i, dup, followed = 0, r;

	if (b->n == PX_MAX_CHAINS)
		return 0;
	px_store_want(b->st, top);
	if (in_stack(b->pools[0], top)) {
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
				dup = in_stack(b->pools[q], cand);
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
			r = extend(b, path);
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
static char *
limit_detail(const struct build *b)
{
	char *name, *s;

	if (b->crowded == NULL)
		return xasprintf("chain building stopped after %d issuer "
		                 "checks: too many candidate issuers",
		    PX_MAX_ISSUER_CHECKS);
	name = name_str(X509_get_subject_name(b->crowded));
	s = xasprintf("chain building stopped after %d issuer checks: more "
	              "than %d certificates may have issued %s",
	    b->checks, PX_MAX_ISSUER_CANDIDATES, name != NULL ? name : "?");
	free(name);
	return s;
}

/* ---- certificates known revoked (on any chain of one verification) ---- */

/*
 * What a CRL or an OCSP response revokes: a serial under an issuer's name
 * and key.  Compared as that, not by encoding (an ECDSA signature can be
 * re-encoded without the key), and not as the whole issuer certificate: a
 * second certificate of the same CA (same name and key, other extensions)
 * is the same issuer.
 */
struct revoked_cert {
	X509 *cert;   /* borrowed: the leaf or a pool's certificate */
	X509 *issuer; /* borrowed: the certificate above it on that chain */
	time_t revoked_at;
	int crl_reason;
};

struct known_revoked {
	struct revoked_cert v[PX_MAX_CHAINS * (PX_MAX_DEPTH + 1)];
	size_t n;
};

static int
same_revoked(const struct revoked_cert *k, X509 *cert, X509 *issuer)
{
	const EVP_PKEY *a = X509_get0_pubkey(k->issuer),
	               *b = X509_get0_pubkey(issuer);

	return ASN1_INTEGER_cmp(X509_get0_serialNumber(k->cert),
	           X509_get0_serialNumber(cert)) == 0 &&
	    X509_NAME_cmp(X509_get_issuer_name(k->cert),
	        X509_get_issuer_name(cert)) == 0 &&
	    a != NULL && b != NULL && EVP_PKEY_eq(a, b) == 1;
}

/* Returns what kr knows of cert issued by issuer, or NULL. */
static const struct revoked_cert *
known_revoked_find(const struct known_revoked *kr, X509 *cert, X509 *issuer)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (same_revoked(&kr->v[i], cert, issuer))
			return &kr->v[i];
	return NULL;
}

/* Remembers every certificate that chain ch found revoked. */
static void
known_revoked_add(
    struct known_revoked *kr, const struct chain *ch, const struct outcome *o)
{
	struct revoked_cert *k;
	int i;

	for (i = 0; i + 1 < ch->n && (size_t)i < o->n; i++) {
		if (o->rep[i].status != PX_STATUS_REVOKED ||
		    known_revoked_find(kr, ch->c[i], ch->c[i + 1]) != NULL ||
		    kr->n == sizeof(kr->v) / sizeof(kr->v[0]))
			continue;
		k = &kr->v[kr->n++];
		k->cert = ch->c[i];
		k->issuer = ch->c[i + 1];
		k->revoked_at = o->rep[i].revoked_at;
		k->crl_reason = o->rep[i].crl_reason;
	}
}

/*
 * A known revocation wins: when chain ch holds a certificate some chain of
 * this verification found revoked, its outcome becomes that revocation,
 * whatever its own sources said (an issuer certificate without cRLSign
 * leaves the status unknown, and an unknown chain must not outrank the
 * revoked one).  Returns PX_ERR_NOMEM or 0.
 */
static int
known_revoked_apply(
    const struct known_revoked *kr, const struct chain *ch, struct outcome *o)
{
	const struct revoked_cert *k = NULL;
	char t[32], *detail, *source;
	int i;

	if (o->r == PX_ERR_REVOKED)
		return 0;
	for (i = 0; i + 1 < ch->n && (size_t)i < o->n && k == NULL; i++)
		k = known_revoked_find(kr, ch->c[i], ch->c[i + 1]);
	if (k == NULL)
		return 0;
	i--;
	detail = xasprintf("%s%s revoked on %s (%s)",
	    i == 0 ? "certificate" : "issuer certificate ",
	    i == 0 ? "" : o->rep[i].subject,
	    px_time_str(k->revoked_at, t, sizeof(t)),
	    px_crl_reason_name(k->crl_reason));
	source = xasprintf("revoked: found so through another certificate of "
	                   "its issuer (same name and key)");
	if (detail == NULL || source == NULL) {
		free(detail);
		free(source);
		return PX_ERR_NOMEM;
	}
	px_trace("revocation %s: revoked, as another chain found it",
	    o->rep[i].subject);
	o->r = PX_ERR_REVOKED;
	o->unknown = 0;
	o->revoked_at = k->revoked_at;
	o->crl_reason = k->crl_reason;
	free(o->detail);
	o->detail = detail;
	o->rep[i].status = PX_STATUS_REVOKED;
	o->rep[i].revoked_at = k->revoked_at;
	o->rep[i].crl_reason = k->crl_reason;
	free(o->rep[i].source);
	o->rep[i].source = source;
	return 0;
}

/* ---- revocation: local CRLs, then the CRL distribution points ---- */

/* One verification: the context, its clock and its time budget. */
struct rev {
	struct px_pkix *px;
	time_t now;
	struct px_budget budget;
	const unsigned char *stapled; /* the leaf's stapled OCSP response */
	size_t stapled_len;
	int path_only; /* px_verify_path(): no revocation checks */
	X509 *anchor;  /* of the chain whose revocation is being checked */
	/* check_crl(): the reasons no CRL answered yet (0: all). */
	unsigned int want_reasons;
	int signer_depth; /* CRL signers being checked (crl_other_signer) */
	/* CRL signers judged in this verification: each path validated and
	 * checked once. */
	struct {
		X509 *x, *anchor;
		int ok;
	} signers[PX_MAX_CRL_SIGNERS];
	int n_signers;
};

static const char *
origin(const struct px_crl *c)
{
	switch (c->src) {
	case PX_SRC_NONE: return "crl_dir";
	case PX_SRC_NETWORK: return "network";
	default: return "cache";
	}
}

static void
note(char *buf, size_t len, const char *label, const char *why)
{
	if (buf[0] == '\0')
		snprintf(buf, len, "%s: %s", label, why);
}

/*
 * Whether c can serve for cert issued by issuer at now.  Returns 1 or 0,
 * recording the first reason against it in why.
 */
static int check_chain(struct rev *v, struct chain *ch, struct outcome *o);

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
	if (extend(b, &path) == 0)
		for (i = 0; i < b->n && !ok; i++) {
			if (X509_cmp(b->chains[i].c[b->chains[i].n - 1],
			        anchor) != 0)
				continue;
			if (check_chain(v, &b->chains[i], &o) == 0)
				ok = o.r == 0 && !o.unknown;
			outcome_clear(&o);
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
			        X509_get_subject_name(x), c->issuer) != 0 ||
			    px_crl_check_issuer(c, x) != 0)
				continue;
			if (++tried > PX_MAX_CRL_SIGNERS)
				return 0;
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

	if (X509_NAME_cmp(c->issuer, X509_get_issuer_name(cert)) != 0)
		return 0;
	if (c->unusable != NULL) {
		note(why, len, c->label, c->unusable);
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
		note(why, len, c->label, msg);
		px_trace("%s %s: skipped: %s", origin(c), c->label, msg);
		return 0;
	}
	if (!px_crl_covers(c, cert, &reasons, &scope, sbuf, sizeof(sbuf))) {
		note(why, len, c->label, scope);
		px_trace(
		    "%s %s: not applicable: %s", origin(c), c->label, scope);
		return 0;
	}
	/* Reason partitions (6.3.3): only a CRL for reasons still open. */
	if ((reasons &
	        (v->want_reasons != 0 ? v->want_reasons : PX_REASONS_ALL)) ==
	    0) {
		note(why, len, c->label,
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
		note(why, len, c->label, msg);
		px_trace("%s %s: skipped: %s", origin(c), c->label, msg);
		return 0;
	}
	return 1;
}

/* The newest usable CRL of crl_dir: a base (base == NULL) or a delta
 * that fits base. */
static const struct px_crl *
local_crl(struct rev *v, X509 *cert, X509 *issuer, const struct px_crl *base,
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

struct crl_check {
	X509 *issuer;       /* the expected issuer, or NULL: */
	struct px_pkix *px; /* any CA certificate of the stores */
};

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
static int
validate_crl(void *arg, const unsigned char *der, size_t len,
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
	if ((name = name_str(c->issuer)) != NULL) {
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
static int
describe_crl(void *arg, struct px_vspec *s)
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

static int
check_crl_index(
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
	struct px_validator v = { validate_crl, check_crl_index, &cc,
		describe_crl, NULL, 0 };
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
	struct px_validator v = { validate_crl, check_crl_index, &cc,
		describe_crl, NULL, 0 };
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

void
px_pkix_set_clock(struct px_pkix *px, time_t (*now)(void))
{
	px_cache_set_clock(px->cache, now);
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
	struct px_validator val = { validate_crl, check_crl_index, &cc,
		describe_crl, NULL, 0 };
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
				note(why, len, url, px_strerror(r));
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

/* The status of serial from a base CRL and an optional delta. */
static enum px_status
lookup_status(const struct px_crl *base, const struct px_crl *delta, X509 *cert,
    time_t now, struct px_cert_report *rep)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	struct px_crl_entry be, de;
	int in_base, in_delta;
	char t[32];

	in_base = px_crl_lookup(base, serial, &be);
	in_delta = delta != NULL && px_crl_lookup(delta, serial, &de);
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
	if ((base = local_crl(v, cert, issuer, NULL, why, sizeof(why))) ==
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
		rep->source = xasprintf("no usable CRL (%s)",
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
	delta = local_crl(v, cert, issuer, base, why, sizeof(why));
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
		rep->source = xasprintf("base CRL %s %s announces delta CRLs "
		                        "but no usable delta CRL was found%s%s",
		    base->label, nb, why[0] != '\0' ? ": " : "", why);
		goto out;
	}
	if (delta != NULL)
		px_crl_number_str(delta, nd, sizeof(nd));
	rep->source = delta != NULL
	    ? xasprintf("%s %s CRL %s + delta %s %s %s", origin(base),
	          base->label, nb, origin(delta), delta->label, nd)
	    : xasprintf("%s %s CRL %s", origin(base), base->label, nb);
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
static enum px_status
check_crl(struct rev *v, X509 *cert, X509 *issuer, int fetch,
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
		t = sources == NULL ? xasprintf("%s", rep->source)
		                    : xasprintf("%s; %s", sources, rep->source);
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
		rep->source = xasprintf("CRLs partitioned by reason cover %s "
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

/* A delegated OCSP responder without nocheck: known good by CRL only. */
static int
ocsp_signer_by_crl(void *arg, X509 *signer, X509 *issuer)
{
	struct rev *v = arg;
	struct px_cert_report rep;
	enum px_status s;

	memset(&rep, 0, sizeof(rep));
	rep.crl_reason = -1;
	rep.serial = px_serial_str(signer);
	s = check_crl(v, signer, issuer, 1, &rep);
	free(rep.serial);
	free(rep.source);
	return s == PX_STATUS_GOOD   ? 0
	    : s == PX_STATUS_REVOKED ? PX_ERR_REVOKED
	                             : PX_ERR_REVOCATION_UNKNOWN;
}

/*
 * Whether every certificate of a responder's chain below the root allows
 * OCSP signing: the responder with id-kp-OCSPSigning, a CA above it
 * without an EKU extension or with OCSPSigning or anyExtendedKeyUsage
 * (an EKU on a CA restricts what it issues for, as CryptoAPI reads it).
 */
static int
ocsp_chain_eku_ok(STACK_OF(X509) *chain, char *why, size_t len)
{
	X509 *x;
	int i, n = sk_X509_num(chain);

	for (i = 0; i < n - 1; i++) {
		x = sk_X509_value(chain, i);
		if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) == 0 &&
		    i > 0)
			continue;
		if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) == 0 ||
		    (X509_get_extended_key_usage(x) &
		        (XKU_OCSP_SIGN | (i > 0 ? XKU_ANYEKU : 0))) == 0) {
			snprintf(why, len,
			    i == 0 ? "it has no OCSPSigning EKU"
			           : "a CA of its chain has an EKU without "
			             "OCSPSigning");
			return 0;
		}
	}
	return 1;
}

/*
 * Seed 003, Vista SP1: an OCSP signing certificate may chain up to any
 * trusted root CA (the trust stores, not only the certificate's issuer) as
 * long as the chain has the OCSP Signing EKU.  Its chain is checked for
 * revocation by CRL only, never by OCSP (no independent signer on it, no
 * circular check); the signer itself not when it has id-pkix-ocsp-nocheck.
 */
static int
ocsp_signer_by_root(
    void *arg, X509 *signer, const STACK_OF(X509) *certs, char *why, size_t len)
{
	struct rev *v = arg;
	const struct px_store *st = &v->px->st;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL, *chain;
	struct px_cert_report rep;
	enum px_status s;
	int i, n, r = PX_ERR_NOMEM;

	if ((store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_new_null()) == NULL)
		goto out;
	px_store_want(&v->px->st, signer);
	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++)
		px_store_want(&v->px->st, sk_X509_value(certs, i));
	for (i = 0; i < sk_X509_num(st->roots); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(st->roots, i)))
			goto out;
	for (i = 0; i < sk_X509_num(st->intermediates); i++)
		if (!sk_X509_push(
		        untrusted, sk_X509_value(st->intermediates, i)))
			goto out;
	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++)
		if (!sk_X509_push(untrusted, sk_X509_value(certs, i)))
			goto out;
	if (!X509_STORE_CTX_init(ctx, store, signer, untrusted))
		goto out;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), v->now);
	X509_VERIFY_PARAM_set_depth(
	    X509_STORE_CTX_get0_param(ctx), PX_MAX_DEPTH + 1);
	if (X509_verify_cert(ctx) != 1) {
		snprintf(why, len, "it chains to no trusted root: %s",
		    X509_verify_cert_error_string(
		        X509_STORE_CTX_get_error(ctx)));
		r = PX_ERR_UNTRUSTED;
		goto out;
	}
	chain = X509_STORE_CTX_get0_chain(ctx);
	n = sk_X509_num(chain);
	r = PX_ERR_OCSP_SIGNER;
	if (!ocsp_chain_eku_ok(chain, why, len))
		goto out;
	for (i = 0; i < n; i++)
		if (px_store_disallowed(st, sk_X509_value(chain, i))) {
			snprintf(why, len,
			    "its chain has a disallowed "
			    "certificate");
			goto out;
		}
	for (i = 0; i < n - 1; i++) {
		if (i == 0 &&
		    X509_get_ext_by_NID(signer, NID_id_pkix_OCSP_noCheck, -1) >=
		        0)
			continue;
		memset(&rep, 0, sizeof(rep));
		rep.crl_reason = -1;
		rep.serial = px_serial_str(sk_X509_value(chain, i));
		s = check_crl(v, sk_X509_value(chain, i),
		    sk_X509_value(chain, i + 1), 1, &rep);
		free(rep.serial);
		free(rep.source);
		if (s != PX_STATUS_GOOD) {
			snprintf(why, len,
			    "%s of its chain is not known good by CRL",
			    i == 0 ? "its certificate" : "a CA");
			r = s == PX_STATUS_REVOKED ? PX_ERR_REVOKED
			                           : PX_ERR_REVOCATION_UNKNOWN;
			goto out;
		}
	}
	px_trace("ocsp: responder certificate accepted by the trusted-root "
	         "rule (Vista SP1)");
	r = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return r;
}

static void
ocsp_ctx(struct rev *v, X509 *cert, X509 *issuer, struct px_ocsp_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->cache = v->px->cache;
	c->budget = &v->budget;
	c->now = v->now;
	c->cert = cert;
	c->issuer = issuer;
	c->md = strcmp(v->px->cfg->ocsp_hash, "sha256") == 0 ? EVP_sha256()
	                                                     : EVP_sha1();
	c->nonce = v->px->cfg->ocsp_nonce;
	c->post = v->px->cfg->ocsp_post;
	c->lifetime = v->px->cfg->ocsp_lifetime;
	c->max_age = v->px->cfg->ocsp_max_age;
	c->check_signer = ocsp_signer_by_crl;
	c->trust_signer = ocsp_signer_by_root;
	c->arg = v;
}

/* Takes a definite OCSP answer into the report. */
static enum px_status
ocsp_answer(const struct px_ocsp_result *res, struct px_cert_report *rep)
{
	free(rep->source);
	rep->source = xasprintf("%s", res->source);
	if (res->status == PX_STATUS_REVOKED) {
		rep->revoked_at = res->revoked_at;
		rep->crl_reason = res->reason;
	}
	return res->status;
}

/*
 * Whether the responder's answer was no usable answer (ocsp_retry): an HTTP
 * error, "unknown", a malformed or unauthorised response.  A server we
 * cannot reach is the offline list's; a response out of date, or what
 * this process could not do, says nothing of the responder.
 */
static int
ocsp_unusable(int err)
{
	switch (err) {
	case PX_ERR_NETWORK:
	case PX_ERR_REVOCATION_UNKNOWN:
	case PX_ERR_BAD_FORMAT:
	case PX_ERR_NOT_FOUND:
	case PX_ERR_TOO_BIG:
	case PX_ERR_BAD_SIGNATURE:
	case PX_ERR_OCSP_SIGNER:
	case PX_ERR_REVOKED: return 1;
	default: return 0;
	}
}

/* Tries the OCSP URLs in order, but those that gave no usable answer
 * within ocsp_retry (*asked: how many were tried).  Returns GOOD/REVOKED,
 * or UNKNOWN. */
static enum px_status
try_ocsp(struct rev *v, X509 *cert, X509 *issuer,
    STACK_OF(OPENSSL_STRING) *urls, struct px_cert_report *rep, char *why,
    size_t wlen, int *asked)
{
	struct px_ocsp_ctx c;
	struct px_ocsp_result res;
	const char *url;
	char msg[80], t[32];
	time_t until;
	int i;

	*asked = 0;
	ocsp_ctx(v, cert, issuer, &c);
	for (i = 0; i < sk_OPENSSL_STRING_num(urls); i++) {
		url = sk_OPENSSL_STRING_value(urls, i);
		if (px_cache_responder_held(v->px->cache, url, &until)) {
			snprintf(msg, sizeof(msg),
			    "not asked: no usable answer before; not before %s",
			    px_time_str(until, t, sizeof(t)));
			px_trace("ocsp %s: %s", url, msg);
			note(why, wlen, url, msg);
			continue;
		}
		(*asked)++;
		if (px_ocsp_query(&c, url, &res) != PX_STATUS_UNKNOWN) {
			px_trace("ocsp %s: %s for serial %s", url,
			    px_status_name(res.status), rep->serial);
			if (res.err == 0)
				px_cache_responder_answered(v->px->cache, url);
			return ocsp_answer(&res, rep);
		}
		px_trace("ocsp %s: no answer: %s", url, res.why);
		px_info("OCSP %s: no answer for serial %s: %s", url,
		    rep->serial, res.why);
		note(why, wlen, url, res.why);
		if (ocsp_unusable(res.err))
			px_cache_responder_failed(v->px->cache, url, res.why);
	}
	return PX_STATUS_UNKNOWN;
}

/* The OCSP URLs of cert: the policy's responder, then AIA in order. */
static STACK_OF(OPENSSL_STRING) *
ocsp_urls(struct px_pkix *px, X509 *cert)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(cert);
	char *u;

	if (urls == NULL && (urls = sk_OPENSSL_STRING_new_null()) == NULL)
		return NULL;
	if (px->cfg->ocsp_responder != NULL &&
	    ((u = OPENSSL_strdup(px->cfg->ocsp_responder)) == NULL ||
	        !sk_OPENSSL_STRING_insert(urls, u, 0)))
		OPENSSL_free(u);
	return urls;
}

/*
 * The revocation status of cert (seed 003, "Certificate Validation" and
 * "Determining Preference between OCSP and CRLs"): a stapled response for
 * the leaf; a CRL of crl_dir; the OCSP URLs (policy, then AIA) and the CRL
 * distribution points — CRLs first when prefer_crl or when more than
 * ocsp_to_crl_count responses of the responder are cached; the other kind
 * when the first fails.  Every switch is logged and traced.
 */
static enum px_status
check_revocation(struct rev *v, X509 *cert, X509 *issuer, int leaf,
    struct px_cert_report *rep)
{
	const struct px_config *cfg = v->px->cfg;
	STACK_OF(OPENSSL_STRING) *urls = NULL;
	struct px_ocsp_ctx c;
	struct px_ocsp_result res;
	char why[320] = "", *prefix = NULL;
	int crl_first = 0, cached, asked;
	enum px_status s;

	if (leaf && v->stapled != NULL) {
		ocsp_ctx(v, cert, issuer, &c);
		if (px_ocsp_stapled(&c, v->stapled, v->stapled_len, &res) !=
		    PX_STATUS_UNKNOWN) {
			px_trace("stapled OCSP response: %s",
			    px_status_name(res.status));
			return ocsp_answer(&res, rep);
		}
		px_trace("stapled OCSP response not used: %s", res.why);
		px_info("stapled OCSP response not used: %s", res.why);
	}
	if (v->px->policy == PX_REV_NONE ||
	    local_crl(v, cert, issuer, NULL, why, sizeof(why)) != NULL)
		return check_crl(v, cert, issuer, 0, rep);
	if ((urls = ocsp_urls(v->px, cert)) == NULL ||
	    sk_OPENSSL_STRING_num(urls) == 0) {
		X509_email_free(urls);
		return check_crl(v, cert, issuer, 1, rep);
	}
	if (cfg->prefer_crl) {
		crl_first = 1;
		px_trace("ocsp: CRLs first for serial %s: prefer_crl = yes",
		    rep->serial);
	} else if (X509_get_ext_by_NID(cert, NID_crl_distribution_points, -1) >=
	        0 &&
	    (prefix = xasprintf("%s#", sk_OPENSSL_STRING_value(urls, 0))) !=
	        NULL &&
	    (cached = px_cache_count(v->px->cache, PX_KIND_OCSP, prefix)) >
	        (int)cfg->ocsp_to_crl_count) {
		crl_first = 1;
		px_info("%d OCSP responses of %s are cached, more than "
		        "ocsp_to_crl_count (%d): CRLs first",
		    cached, sk_OPENSSL_STRING_value(urls, 0),
		    (int)cfg->ocsp_to_crl_count);
		px_trace("ocsp: CRLs first for serial %s: %d cached responses "
		         "> ocsp_to_crl_count %d",
		    rep->serial, cached, (int)cfg->ocsp_to_crl_count);
	}
	free(prefix);
	if (!crl_first) {
		s = try_ocsp(
		    v, cert, issuer, urls, rep, why, sizeof(why), &asked);
		if (s == PX_STATUS_UNKNOWN && asked == 0) {
			/* Logged when the responders were put aside. */
			px_trace(
			    "ocsp: no OCSP URL may be asked now for serial "
			    "%s (ocsp_retry): CRLs",
			    rep->serial);
			s = check_crl(v, cert, issuer, 1, rep);
		} else if (s == PX_STATUS_UNKNOWN) {
			px_info("every OCSP URL failed for serial %s: "
			        "falling back to CRLs",
			    rep->serial);
			px_trace("ocsp: every OCSP URL failed for serial %s: "
			         "CRLs",
			    rep->serial);
			s = check_crl(v, cert, issuer, 1, rep);
		}
	} else {
		s = check_crl(v, cert, issuer, 1, rep);
		if (s == PX_STATUS_UNKNOWN) {
			px_trace("ocsp: the CRLs failed for serial %s: OCSP",
			    rep->serial);
			s = try_ocsp(v, cert, issuer, urls, rep, why,
			    sizeof(why), &asked);
		}
	}
	X509_email_free(urls);
	return s;
}

/* ---- one chain ---- */

static int
leaf_usage_ok(X509 *leaf, char **detail)
{
	EXTENDED_KEY_USAGE *eku;
	uint32_t ku = X509_get_key_usage(leaf);
	int i, nid, ok = 0, crit = 0;

	if (ku != UINT32_MAX && (ku & KU_DIGITAL_SIGNATURE) == 0) {
		*detail = xasprintf("key usage lacks digitalSignature");
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
		*detail = xasprintf("extended key usage has neither clientAuth "
		                    "nor smart card logon");
	return ok;
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
		    ? xasprintf("no acceptable certificate policy: the path "
		                "has none of the required policies (%s)",
		          px->cfg->required_policies)
		    : xasprintf("no acceptable certificate policy: the path "
		                "requires an explicit policy and has no valid "
		                "one");
	else if (err == X509_V_ERR_INVALID_POLICY_EXTENSION)
		o->detail = xasprintf("a certificate of the path has an "
		                      "invalid policy extension");
	else if (depth <= 0 || depth >= (int)o->n)
		o->detail = xasprintf("%s", X509_verify_cert_error_string(err));
	else
		o->detail = xasprintf("issuer certificate %s: %s",
		    o->rep[depth].subject, X509_verify_cert_error_string(err));
	if (depth >= 0 && depth < (int)o->n) {
		/* (The anchor's report already says "trusted root".) */
		free(o->rep[depth].source);
		o->rep[depth].source = xasprintf("path validation failed: %s",
		    X509_verify_cert_error_string(err));
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(mid);
	ERR_clear_error();
	return r;
}

/*
 * Below a revoked certificate the chain is rejected already, but what its
 * issuer's CRLs or responder say of the certificates under it is still
 * learnt: a revocation found so rejects them on the other chains too (the
 * only other issuer certificate may lack cRLSign).  Only revocations are
 * taken: under a revoked issuer, "good" proves nothing.
 */
static void
learn_below(struct rev *v, struct chain *ch, int revoked, struct outcome *o)
{
	struct px_cert_report *rep;
	int i;

	for (i = revoked - 1; i >= 0; i--) {
		rep = &o->rep[i];
		if (check_revocation(v, ch->c[i], ch->c[i + 1], i == 0, rep) ==
		    PX_STATUS_REVOKED) {
			rep->status = PX_STATUS_REVOKED;
			px_trace("revocation %s: revoked (below a revoked "
			         "issuer certificate)",
			    rep->subject);
			continue;
		}
		/* Not a status to report: the chain above it is revoked. */
		free(rep->source);
		rep->source = NULL;
		rep->revoked_at = 0;
		rep->crl_reason = -1;
	}
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
static int
path_validate_cached(struct rev *v, struct chain *ch,
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

static int
check_chain(struct rev *v, struct chain *ch, struct outcome *o)
{
	unsigned char fps[PX_MAX_DEPTH + 2][PX_FP_LEN];
	const struct px_cert_facts *f;
	struct px_cert_facts tmp;
	char t[32];
	int i, r, ok;
	enum px_status s;

	memset(o, 0, sizeof(*o));
	o->crl_reason = -1;
	if ((r = reports_new(v->px, ch->c, (size_t)ch->n, &o->rep)) != 0)
		return r;
	o->n = (size_t)ch->n;
	o->rep[ch->n - 1].status = PX_STATUS_ANCHOR;
	o->rep[ch->n - 1].source = xasprintf("trusted root (not checked)");
	for (i = 0; i < ch->n; i++) {
		memset(&tmp, 0, sizeof(tmp));
		f = px_memo_get(v->px->memo, ch->c[i], &tmp);
		ok = f->fp_ok;
		memcpy(fps[i], f->fp, PX_FP_LEN);
		px_cert_facts_clear(&tmp);
		/* Fail closed: one we cannot hash counts as disallowed. */
		if (!ok || px_store_disallowed_fp(&v->px->st, fps[i])) {
			o->r = PX_ERR_DISALLOWED;
			o->detail = xasprintf("%s%s is in the disallowed store",
			    i == 0 ? "certificate " : "issuer certificate ",
			    o->rep[i].subject);
			return 0;
		}
	}
	if ((r = path_validate_cached(v, ch, fps, o)) != 0) {
		if (r == PX_ERR_NOMEM)
			return r;
		o->r = r;
		return 0;
	}
	if (v->path_only)
		return 0;
	v->anchor = ch->c[ch->n - 1];
	/* Seed 003: revocation is checked from the root down to the leaf. */
	for (i = ch->n - 2; i >= 0; i--) {
		s = check_revocation(
		    v, ch->c[i], ch->c[i + 1], i == 0, &o->rep[i]);
		o->rep[i].status = s;
		px_trace("revocation %s: %s (%s)", o->rep[i].subject,
		    px_status_name(s),
		    o->rep[i].source != NULL ? o->rep[i].source : "");
		if (s == PX_STATUS_UNKNOWN && !o->unknown) {
			o->unknown = 1;
			o->detail = xasprintf("revocation status unknown for "
			                      "%s: %s",
			    o->rep[i].subject,
			    o->rep[i].source != NULL ? o->rep[i].source : "");
		}
		if (s == PX_STATUS_REVOKED) {
			o->r = PX_ERR_REVOKED;
			o->revoked_at = o->rep[i].revoked_at;
			o->crl_reason = o->rep[i].crl_reason;
			free(o->detail);
			o->detail = xasprintf("%s%s revoked on %s (%s)",
			    i == 0 ? "certificate" : "issuer certificate ",
			    i == 0 ? "" : o->rep[i].subject,
			    px_time_str(o->revoked_at, t, sizeof(t)),
			    px_crl_reason_name(o->crl_reason));
			learn_below(v, ch, i, o);
			return 0;
		}
	}
	return 0;
}

/* Which failed chain to report: the most specific reason wins. */
static int
rank(const struct outcome *o)
{
	switch (o->r) {
	case 0: return o->unknown ? 100 : 1000;
	case PX_ERR_REVOKED: return 90;
	case PX_ERR_DISALLOWED: return 80;
	case PX_ERR_EXPIRED:
	case PX_ERR_NOT_YET_VALID: return 70;
	case PX_ERR_WRONG_USAGE: return 60;
	case PX_ERR_BAD_SIGNATURE: return 50;
	case PX_ERR_CHAIN_INVALID:
	case PX_ERR_UNSUPPORTED: return 40;
	}
	return 10;
}

static int
result_new(struct px_pkix *px, X509 *leaf, struct px_result **resp)
{
	struct px_result *res;
	int r;

	*resp = NULL;
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return PX_ERR_NOMEM;
	res->crl_reason = -1;
	if ((r = reports_new(px, &leaf, 1, &res->chain)) != 0) {
		free(res);
		return r;
	}
	res->n_chain = 1;
	*resp = res;
	return 0;
}

void
px_result_free(struct px_result *res)
{
	if (res == NULL)
		return;
	reports_free(res->chain, res->n_chain);
	free(res->detail);
	free(res->policies);
	free(res);
}

static void
finish(struct px_result *res, enum px_revocation_policy policy)
{
	enum px_decision found = res->reason == 0 ? PX_ACCEPTED : PX_REJECTED;

	res->decision = px_decide(found, res->revocation_unknown, policy);
	if (res->decision == PX_UNKNOWN)
		res->reason = PX_ERR_REVOCATION_UNKNOWN;
	if (res->decision == PX_ACCEPTED && res->revocation_unknown &&
	    policy == PX_REV_BEST_EFFORT)
		px_warn("accepting %s without revocation status (revocation = "
		        "best-effort): %s",
		    res->chain[0].subject,
		    res->detail != NULL ? res->detail : "");
	if (res->detail == NULL)
		res->detail = xasprintf("%s",
		    res->decision == PX_ACCEPTED ? "certificate accepted"
		                                 : px_strerror(res->reason));
}

/* ---- AIA caIssuers (seed 003: the last source of certificates) ---- */

/*
 * Parses a DER certificate or a PKCS#7 "certs-only" bundle of at most
 * PX_AIA_MAX_BYTES and PX_AIA_MAX_CERTS (label names it in messages).
 * Returns 0 and sets *out (caller frees), PX_ERR_TOO_BIG (bytes, checked
 * before parsing), PX_ERR_WORK_LIMIT (certificates) or PX_ERR_BAD_FORMAT.
 */
static int
parse_issuers(const char *label, const unsigned char *der, size_t len,
    STACK_OF(X509) **out)
{
	const unsigned char *p = der;
	STACK_OF(X509) *sk = NULL;
	PKCS7 *p7 = NULL;
	X509 *x = NULL;
	int i, n;

	*out = NULL;
	if (len > PX_AIA_MAX_BYTES) {
		px_warn("%s: AIA object of %zu bytes, more than %d bytes: "
		        "refused",
		    label, len, PX_AIA_MAX_BYTES);
		px_trace("aia %s: refused: %zu bytes, more than %d bytes",
		    label, len, PX_AIA_MAX_BYTES);
		return PX_ERR_TOO_BIG;
	}
	if (len == 0 || (sk = sk_X509_new_null()) == NULL)
		return PX_ERR_BAD_FORMAT;
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL && p == der + len) {
		if (!sk_X509_push(sk, x))
			goto fail;
		*out = sk;
		return 0;
	}
	X509_free(x);
	p = der;
	if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL || p != der + len ||
	    !PKCS7_type_is_signed(p7) || p7->d.sign == NULL ||
	    p7->d.sign->cert == NULL)
		goto fail;
	if ((n = sk_X509_num(p7->d.sign->cert)) > PX_AIA_MAX_CERTS) {
		px_warn("%s: AIA object of %d certificates, more than %d: "
		        "refused",
		    label, n, PX_AIA_MAX_CERTS);
		px_trace("aia %s: refused: %d certificates, more than %d",
		    label, n, PX_AIA_MAX_CERTS);
		PKCS7_free(p7);
		sk_X509_free(sk);
		ERR_clear_error();
		return PX_ERR_WORK_LIMIT;
	}
	for (i = 0; i < n; i++) {
		x = sk_X509_value(p7->d.sign->cert, i);
		if (!X509_up_ref(x) || !sk_X509_push(sk, x))
			goto fail;
	}
	PKCS7_free(p7);
	if (sk_X509_num(sk) == 0)
		goto fail;
	*out = sk;
	return 0;
fail:
	PKCS7_free(p7);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return PX_ERR_BAD_FORMAT;
}

struct cert_check {
	const X509_NAME *want; /* the subject looked for */
	const char *url;       /* where it came from, for messages */
};

/* The AIA validator as data, for the retrieval helper. */
static int
describe_issuers(void *arg, struct px_vspec *s)
{
	const struct cert_check *cc = arg;
	int n;

	s->kind = PX_KIND_CERT;
	if ((n = i2d_X509_NAME(cc->want, &s->subject)) <= 0)
		return PX_ERR_NOMEM;
	s->subject_len = (size_t)n;
	return 0;
}

/* The validator for AIA objects: CA certificates of the name looked for. */
static int
validate_issuers(void *arg, const unsigned char *der, size_t len,
    const unsigned char sha256[32], struct px_obj_info *info,
    unsigned char **idx, size_t *idx_len)
{
	struct cert_check *cc = arg;
	STACK_OF(X509) *sk;
	X509 *x;
	int i, found = 0, r;

	if ((r = parse_issuers(cc->url, der, len, &sk)) != 0)
		return r;
	for (i = 0; i < sk_X509_num(sk) && !found; i++) {
		x = sk_X509_value(sk, i);
		if (X509_check_ca(x) > 0 &&
		    X509_NAME_cmp(X509_get_subject_name(x), cc->want) == 0) {
			found = 1;
			if (px_asn1_time(X509_get0_notBefore(x),
			        &info->this_update) != 0 ||
			    px_asn1_time(
			        X509_get0_notAfter(x), &info->next_update) != 0)
				found = 0;
		}
	}
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	info->entries = -1;
	return found ? 0 : PX_ERR_UNTRUSTED;
}

static int
issued_by_root(struct px_pkix *px, X509 *x)
{
	int i;

	px_store_want(&px->st, x);
	if (in_stack(px->st.roots, x))
		return 1;
	for (i = 0; i < sk_X509_num(px->st.roots); i++)
		if (X509_check_issued(sk_X509_value(px->st.roots, i), x) ==
		    X509_V_OK)
			return 1;
	return 0;
}

/*
 * Fetches the issuers named by the AIA caIssuers URLs of leaf, and of what
 * they bring, until a trusted root is in reach or PX_AIA_DEPTH levels.
 * Sets *out to the certificates fetched (caller frees), or NULL.
 */
static int
fetch_issuers(
    struct rev *v, X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) **out)
{
	STACK_OF(X509) *got = NULL, *sk;
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	struct px_object *obj;
	struct cert_check cc;
	struct px_validator val = { validate_issuers, NULL, &cc,
		describe_issuers, NULL, 0 };
	X509 *child = leaf, *x;
	const char *url;
	int depth, i, j, added, tried;

	*out = NULL;
	if ((got = sk_X509_new_null()) == NULL)
		return PX_ERR_NOMEM;
	for (depth = 0; depth < PX_AIA_DEPTH && child != NULL; depth++) {
		cc.want = X509_get_issuer_name(child);
		aia = X509_get_ext_d2i(child, NID_info_access, NULL, NULL);
		added = tried = 0;
		for (i = 0; aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia) &&
		     !added;
		     i++) {
			ad = sk_ACCESS_DESCRIPTION_value(aia, i);
			if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers ||
			    ad->location->type != GEN_URI)
				continue;
			if (++tried > PX_AIA_MAX_URLS) {
				px_warn("more than %d caIssuers URLs in one "
				        "certificate: the others are not tried",
				    PX_AIA_MAX_URLS);
				break;
			}
			url = (const char *)ASN1_STRING_get0_data(
			    ad->location->d.uniformResourceIdentifier);
			if ((size_t)ASN1_STRING_length(
			        ad->location->d.uniformResourceIdentifier) !=
			    strlen(url))
				continue;
			cc.url = url;
			if (px_cache_get(v->px->cache, url, PX_KIND_CERT,
			        &v->budget, &val, &obj) != 0)
				continue;
			if (obj->der != NULL &&
			    parse_issuers(url, obj->der, obj->len, &sk) == 0) {
				/* PX_AIA_MAX_CERTS for all levels together. */
				for (j = 0; j < sk_X509_num(sk); j++)
					if (sk_X509_num(got) >=
					        PX_AIA_MAX_CERTS ||
					    !sk_X509_push(
					        got, sk_X509_value(sk, j)))
						X509_free(sk_X509_value(sk, j));
					else
						added++;
				sk_X509_free(sk);
			}
			px_object_free(obj);
		}
		AUTHORITY_INFO_ACCESS_free(aia);
		if (!added)
			break;
		/* Up one level, unless a trusted root issued what came. */
		child = sk_X509_value(got, sk_X509_num(got) - added);
		if (issued_by_root(v->px, child))
			break;
	}
	if (sk_X509_num(got) == 0) {
		sk_X509_free(got);
		return 0;
	}
	/* The caller's certificates stay candidates too. */
	for (j = 0; untrusted != NULL && j < sk_X509_num(untrusted); j++) {
		x = sk_X509_value(untrusted, j);
		if (!X509_up_ref(x))
			break;
		if (!sk_X509_push(got, x)) {
			X509_free(x);
			break;
		}
	}
	*out = got;
	return 0;
}

static int verify_run(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    const unsigned char *stapled, size_t stapled_len, time_t now, int path_only,
    struct px_result **resp);

int
px_verify(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    const unsigned char *stapled, size_t stapled_len, time_t now,
    struct px_result **resp)
{
	return verify_run(
	    px, leaf, untrusted, stapled, stapled_len, now, 0, resp);
}

int
px_verify_path(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    time_t now, struct px_result **resp)
{
	return verify_run(px, leaf, untrusted, NULL, 0, now, 1, resp);
}

static int
verify_run(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    const unsigned char *stapled, size_t stapled_len, time_t now, int path_only,
    struct px_result **resp)
{
	struct build *b = NULL;
	struct known_revoked *kr = NULL;
	struct chain path;
	struct outcome o, best;
	struct px_result *res = NULL;
	struct rev v;
	STACK_OF(X509) *fetched = NULL;
	int i, r, lim, best_i = 0;

	*resp = NULL;
	memset(&v, 0, sizeof(v));
	v.px = px;
	v.now = now;
	v.stapled = stapled;
	v.stapled_len = stapled_len;
	v.path_only = path_only;
	px_budget_init(&v.budget, px->cfg);
	memset(&best, 0, sizeof(best));
	memset(&o, 0, sizeof(o));
	if ((r = result_new(px, leaf, &res)) != 0)
		goto out;
	if (px_store_disallowed(&px->st, leaf)) {
		res->reason = PX_ERR_DISALLOWED;
		res->detail =
		    xasprintf("certificate is in the disallowed store");
		goto done;
	}
	if (!leaf_usage_ok(leaf, &res->detail)) {
		res->reason = PX_ERR_WRONG_USAGE;
		goto done;
	}
	if (untrusted != NULL && sk_X509_num(untrusted) > PX_MAX_UNTRUSTED) {
		res->reason = PX_ERR_WORK_LIMIT;
		res->detail = xasprintf("%d certificates given with the leaf, "
		                        "more than %d",
		    sk_X509_num(untrusted), PX_MAX_UNTRUSTED);
		goto done;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (kr = calloc(1, sizeof(*kr))) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	b->pools[0] = px->st.roots;
	b->pools[1] = px->st.intermediates;
	b->st = &px->st;
	b->pools[2] = untrusted;
	path.c[0] = leaf;
	path.n = 1;
	lim = extend(b, &path);
	/* Seed 003: AIA only when no chain reaches a trusted root. */
	/* No path in the compiled trust store: it may hide a file changed
	 * in place that the quick check at load cannot see. */
	if (lim == 0 && b->n == 0 && px_store_recheck(&px->st)) {
		path.n = 1;
		lim = extend(b, &path);
	}
	if (lim == 0 && b->n == 0 && px->policy != PX_REV_NONE &&
	    (r = fetch_issuers(&v, leaf, untrusted, &fetched)) == 0 &&
	    fetched != NULL) {
		b->pools[2] = fetched;
		lim = extend(b, &path);
	}
	if (lim != 0) {
		/* Not the chains found so far: which ones they are would
		 * depend on the order of the pools, and a bound must not
		 * decide a login. */
		res->reason = lim;
		res->detail = limit_detail(b);
		px_warn("%s: %s", res->chain[0].subject,
		    res->detail != NULL ? res->detail : px_strerror(lim));
		goto done;
	}
	if (b->n == 0) {
		res->reason = PX_ERR_UNTRUSTED;
		res->detail =
		    xasprintf("no chain to a trusted root (issuer %s)",
		        res->chain[0].issuer);
		goto done;
	}
	for (i = 0; i < b->n; i++) {
		px_debug("chain %d of %d: %d certificates", i + 1, b->n,
		    b->chains[i].n);
		if ((r = check_chain(&v, &b->chains[i], &o)) != 0)
			goto out;
		res->chains_tried = (size_t)i + 1;
		known_revoked_add(kr, &b->chains[i], &o);
		if ((r = known_revoked_apply(kr, &b->chains[i], &o)) != 0)
			goto out;
		if (best.rep == NULL || rank(&o) > rank(&best)) {
			outcome_clear(&best);
			best = o;
			best_i = i;
		} else
			outcome_clear(&o);
		memset(&o, 0, sizeof(o));
		/* Seed 003: stop at the first chain that is not revoked. */
		if (best.r == 0 && !best.unknown)
			break;
	}
	/* What a later chain found revoked counts for the chosen one too. */
	if ((r = known_revoked_apply(kr, &b->chains[best_i], &best)) != 0)
		goto out;
	reports_free(res->chain, res->n_chain);
	res->chain = best.rep;
	res->n_chain = best.n;
	res->reason = best.r;
	res->revocation_unknown = best.r == 0 && best.unknown;
	res->revoked_at = best.revoked_at;
	res->crl_reason = best.crl_reason;
	res->detail = best.detail;
	res->policies = best.policies;
	memset(&best, 0, sizeof(best));
done:
	finish(res, px->policy);
	*resp = res;
	res = NULL;
	r = 0;
out:
	outcome_clear(&o);
	outcome_clear(&best);
	sk_X509_pop_free(fetched, X509_free);
	free(kr);
	free(b);
	px_result_free(res);
	return r;
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
		v->validate = validate_crl;
		v->check_index = check_crl_index;
		v->arg = &st->crl;
		v->describe = describe_crl;
		break;
	case PX_KIND_CERT:
		p = spec->subject;
		if (p == NULL || spec->subject_len > LONG_MAX ||
		    (st->want = d2i_X509_NAME(
		         NULL, &p, (long)spec->subject_len)) == NULL)
			goto fail;
		st->cert.want = st->want;
		st->cert.url = spec->url != NULL ? spec->url : "AIA";
		v->validate = validate_issuers;
		v->arg = &st->cert;
		v->describe = describe_issuers;
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
		ocsp_ctx(&st->rev, st->subject, st->issuer, &st->ocsp);
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
