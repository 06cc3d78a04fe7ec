/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <openssl/x509_vfy.h>

#include "err.h"

const char *
px_strerror(int r)
{
	switch (r) {
	case PX_OK: return "success";
	case PX_ERR_INTERNAL: return "internal error";
	case PX_ERR_NOMEM: return "out of memory";
	case PX_ERR_INVALID_ARG: return "invalid argument";
	case PX_ERR_CONFIG: return "invalid configuration";
	case PX_ERR_IO: return "input/output error";
	case PX_ERR_NOT_FOUND: return "not found";
	case PX_ERR_TOO_BIG: return "object too large";
	case PX_ERR_BAD_FORMAT: return "malformed object";
	case PX_ERR_INSECURE: return "insecure owner or permissions";
	case PX_ERR_BAD_SIGNATURE: return "bad signature";
	case PX_ERR_UNTRUSTED: return "no chain to a trusted root";
	case PX_ERR_REVOKED: return "certificate revoked";
	case PX_ERR_EXPIRED: return "certificate expired";
	case PX_ERR_NOT_YET_VALID: return "certificate not yet valid";
	case PX_ERR_DISALLOWED: return "certificate is disallowed";
	case PX_ERR_WRONG_USAGE: return "certificate not valid for login";
	case PX_ERR_REVOCATION_UNKNOWN: return "revocation status unknown";
	case PX_ERR_CRL_EXPIRED: return "CRL expired";
	case PX_ERR_CRL_NOT_YET_VALID: return "CRL not yet valid";
	case PX_ERR_UNSUPPORTED:
		return "unsupported feature or critical extension";
	case PX_ERR_CHAIN_INVALID: return "certificate chain invalid";
	case PX_ERR_OFFLINE: return "URL offline";
	case PX_ERR_TIMEOUT: return "timed out";
	case PX_ERR_NETWORK: return "network error";
	case PX_ERR_NOT_ALLOWED: return "URL not allowed by configuration";
	case PX_ERR_CRYPTO: return "cryptographic library error";
	case PX_ERR_UNREACHABLE: return "server unreachable";
	case PX_ERR_OCSP_SIGNER: return "OCSP responder not authorized";
	case PX_ERR_USER_UNKNOWN: return "no user for this certificate";
	case PX_ERR_WRONG_USER: return "certificate of another user";
	case PX_ERR_BAD_PIN: return "PIN refused by the token";
	case PX_ERR_CONV: return "conversation failed";
	case PX_ERR_BAD_URL: return "malformed or refused URL";
	case PX_ERR_WORK_LIMIT: return "work limit reached";
	case PX_ERR_AMBIGUOUS: return "certificates of more than one user";
	case PX_ERR_POLICY: return "no acceptable certificate policy";
	}
	return "unknown error";
}

int
px_err_from_x509(int c)
{
	switch (c) {
	case X509_V_OK: return 0;
	case X509_V_ERR_CERT_HAS_EXPIRED: return PX_ERR_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID: return PX_ERR_NOT_YET_VALID;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
		return PX_ERR_BAD_SIGNATURE;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED: return PX_ERR_UNTRUSTED;
	case X509_V_ERR_CERT_REVOKED: return PX_ERR_REVOKED;
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
		return PX_ERR_WRONG_USAGE;
	case X509_V_ERR_OUT_OF_MEM: return PX_ERR_NOMEM;
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION: return PX_ERR_UNSUPPORTED;
	case X509_V_ERR_NO_EXPLICIT_POLICY:
	case X509_V_ERR_INVALID_POLICY_EXTENSION: return PX_ERR_POLICY;
	}
	return PX_ERR_CHAIN_INVALID;
}
