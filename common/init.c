/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "init.h"
#include "log.h"

int
px_process_init(void)
{
	const char *data;
	unsigned long e;
	int flags;

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	            OPENSSL_INIT_NO_ATEXIT |
	            OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
	            OPENSSL_INIT_NO_ADD_ALL_CIPHERS,
	        NULL) == 1)
		return 0;
	/* No error strings were loaded: the codes, for `openssl errstr`. */
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0)
		px_error("OpenSSL configuration: error %08lX%s%s", e,
		    (flags & ERR_TXT_STRING) != 0 ? ": " : "",
		    (flags & ERR_TXT_STRING) != 0 ? data : "");
	px_error("cannot initialise OpenSSL with its configuration "
	         "(OPENSSL_CONF or %s/openssl.cnf)",
	    OPENSSL_info(OPENSSL_INFO_CONFIG_DIR));
	return PX_ERR_CONFIG;
}
