/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkixctl ssh-keys USER [KEYTYPE KEY], for sshd's
 *   AuthorizedKeysCommand /usr/bin/pkixctl ssh-keys %u %t %k
 * The keys of USER's certificates that the core accepts (chain,
 * revocation, policy), one authorized_keys line each.  Only key lines go
 * to stdout; every diagnostic goes to stderr and syslog.  sshd refuses the
 * key when nothing is printed, or when the exit status is not 0.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>

#include <openssl/x509.h>

#include "../common/conf.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../module/module.h"
#include "../pkix/pkix.h"
#include "sshkeys.h"

/* Under sshd stderr may go nowhere: warnings and above reach syslog too. */
static void
sshkeys_log(void *arg, int level, const char *msg)
{
	const char *tag = level <= LOG_ERR ? "error: "
	    : level == LOG_WARNING         ? "warning: "
	    : level == LOG_DEBUG           ? "debug: "
	                                   : "";

	fprintf(stderr, "pkixctl ssh-keys: %s%s\n", tag, msg);
	if (level <= LOG_NOTICE)
		syslog(LOG_AUTHPRIV | level, "%s", msg);
}

/* Whether k is among the first n keys of certs (printed once each). */
static int
sshkeys_seen(
    const struct px_ssh_certs *certs, size_t n, const struct px_ssh_key *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (px_ssh_key_equal(&certs->v[i].key, k))
			return 1;
	return 0;
}

int
px_cmd_ssh_keys(
    int argc, char **argv, const char *config_path, time_t (*now)(void))
{
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	struct px_ssh_certs *certs = NULL;
	struct px_ssh_key want;
	struct px_result *res = NULL;
	struct px_ssh_cert *c;
	char comment[512], *line = NULL;
	const char *user;
	size_t i, printed = 0, refused = 0;
	int ret, r, fast;

	memset(&want, 0, sizeof(want));
	openlog("pkixctl-ssh-keys", LOG_PID, LOG_AUTHPRIV);
	px_log_set_sink(sshkeys_log, NULL);
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: pkixctl ssh-keys USER [KEYTYPE KEY]\n");
		ret = EX_USAGE;
		goto out;
	}
	user = argv[1];
	fast = argc == 4;
	/* Refused before anything is read: a name is also a path here. */
	if (!px_ssh_user_ok(user)) {
		px_error("user name refused (empty, too long, or with '/', "
		         "'*', '(', ')', '\\', ':', ',', a control character, "
		         "a space or a leading '.' or '-')");
		ret = 1;
		goto out;
	}
	if (fast && (r = px_ssh_key_parse(argv[2], argv[3], &want)) != 0) {
		px_error("KEY refused: %s",
		    r == PX_ERR_NOMEM ? px_strerror(r)
		                      : "not base64 of a key blob of KEYTYPE");
		ret = r == PX_ERR_NOMEM ? EX_OSERR : 1;
		goto out;
	}
	if (px_config_load(config_path, &cfg) != 0) {
		ret = EX_CONFIG;
		goto out;
	}
	/* sshd waits for this command: one budget, as the module's. */
	if (!cfg->cumulative_timeout_given)
		cfg->cumulative_timeout = PX_MODULE_CUMULATIVE_TIMEOUT;
	if ((r = px_ssh_user_certs(cfg, user, &certs)) != 0) {
		px_error("%s: no certificates read: %s", user, px_strerror(r));
		ret = r == PX_ERR_NOMEM ? EX_OSERR : 1;
		goto out;
	}
	if (certs->n == 0) {
		px_info("%s: no certificate with a usable key", user);
		ret = 0;
		goto out;
	}
	if ((r = px_pkix_new(cfg, &px)) != 0) {
		px_error("cannot load the trust stores: %s", px_strerror(r));
		ret = r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
		goto out;
	}
	px_pkix_set_clock(px, now);
	for (i = 0; i < certs->n; i++) {
		c = &certs->v[i];
		/* The fast path: only the certificates of the offered key. */
		if (fast && !px_ssh_key_equal(&c->key, &want))
			continue;
		if (sshkeys_seen(certs, i, &c->key) && !fast)
			continue;
		px_result_free(res);
		res = NULL;
		if ((r = px_verify(
		         px, c->cert, c->chain, NULL, 0, now(), &res)) != 0) {
			px_error("verification failed: %s", px_strerror(r));
			ret = EX_SOFTWARE;
			goto out;
		}
		if (px_ssh_cert_comment(c->cert, comment, sizeof(comment)) != 0)
			comment[0] = '\0';
		if (res->decision != PX_ACCEPTED) {
			refused++;
			px_notice("%s: certificate %s refused: %s", user,
			    comment, res->detail);
			continue;
		}
		free(line);
		if ((r = px_ssh_key_line(&c->key, comment, &line)) != 0) {
			ret = EX_OSERR;
			goto out;
		}
		printf("%s\n", line);
		printed++;
		px_info(
		    "%s: %s key of certificate %s", user, c->key.type, comment);
		if (fast)
			break;
	}
	if (fflush(stdout) != 0) {
		ret = EX_IOERR;
		goto out;
	}
	if (printed == 0)
		px_info("%s: no key printed (%zu certificates refused)", user,
		    refused);
	ret = 0;
out:
	free(line);
	px_result_free(res);
	px_ssh_certs_free(certs);
	px_ssh_key_clear(&want);
	px_pkix_free(px);
	px_config_free(cfg);
	closelog();
	return ret;
}
