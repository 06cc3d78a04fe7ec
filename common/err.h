/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The project's one error type: 0 is success, every failure a negative
 * PX_ERR_* value.  Foreign codes (CURLcode, LDAP, X509_V_ERR_*) are mapped at
 * the border where they arise and never travel up the stack.
 */
#ifndef PX_ERR_H
#define PX_ERR_H

#define PX_WUR __attribute__((warn_unused_result))

enum px_err {
	PX_OK = 0,
	PX_ERR_INTERNAL = -1,       /* a bug: should not happen */
	PX_ERR_NOMEM = -2,          /* out of memory */
	PX_ERR_INVALID_ARG = -3,    /* bad argument from the caller */
	PX_ERR_CONFIG = -4,         /* configuration is invalid */
	PX_ERR_IO = -5,             /* a file could not be read/written */
	PX_ERR_NOT_FOUND = -6,      /* no such file, entry or object */
	PX_ERR_TOO_BIG = -7,        /* an object exceeds its size cap */
	PX_ERR_BAD_FORMAT = -8,     /* malformed input (DER, PEM, INI) */
	PX_ERR_INSECURE = -9,       /* wrong owner or mode on a file or dir */
	PX_ERR_BAD_SIGNATURE = -10, /* a signature does not verify */
	PX_ERR_UNTRUSTED = -11,     /* no chain to a trusted root */
	PX_ERR_REVOKED = -12,       /* certificate is revoked */
	PX_ERR_EXPIRED = -13,       /* certificate is past notAfter */
	PX_ERR_NOT_YET_VALID = -14, /* certificate is before notBefore */
	PX_ERR_DISALLOWED = -15,    /* certificate is in the disallowed store */
	PX_ERR_WRONG_USAGE = -16,   /* key usage / EKU unfit for login */
	PX_ERR_REVOCATION_UNKNOWN = -17, /* no usable revocation information */
	PX_ERR_CRL_EXPIRED = -18,        /* CRL past nextUpdate (+ grace) */
	PX_ERR_CRL_NOT_YET_VALID = -19,  /* CRL thisUpdate in the future */
	PX_ERR_UNSUPPORTED = -20,   /* unknown critical extension, feature */
	PX_ERR_CHAIN_INVALID = -21, /* path validation failed otherwise */
	PX_ERR_OFFLINE = -22,     /* URL on the offline list, or offline mode */
	PX_ERR_TIMEOUT = -23,     /* time budget exhausted */
	PX_ERR_NETWORK = -24,     /* connection or protocol failure */
	PX_ERR_NOT_ALLOWED = -25, /* URL outside allowed_urls */
	PX_ERR_CRYPTO = -26,      /* an OpenSSL operation failed */
	PX_ERR_UNREACHABLE = -27, /* cannot connect or resolve */
	PX_ERR_OCSP_SIGNER = -28, /* OCSP response signer not authorized */
	PX_ERR_USER_UNKNOWN = -29, /* no mapping gives an existing user */
	PX_ERR_WRONG_USER = -30,   /* the certificate maps to another user */
	PX_ERR_BAD_PIN = -31,      /* the token refused the PIN */
	PX_ERR_CONV = -32,         /* the PAM conversation failed */
	PX_ERR_BAD_URL = -33,      /* a URL that the strict parser refuses */
	PX_ERR_WORK_LIMIT = -34,   /* a bound on work was reached */
	PX_ERR_AMBIGUOUS = -35,    /* a card maps to more than one user */
	PX_ERR_POLICY = -36,       /* no acceptable certificate policy */
	PX_ERR_LAST = -37          /* keep last: one below the lowest code */
};

/* Returns a static, human-readable name for a PX_ERR_* code (never NULL). */
const char *px_strerror(int r);

/*
 * Maps an OpenSSL X509_V_ERR_* verification code to a PX_ERR_* code.
 * Returns 0 for X509_V_OK.
 */
int px_err_from_x509(int x509_code);

#endif
