/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The revocation plan of one certificate: which sources answer for it, in
 * which order (px_rev_plan(), a pure function of plain facts), and the
 * check that gathers the facts and runs the plan (px_check_revocation()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "verify_int.h"

size_t
px_rev_plan(
    const struct px_rev_facts *f, enum px_rev_step out[PX_REV_STEPS_MAX])
{
	size_t n = 0;

	/* A stapled response given by the caller: the leaf's, first. */
	if (f->leaf && f->have_stapled)
		out[n++] = PX_REV_STAPLED;
	/* revocation = none, or a CRL of crl_dir (seed 003: a CRL already in
	 * the local store first): that CRL only, nothing fetched. */
	if (f->policy == PX_REV_NONE || f->have_local_crl) {
		out[n++] = PX_REV_CRL_LOCAL;
		return n;
	}
	/* No OCSP URL: the CRL distribution points. */
	if (!f->have_ocsp_urls) {
		out[n++] = PX_REV_CRL;
		return n;
	}
	/* Seed 003, "Determining Preference between OCSP and CRLs": CRLs
	 * first when prefer_crl, or when more than ocsp_to_crl_count
	 * responses of the responder are cached (and the certificate has
	 * distribution points); OCSP when they fail. */
	if (f->prefer_crl ||
	    (f->have_cdp && f->ocsp_cached > f->ocsp_to_crl_count)) {
		out[n++] =
		    f->prefer_crl ? PX_REV_CRL_PREFERRED : PX_REV_CRL_BUSY;
		out[n++] = PX_REV_OCSP_FALLBACK;
		return n;
	}
	/* OCSP, then the CRLs: every responder held after a failure
	 * (ocsp_retry) or every URL asked failed. */
	out[n++] = PX_REV_OCSP;
	out[n++] = f->responders_held ? PX_REV_CRL_HELD : PX_REV_CRL_FALLBACK;
	return n;
}

/*
 * The facts the plan reads after the stapled response, gathered in the
 * order its rules read them: one an earlier rule settles is not gathered
 * (px_local_crl() traces what it skips, px_cache_count() reads the count
 * files).  Returns the OCSP URLs (caller frees), or NULL when there are
 * none or the plan does not need them.
 */
static STACK_OF(OPENSSL_STRING) *
rev_facts(struct rev *v, X509 *cert, X509 *issuer, struct px_rev_facts *f,
    char *why, size_t wlen)
{
	STACK_OF(OPENSSL_STRING) *urls;
	char *prefix;

	if (f->policy == PX_REV_NONE ||
	    (f->have_local_crl =
	            px_local_crl(v, cert, issuer, NULL, why, wlen) != NULL))
		return NULL;
	if ((urls = px_ocsp_urls(v->px, cert)) == NULL ||
	    sk_OPENSSL_STRING_num(urls) == 0) {
		X509_email_free(urls);
		return NULL;
	}
	f->have_ocsp_urls = 1;
	if (f->prefer_crl)
		return urls;
	f->have_cdp =
	    X509_get_ext_by_NID(cert, NID_crl_distribution_points, -1) >= 0;
	if (f->have_cdp &&
	    (prefix = px_xasprintf("%s#", sk_OPENSSL_STRING_value(urls, 0))) !=
	        NULL) {
		f->ocsp_cached =
		    px_cache_count(v->px->cache, PX_KIND_OCSP, prefix);
		free(prefix);
	}
	return urls;
}

/* What a step logs and traces of the switch to it, before it asks. */
static void
step_log(enum px_rev_step step, const struct px_rev_facts *f,
    STACK_OF(OPENSSL_STRING) *urls, const struct px_cert_report *rep)
{
	switch (step) {
	case PX_REV_CRL_PREFERRED:
		px_trace("ocsp: CRLs first for serial %s: prefer_crl = yes",
		    rep->serial);
		break;
	case PX_REV_CRL_BUSY:
		px_info("%d OCSP responses of %s are cached, more than "
		        "ocsp_to_crl_count (%d): CRLs first",
		    f->ocsp_cached, sk_OPENSSL_STRING_value(urls, 0),
		    f->ocsp_to_crl_count);
		px_trace("ocsp: CRLs first for serial %s: %d cached responses "
		         "> ocsp_to_crl_count %d",
		    rep->serial, f->ocsp_cached, f->ocsp_to_crl_count);
		break;
	case PX_REV_CRL_HELD:
		/* Logged when the responders were put aside. */
		px_trace("ocsp: no OCSP URL may be asked now for serial %s "
		         "(ocsp_retry): CRLs",
		    rep->serial);
		break;
	case PX_REV_CRL_FALLBACK:
		px_info("every OCSP URL failed for serial %s: falling back to "
		        "CRLs",
		    rep->serial);
		px_trace("ocsp: every OCSP URL failed for serial %s: CRLs",
		    rep->serial);
		break;
	case PX_REV_OCSP_FALLBACK:
		px_trace(
		    "ocsp: the CRLs failed for serial %s: OCSP", rep->serial);
		break;
	case PX_REV_STAPLED:
	case PX_REV_CRL_LOCAL:
	case PX_REV_CRL:
	case PX_REV_OCSP: break;
	}
}

/*
 * The revocation status of cert (seed 003, "Certificate Validation" and
 * "Determining Preference between OCSP and CRLs"): a stapled response for
 * the leaf; a CRL of crl_dir; the OCSP URLs (policy, then AIA) and the CRL
 * distribution points — CRLs first when prefer_crl or when more than
 * ocsp_to_crl_count responses of the responder are cached; the other kind
 * when the first fails.  Every switch is logged and traced.
 */
enum px_status
px_check_revocation(struct rev *v, X509 *cert, X509 *issuer, int leaf,
    struct px_cert_report *rep)
{
	const struct px_config *cfg = v->px->cfg;
	STACK_OF(OPENSSL_STRING) *urls = NULL;
	enum px_rev_step plan[PX_REV_STEPS_MAX];
	struct px_rev_facts f;
	struct px_ocsp_ctx c;
	struct px_ocsp_result res;
	char why[320] = "";
	size_t i, n;
	int gathered = 0, asked;
	enum px_status s = PX_STATUS_UNKNOWN;

	memset(&f, 0, sizeof(f));
	f.policy = v->px->policy;
	f.leaf = leaf;
	f.have_stapled = v->stapled != NULL;
	f.prefer_crl = cfg->prefer_crl;
	f.ocsp_to_crl_count = (int)cfg->ocsp_to_crl_count;
	n = px_rev_plan(&f, plan);
	for (i = 0; i < n; i++) {
		/* The other facts once the stapled response gave no answer
		 * (the steps done stay the first of the new plan). */
		if (plan[i] != PX_REV_STAPLED && !gathered) {
			urls = rev_facts(v, cert, issuer, &f, why, sizeof(why));
			gathered = 1;
			n = px_rev_plan(&f, plan);
		}
		step_log(plan[i], &f, urls, rep);
		if (plan[i] == PX_REV_STAPLED) {
			px_ocsp_setup(v, cert, issuer, &c);
			if (px_ocsp_stapled(&c, v->stapled, v->stapled_len,
			        &res) != PX_STATUS_UNKNOWN) {
				px_trace("stapled OCSP response: %s",
				    px_status_name(res.status));
				s = px_ocsp_take(&res, rep);
				goto out;
			}
			px_trace("stapled OCSP response not used: %s", res.why);
			px_info("stapled OCSP response not used: %s", res.why);
		} else if (plan[i] == PX_REV_OCSP ||
		    plan[i] == PX_REV_OCSP_FALLBACK) {
			s = px_try_ocsp(v, cert, issuer, urls, rep, why,
			    sizeof(why), &asked);
			/* None asked: each responder is held after a failure
			 * (ocsp_retry), which the next step says. */
			f.responders_held = asked == 0;
			n = px_rev_plan(&f, plan);
		} else
			s = px_check_crl(
			    v, cert, issuer, plan[i] != PX_REV_CRL_LOCAL, rep);
		/* The first definite answer is the status. */
		if (s != PX_STATUS_UNKNOWN)
			break;
	}
out:
	X509_email_free(urls);
	return s;
}
