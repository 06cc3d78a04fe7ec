/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Process start of the command line program (pkixctl): what it asks of
 * OpenSSL before any work.  Not for the PAM module, whose host process owns
 * OpenSSL's life (it may use libcrypto itself, before and after us), nor for
 * the retrieval helper, whose libcurl does TLS.
 */
#ifndef PX_INIT_H
#define PX_INIT_H

#include "err.h"

/*
 * Initialises libcrypto for a short-lived process that does no TLS and no
 * symmetric encryption.  The OpenSSL configuration (openssl.cnf or
 * $OPENSSL_CONF: providers, FIPS, properties) is loaded as on OpenSSL's
 * first use, and a configuration OpenSSL refuses is an error here, as for
 * the openssl command, instead of being ignored.  Left out (bench/README.md,
 * "Process floor"):
 * - OPENSSL_cleanup() at exit (atexit): exit() returns the memory anyway;
 * - the error strings: the project prints none of OpenSSL's (codes only);
 * - the legacy cipher name table, which OpenSSL copies into its name map
 *   before the first key decode: no cipher is used (digests stay: the
 *   signature checks look theirs up by name).
 * Call it first, before any other OpenSSL function (the first
 * initialisation decides).  Returns 0, or PX_ERR_CONFIG (logged).
 */
int px_process_init(void) PX_WUR;

#endif
