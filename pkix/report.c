/* SPDX-License-Identifier: BSD-2-Clause */
/* The report of a verification: the certificates' reports, the outcome
 * of one chain, the result, and the names of their values. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"

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

char *
px_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

void
px_reports_free(struct px_cert_report *rep, size_t n)
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

void
px_outcome_clear(struct outcome *o)
{
	px_reports_free(o->rep, o->n);
	free(o->detail);
	free(o->policies);
	memset(o, 0, sizeof(*o));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
px_reports_new(struct px_pkix *px, X509 *const *certs, size_t n,
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
			px_reports_free(rep, n);
			return PX_ERR_NOMEM;
		}
	}
	*repp = rep;
	return 0;
}

int
px_result_new(struct px_pkix *px, X509 *leaf, struct px_result **resp)
{
	struct px_result *res;
	int r;

	*resp = NULL;
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return PX_ERR_NOMEM;
	res->crl_reason = -1;
	if ((r = px_reports_new(px, &leaf, 1, &res->chain)) != 0) {
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
	px_reports_free(res->chain, res->n_chain);
	free(res->detail);
	free(res->policies);
	free(res);
}

/* The report of the chain chosen: what o came to, taken (o is left
 * empty). */
void
px_result_take(struct px_result *res, struct outcome *o)
{
	px_reports_free(res->chain, res->n_chain);
	res->chain = o->rep;
	res->n_chain = o->n;
	res->reason = o->r;
	res->revocation_unknown = o->r == 0 && o->unknown;
	res->revoked_at = o->revoked_at;
	res->crl_reason = o->crl_reason;
	res->detail = o->detail;
	res->policies = o->policies;
	memset(o, 0, sizeof(*o));
}
