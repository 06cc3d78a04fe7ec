/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The verification (DESIGN.md section 3): px_verify() checks the leaf,
 * builds its chains (chain.c, aia.c) and checks each, path validation
 * then revocation from the root down as revplan.c plans it (crlcheck.c,
 * ocspcheck.c), until one is good; the decision (decision.c) and the
 * report (report.c) follow.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "verify_int.h"

/* ---- one chain ---- */

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
		if (px_check_revocation(v, ch->c[i], ch->c[i + 1], i == 0,
		        rep) == PX_STATUS_REVOKED) {
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

int
px_check_chain(struct rev *v, struct chain *ch, struct outcome *o)
{
	unsigned char fps[PX_MAX_DEPTH + 2][PX_FP_LEN];
	const struct px_cert_facts *f;
	struct px_cert_facts tmp;
	char t[32];
	int i, r, ok;
	enum px_status s;

	memset(o, 0, sizeof(*o));
	o->crl_reason = -1;
	if ((r = px_reports_new(v->px, ch->c, (size_t)ch->n, &o->rep)) != 0)
		return r;
	o->n = (size_t)ch->n;
	o->rep[ch->n - 1].status = PX_STATUS_ANCHOR;
	o->rep[ch->n - 1].source = px_xasprintf("trusted root (not checked)");
	for (i = 0; i < ch->n; i++) {
		memset(&tmp, 0, sizeof(tmp));
		f = px_memo_get(v->px->memo, ch->c[i], &tmp);
		ok = f->fp_ok;
		memcpy(fps[i], f->fp, PX_FP_LEN);
		px_cert_facts_clear(&tmp);
		/* Fail closed: one we cannot hash counts as disallowed. */
		if (!ok || px_store_disallowed_fp(&v->px->st, fps[i])) {
			o->r = PX_ERR_DISALLOWED;
			o->detail =
			    px_xasprintf("%s%s is in the disallowed store",
			        i == 0 ? "certificate " : "issuer certificate ",
			        o->rep[i].subject);
			return 0;
		}
	}
	if ((r = px_path_validate_cached(v, ch, fps, o)) != 0) {
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
		s = px_check_revocation(
		    v, ch->c[i], ch->c[i + 1], i == 0, &o->rep[i]);
		o->rep[i].status = s;
		px_trace("revocation %s: %s (%s)", o->rep[i].subject,
		    px_status_name(s),
		    o->rep[i].source != NULL ? o->rep[i].source : "");
		if (s == PX_STATUS_UNKNOWN && !o->unknown) {
			o->unknown = 1;
			o->detail = px_xasprintf(
			    "revocation status unknown for "
			    "%s: %s",
			    o->rep[i].subject,
			    o->rep[i].source != NULL ? o->rep[i].source : "");
		}
		if (s == PX_STATUS_REVOKED) {
			o->r = PX_ERR_REVOKED;
			o->revoked_at = o->rep[i].revoked_at;
			o->crl_reason = o->rep[i].crl_reason;
			free(o->detail);
			o->detail = px_xasprintf("%s%s revoked on %s (%s)",
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

/* ---- one verification (DESIGN.md section 3) ---- */

/* The leaf's own checks.  Returns 0, or the reason that rejects it (with
 * res->detail set). */
static int
leaf_checks(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    struct px_result *res)
{
	if (px_store_disallowed(&px->st, leaf)) {
		res->detail =
		    px_xasprintf("certificate is in the disallowed store");
		return PX_ERR_DISALLOWED;
	}
	if (!px_leaf_usage_ok(leaf, &res->detail))
		return PX_ERR_WRONG_USAGE;
	if (untrusted != NULL && sk_X509_num(untrusted) > PX_MAX_UNTRUSTED) {
		res->detail = px_xasprintf("%d certificates given with the "
		                           "leaf, more than %d",
		    sk_X509_num(untrusted), PX_MAX_UNTRUSTED);
		return PX_ERR_WORK_LIMIT;
	}
	return 0;
}

/*
 * Chain building: the chains from leaf to a trusted root through the
 * stores and the caller's certificates, then through what AIA brings
 * (*fetched, caller frees).  Returns 0 with b->n > 0, or the reason there
 * is no chain to check (with res->detail set).
 */
static int
build_chains(struct rev *v, X509 *leaf, STACK_OF(X509) *untrusted,
    struct build *b, STACK_OF(X509) **fetched, struct px_result *res)
{
	struct px_pkix *px = v->px;
	struct chain path;
	int lim;

	b->pools[0] = px->st.roots;
	b->pools[1] = px->st.intermediates;
	b->st = &px->st;
	b->pools[2] = untrusted;
	path.c[0] = leaf;
	path.n = 1;
	lim = px_chain_extend(b, &path);
	/* Seed 003: AIA only when no chain reaches a trusted root. */
	/* No path in the compiled trust store: it may hide a file changed
	 * in place that the quick check at load cannot see. */
	if (lim == 0 && b->n == 0 && px_store_recheck(&px->st)) {
		path.n = 1;
		lim = px_chain_extend(b, &path);
	}
	if (lim == 0 && b->n == 0 && px->policy != PX_REV_NONE &&
	    px_fetch_issuers(v, leaf, untrusted, fetched) == 0 &&
	    *fetched != NULL) {
		b->pools[2] = *fetched;
		lim = px_chain_extend(b, &path);
	}
	if (lim != 0) {
		/* Not the chains found so far: which ones they are would
		 * depend on the order of the pools, and a bound must not
		 * decide a login. */
		res->detail = px_limit_detail(b);
		px_warn("%s: %s", res->chain[0].subject,
		    res->detail != NULL ? res->detail : px_strerror(lim));
		return lim;
	}
	if (b->n == 0) {
		res->detail =
		    px_xasprintf("no chain to a trusted root (issuer %s)",
		        res->chain[0].issuer);
		return PX_ERR_UNTRUSTED;
	}
	return 0;
}

/*
 * Each chain in turn: path validation, then revocation root down
 * (px_check_chain()); *best is what the chain to report came to.
 * Returns 0 or PX_ERR_NOMEM.
 */
static int
check_chains(struct rev *v, struct build *b, struct known_revoked *kr,
    struct px_result *res, struct outcome *best)
{
	struct outcome o;
	int i, r, best_i = 0;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < b->n; i++) {
		px_debug("chain %d of %d: %d certificates", i + 1, b->n,
		    b->chains[i].n);
		if ((r = px_check_chain(v, &b->chains[i], &o)) != 0)
			goto fail;
		res->chains_tried = (size_t)i + 1;
		px_known_revoked_add(kr, &b->chains[i], &o);
		if ((r = px_known_revoked_apply(kr, &b->chains[i], &o)) != 0)
			goto fail;
		if (best->rep == NULL ||
		    px_outcome_rank(&o) > px_outcome_rank(best)) {
			px_outcome_clear(best);
			*best = o;
			best_i = i;
		} else
			px_outcome_clear(&o);
		memset(&o, 0, sizeof(o));
		/* Seed 003: stop at the first chain that is not revoked. */
		if (best->r == 0 && !best->unknown)
			break;
	}
	/* What a later chain found revoked counts for the chosen one too. */
	return px_known_revoked_apply(kr, &b->chains[best_i], best);
fail:
	px_outcome_clear(&o);
	return r;
}

/*
 * One verification, as DESIGN.md section 3 has it: the leaf's checks,
 * chain building, for each chain path validation and revocation root down
 * per the plan (revplan.c), then the decision and the report.
 */
static int
verify_run(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    const unsigned char *stapled, size_t stapled_len, time_t now, int path_only,
    struct px_result **resp)
{
	struct build *b = NULL;
	struct known_revoked *kr = NULL;
	struct outcome best;
	struct px_result *res = NULL;
	struct rev v;
	STACK_OF(X509) *fetched = NULL;
	int r;

	*resp = NULL;
	memset(&v, 0, sizeof(v));
	v.px = px;
	v.now = now;
	v.stapled = stapled;
	v.stapled_len = stapled_len;
	v.path_only = path_only;
	px_budget_init(&v.budget, px->cfg);
	memset(&best, 0, sizeof(best));
	if ((r = px_result_new(px, leaf, &res)) != 0)
		goto out;
	if ((res->reason = leaf_checks(px, leaf, untrusted, res)) != 0)
		goto done;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (kr = calloc(1, sizeof(*kr))) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if ((res->reason =
	            build_chains(&v, leaf, untrusted, b, &fetched, res)) != 0)
		goto done;
	if ((r = check_chains(&v, b, kr, res, &best)) != 0)
		goto out;
	px_result_take(res, &best);
done:
	px_result_finish(res, px->policy);
	*resp = res;
	res = NULL;
	r = 0;
out:
	px_outcome_clear(&best);
	sk_X509_pop_free(fetched, X509_free);
	free(kr);
	free(b);
	px_result_free(res);
	return r;
}

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
