/* SPDX-License-Identifier: BSD-2-Clause */
/* The decision: what a verification's chains come to under the policy,
 * and the revocations that count for every chain. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "verify_int.h"

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

/* ---- certificates known revoked (on any chain of one verification) ---- */

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
void
px_known_revoked_add(
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
int
px_known_revoked_apply(
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
	detail = px_xasprintf("%s%s revoked on %s (%s)",
	    i == 0 ? "certificate" : "issuer certificate ",
	    i == 0 ? "" : o->rep[i].subject,
	    px_time_str(k->revoked_at, t, sizeof(t)),
	    px_crl_reason_name(k->crl_reason));
	source =
	    px_xasprintf("revoked: found so through another certificate of "
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

/* Which failed chain to report: the most specific reason wins. */
int
px_outcome_rank(const struct outcome *o)
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

void
px_result_finish(struct px_result *res, enum px_revocation_policy policy)
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
		res->detail = px_xasprintf("%s",
		    res->decision == PX_ACCEPTED ? "certificate accepted"
		                                 : px_strerror(res->reason));
}
