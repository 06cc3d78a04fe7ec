/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pamdrv: drives the real libpam with a service file of a test directory.
 *   pamdrv CONFDIR SERVICE USER PIN [acct] [repeat N]
 * USER "-" leaves PAM_USER empty.  The conversation answers every hidden
 * prompt with PIN and prints every message; PIN "@fail" makes it fail,
 * "@null" answer no response.  With repeat, it prints the resident set size
 * after a tenth of the runs and at the end ("rss: A B" in KiB).  Prints the
 * result of pam_authenticate (and pam_acct_mgmt) and PAM_USER; exits with the
 * last PAM code.  With PAMDRV_RESIDENT=MODULE, that module is kept loaded
 * across pam_end() (RTLD_NODELETE), as in a long-lived daemon: LeakSanitizer
 * can then name the frames of what a call leaks, and the once-per-process
 * allocations of libp11 (its key methods) are not reported at unload.
 * What the module logs through pam_syslog() is printed on stderr as
 * "syslog[PRIORITY]: MESSAGE" (there is no syslog daemon in the tests).
 * With PAMDRV_BETWEEN=COMMAND, the shell runs COMMAND before every run but
 * the first, and each run prints "run N: pam_authenticate: ..." (what a
 * long-lived process sees when the stores change between two logins).
 * With "ssh" in place of "acct", what sshd does after a publickey login:
 * no pam_authenticate, SSH_AUTH_INFO_0 put into the PAM environment from
 * the file PAMDRV_SSH_AUTH_INFO_FILE (when set; "-" for an empty value),
 * then pam_acct_mgmt and pam_open_session, each printed.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

static const char *pin;

/* SSH_AUTH_INFO_0=<the file's text>, or NULL when the file is unset. */
static char *
ssh_info_env(void)
{
	const char *path = getenv("PAMDRV_SSH_AUTH_INFO_FILE");
	char *buf;
	size_t n;
	FILE *f;

	if (path == NULL)
		return NULL;
	if ((buf = malloc(2 * 1024 * 1024 + 32)) == NULL)
		return NULL;
	strcpy(buf, "SSH_AUTH_INFO_0=");
	n = strlen(buf);
	if (strcmp(path, "-") != 0 && (f = fopen(path, "r")) != NULL) {
		n += fread(buf + n, 1, 2 * 1024 * 1024, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* What sshd asks of PAM after a publickey login. */
static int
ssh_stages(pam_handle_t *pamh)
{
	char *env = ssh_info_env();
	int r;

	if (env != NULL && pam_putenv(pamh, env) != PAM_SUCCESS)
		fprintf(stderr, "pam_putenv failed\n");
	free(env);
	r = pam_acct_mgmt(pamh, 0);
	printf("pam_acct_mgmt: %s (%d)\n", pam_strerror(pamh, r), r);
	r = pam_open_session(pamh, 0);
	printf("pam_open_session: %s (%d)\n", pam_strerror(pamh, r), r);
	if (r == PAM_SUCCESS)
		(void)pam_close_session(pamh, 0);
	return r;
}

/*
 * libpam's pam_syslog() ends in syslog(), which glibc's fortified headers
 * turn into __syslog_chk(): the driver defines both (and the v- forms), and
 * the dynamic linker binds libpam's calls to the executable's definitions.
 */
#define PAMDRV_EXPORT __attribute__((visibility("default")))
PAMDRV_EXPORT void syslog(int pri, const char *fmt, ...);
PAMDRV_EXPORT void vsyslog(int pri, const char *fmt, va_list ap);
PAMDRV_EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...);
PAMDRV_EXPORT void __vsyslog_chk(
    int pri, int flag, const char *fmt, va_list ap);

void
vsyslog(int pri, const char *fmt, va_list ap)
{
	fprintf(stderr, "syslog[%d]: ", pri & 7);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

void
__vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	vsyslog(pri, fmt, ap);
}

void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++)
		printf("conv[%d]: %s\n", msg[i]->msg_style, msg[i]->msg);
	/* The broken conversations, at the PIN prompt. */
	if (n == 1 && msg[0]->msg_style == PAM_PROMPT_ECHO_OFF) {
		if (strcmp(pin, "@fail") == 0)
			return PAM_CONV_ERR;
		if (strcmp(pin, "@null") == 0) {
			*resp = NULL;
			return PAM_SUCCESS;
		}
	}
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(pin);
	*resp = r;
	return PAM_SUCCESS;
}

/* The resident set size of this process, in KiB. */
static long
rss_kib(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return v;
}

int
main(int argc, char **argv)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const void *user = NULL;
	const char *between;
	int r = PAM_SYSTEM_ERR, i, repeat = 1, acct = 0, ssh = 0;
	long rss[2] = { 0, 0 };

	if (argc < 5) {
		fprintf(stderr,
		    "usage: pamdrv CONFDIR SERVICE USER PIN [acct] "
		    "[repeat N]\n");
		return 2;
	}
	pin = argv[4];
	if (getenv("PAMDRV_RESIDENT") != NULL &&
	    dlopen(getenv("PAMDRV_RESIDENT"), RTLD_NOW | RTLD_NODELETE) == NULL)
		return fprintf(stderr, "dlopen: %s\n", dlerror()), 2;
	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "acct") == 0)
			acct = 1;
		else if (strcmp(argv[i], "ssh") == 0)
			ssh = 1;
		else if (strcmp(argv[i], "repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
	}
	between = getenv("PAMDRV_BETWEEN");
	for (i = 0; i < repeat; i++) {
		if (repeat > 1 && (i == repeat / 10 || i == repeat - 1))
			rss[i == repeat - 1] = rss_kib();
		if (between != NULL && i > 0 && system(between) != 0)
			return fprintf(stderr, "PAMDRV_BETWEEN failed\n"), 2;
		r = pam_start_confdir(argv[2],
		    strcmp(argv[3], "-") == 0 ? NULL : argv[3], &c, argv[1],
		    &pamh);
		if (r != PAM_SUCCESS)
			return fprintf(stderr, "pam_start_confdir: %d\n", r), r;
		if (ssh) {
			r = ssh_stages(pamh);
			pam_end(pamh, r);
			continue;
		}
		r = pam_authenticate(pamh, 0);
		if (repeat == 1)
			printf("pam_authenticate: %s (%d)\n",
			    pam_strerror(pamh, r), r);
		else if (between != NULL)
			printf("run %d: pam_authenticate: %s (%d)\n", i + 1,
			    pam_strerror(pamh, r), r);
		fflush(stdout);
		if (r == PAM_SUCCESS && acct) {
			r = pam_acct_mgmt(pamh, 0);
			printf("pam_acct_mgmt: %s (%d)\n",
			    pam_strerror(pamh, r), r);
		}
		if (pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS &&
		    repeat == 1)
			printf("PAM_USER=%s\n",
			    user != NULL ? (const char *)user : "");
		pam_end(pamh, r);
	}
	if (repeat > 1)
		printf("rss: %ld %ld%s\n", rss[0], rss[1],
#ifdef __SANITIZE_ADDRESS__
		    " (asan)"
#else
		    ""
#endif
		);
	return r;
}
