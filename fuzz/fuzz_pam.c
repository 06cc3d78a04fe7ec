/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: pam_sm_authenticate() (and pam_sm_acct_mgmt()) end to
 * end, with a SoftHSM2 token, while allocations, file I/O, PAM calls and
 * the conversation fail where the input says.
 *
 * The module's sources are linked in; this file supplies the libpam
 * functions it calls (one fake handle per input, as pam-u2f's fuzz/ does).
 * Allocation and I/O calls of the module and the core are wrapped at link
 * time (-Wl,--wrap=malloc,...: see fuzz/run.sh); OpenSSL's allocations,
 * including those of libp11 and of SoftHSM2's crypto, go through
 * CRYPTO_set_mem_functions().  Each class fails at its Nth call, and with
 * the sticky bit at every call after it.
 *
 * Input: byte 0  mode (bit 0: 0 = status unknown, 1 = good CRLs), user
 *                (bits 1-2: none, root, daemon, "ro/ot"), conversation
 *                (bits 3-5), try_first_pass with PAM_AUTHTOK (bit 6),
 *                debug (bit 7)
 *        1-2     Nth allocation of ours to fail (0: none), little endian
 *        3-4     Nth OpenSSL allocation to fail (0: none)
 *        5       Nth file operation to fail (0: none)
 *        6       Nth PAM call to fail (0: none)
 *        7       bit 0: sticky failures; bit 1: run the account stage
 *        8       Nth libp11 call to fail (0: none)
 *        9-      the PIN, for conversation 6
 *
 * The property, checked with abort(): in mode 0 (one certificate whose
 * revocation status is unknown: no CRL, offline = yes, revocation =
 * require) no input yields PAM_SUCCESS from either stage; in both modes
 * every code is one Linux-PAM documents for the stage, and a success sets
 * PAM_USER to the card's user and keeps the certificate for the account
 * stage.  ASan/UBSan/LSan watch for crashes and leaks.
 *
 * Needs PX_FUZZ_PKI (a tests/gen-pki.sh output) and SoftHSM2
 * (PX_FUZZ_SOFTHSM, or the Debian path); a token is made once, in a
 * temporary directory, at initialisation.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <libp11.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cache/cache.h"
#include "module/module.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_PIN "123456"
#define FZ_DATA "pam_pkix_session" /* module/pam_pkix.c PX_DATA */
#define FZ_PIN_MAX 512

/* ---- failure injection ---- */

enum fz_class { FZ_ALLOC, FZ_OSSL, FZ_IO, FZ_PAM, FZ_P11, FZ_NCLASS };

static struct {
	int armed;
	int in_p11; /* inside libp11 (and SoftHSM2 below it) */
	int sticky;
	unsigned long n[FZ_NCLASS];    /* calls so far */
	unsigned long fail[FZ_NCLASS]; /* 0: never */
} fz;

/* Whether this call of the class fails. */
static int
fz_fail(enum fz_class c)
{
	if (!fz.armed || fz.fail[c] == 0 || (c == FZ_OSSL && fz.in_p11))
		return 0;
	fz.n[c]++;
	return fz.n[c] == fz.fail[c] || (fz.sticky && fz.n[c] > fz.fail[c]);
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_reallocarray(void *p, size_t n, size_t m);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_reallocarray(void *p, size_t n, size_t m);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **sp, const char *fmt, va_list ap);

#define FZ_ALLOC_WRAP(ret, name, params, args)                                 \
	ret __wrap_##name params                                               \
	{                                                                      \
		if (fz_fail(FZ_ALLOC)) {                                       \
			errno = ENOMEM;                                        \
			return NULL;                                           \
		}                                                              \
		return __real_##name args;                                     \
	}
FZ_ALLOC_WRAP(void *, malloc, (size_t n), (n))
FZ_ALLOC_WRAP(void *, calloc, (size_t n, size_t m), (n, m))
FZ_ALLOC_WRAP(void *, realloc, (void *p, size_t n), (p, n))
FZ_ALLOC_WRAP(void *, reallocarray, (void *p, size_t n, size_t m), (p, n, m))
FZ_ALLOC_WRAP(char *, strdup, (const char *s), (s))
FZ_ALLOC_WRAP(char *, strndup, (const char *s, size_t n), (s, n))

/* Made here rather than by glibc's, so that a leak report's stack goes
 * through frames with frame pointers up to the caller. */
int
__wrap_vasprintf(char **sp, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	*sp = NULL;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -1;
	if (fz_fail(FZ_ALLOC) || (*sp = __real_malloc((size_t)n + 1)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return vsnprintf(*sp, (size_t)n + 1, fmt, ap);
}

/* File operations: -1 (or NULL) with EIO, as a failing disk gives. */
int __real_open(const char *path, int flags, ...);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fstat(int fd, struct stat *st);
int __real_stat(const char *path, struct stat *st);
int __real_lstat(const char *path, struct stat *st);
int __real_mkstemp(char *tmpl);
int __real_rename(const char *a, const char *b);
int __real_fsync(int fd);
int __real_flock(int fd, int op);
int __real_mkdir(const char *path, mode_t mode);
int __real_scandir(const char *dir, struct dirent ***list,
    int (*sel)(const struct dirent *),
    int (*cmp)(const struct dirent **, const struct dirent **));
char *__real_fgets(char *s, int n, FILE *f);
struct passwd *__real_getpwnam(const char *name);
int __wrap_open(const char *path, int flags, ...);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_fstat(int fd, struct stat *st);
int __wrap_stat(const char *path, struct stat *st);
int __wrap_lstat(const char *path, struct stat *st);
int __wrap_mkstemp(char *tmpl);
int __wrap_rename(const char *a, const char *b);
int __wrap_fsync(int fd);
int __wrap_flock(int fd, int op);
int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_scandir(const char *dir, struct dirent ***list,
    int (*sel)(const struct dirent *),
    int (*cmp)(const struct dirent **, const struct dirent **));
char *__wrap_fgets(char *s, int n, FILE *f);
struct passwd *__wrap_getpwnam(const char *name);

#define FZ_IO_WRAP(ret, name, params, args, bad)                               \
	ret __wrap_##name params                                               \
	{                                                                      \
		if (fz_fail(FZ_IO)) {                                          \
			errno = EIO;                                           \
			return bad;                                            \
		}                                                              \
		return __real_##name args;                                     \
	}
FZ_IO_WRAP(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n), -1)
FZ_IO_WRAP(ssize_t, pread, (int fd, void *buf, size_t n, off_t off),
    (fd, buf, n, off), -1)
FZ_IO_WRAP(
    ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n), -1)
FZ_IO_WRAP(int, fstat, (int fd, struct stat *st), (fd, st), -1)
FZ_IO_WRAP(int, stat, (const char *path, struct stat *st), (path, st), -1)
FZ_IO_WRAP(int, lstat, (const char *path, struct stat *st), (path, st), -1)
FZ_IO_WRAP(int, mkstemp, (char *tmpl), (tmpl), -1)
FZ_IO_WRAP(int, rename, (const char *a, const char *b), (a, b), -1)
FZ_IO_WRAP(int, fsync, (int fd), (fd), -1)
FZ_IO_WRAP(int, flock, (int fd, int op), (fd, op), -1)
FZ_IO_WRAP(int, mkdir, (const char *path, mode_t mode), (path, mode), -1)
FZ_IO_WRAP(int, scandir,
    (const char *dir, struct dirent ***list, int (*sel)(const struct dirent *),
        int (*cmp)(const struct dirent **, const struct dirent **)),
    (dir, list, sel, cmp), -1)
FZ_IO_WRAP(char *, fgets, (char *s, int n, FILE *f), (s, n, f), NULL)
FZ_IO_WRAP(struct passwd *, getpwnam, (const char *name), (name), NULL)

int
__wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (fz_fail(FZ_IO)) {
		errno = EIO;
		return -1;
	}
	return __real_open(path, flags, mode);
}

/*
 * libp11: its calls fail at the Nth (class FZ_P11) as a card or a PKCS#11
 * module can.  OpenSSL allocations are not failed inside them: libp11
 * 0.4.12 writes through a failed OPENSSL_malloc() in
 * PKCS11_enumerate_certs() (found by this target), which is its bug to
 * fix, not a path of the module.
 */
int __real_PKCS11_CTX_load(PKCS11_CTX *ctx, const char *ident);
int __real_PKCS11_enumerate_slots(
    PKCS11_CTX *ctx, PKCS11_SLOT **slotsp, unsigned int *nslotsp);
void __real_PKCS11_release_all_slots(
    PKCS11_CTX *ctx, PKCS11_SLOT *slots, unsigned int nslots);
void __real_PKCS11_CTX_unload(PKCS11_CTX *ctx);
void __real_PKCS11_CTX_free(PKCS11_CTX *ctx);
PKCS11_CTX *__real_PKCS11_CTX_new(void);
int __real_PKCS11_enumerate_certs(
    PKCS11_TOKEN *token, PKCS11_CERT **certs, unsigned int *ncerts);
int __real_PKCS11_login(PKCS11_SLOT *slot, int so, const char *pin);
PKCS11_KEY *__real_PKCS11_find_key(PKCS11_CERT *cert);
EVP_PKEY *__real_PKCS11_get_private_key(PKCS11_KEY *key);
int __real_EVP_DigestSign(EVP_MD_CTX *ctx, unsigned char *sig, size_t *siglen,
    const unsigned char *tbs, size_t tbslen);
int __wrap_PKCS11_CTX_load(PKCS11_CTX *ctx, const char *ident);
int __wrap_PKCS11_enumerate_slots(
    PKCS11_CTX *ctx, PKCS11_SLOT **slotsp, unsigned int *nslotsp);
void __wrap_PKCS11_release_all_slots(
    PKCS11_CTX *ctx, PKCS11_SLOT *slots, unsigned int nslots);
void __wrap_PKCS11_CTX_unload(PKCS11_CTX *ctx);
void __wrap_PKCS11_CTX_free(PKCS11_CTX *ctx);
PKCS11_CTX *__wrap_PKCS11_CTX_new(void);
int __wrap_PKCS11_enumerate_certs(
    PKCS11_TOKEN *token, PKCS11_CERT **certs, unsigned int *ncerts);
int __wrap_PKCS11_login(PKCS11_SLOT *slot, int so, const char *pin);
PKCS11_KEY *__wrap_PKCS11_find_key(PKCS11_CERT *cert);
EVP_PKEY *__wrap_PKCS11_get_private_key(PKCS11_KEY *key);
int __wrap_EVP_DigestSign(EVP_MD_CTX *ctx, unsigned char *sig, size_t *siglen,
    const unsigned char *tbs, size_t tbslen);

#define FZ_P11_WRAP(ret, name, params, args, bad)                              \
	ret __wrap_##name params                                               \
	{                                                                      \
		ret r;                                                         \
		if (fz_fail(FZ_P11))                                           \
			return bad;                                            \
		fz.in_p11++;                                                   \
		r = __real_##name args;                                        \
		fz.in_p11--;                                                   \
		return r;                                                      \
	}
#define FZ_P11_VOID(name, params, args)                                        \
	void __wrap_##name params                                              \
	{                                                                      \
		fz.in_p11++;                                                   \
		__real_##name args;                                            \
		fz.in_p11--;                                                   \
	}
FZ_P11_WRAP(int, PKCS11_CTX_load, (PKCS11_CTX * ctx, const char *ident),
    (ctx, ident), -1)
FZ_P11_WRAP(int, PKCS11_enumerate_slots,
    (PKCS11_CTX * ctx, PKCS11_SLOT **slotsp, unsigned int *nslotsp),
    (ctx, slotsp, nslotsp), -1)
FZ_P11_WRAP(PKCS11_CTX *, PKCS11_CTX_new, (void), (), NULL)
FZ_P11_WRAP(int, PKCS11_enumerate_certs,
    (PKCS11_TOKEN * token, PKCS11_CERT **certs, unsigned int *ncerts),
    (token, certs, ncerts), -1)
FZ_P11_WRAP(int, PKCS11_login, (PKCS11_SLOT * slot, int so, const char *pin),
    (slot, so, pin), -1)
FZ_P11_WRAP(PKCS11_KEY *, PKCS11_find_key, (PKCS11_CERT * cert), (cert), NULL)
FZ_P11_WRAP(EVP_PKEY *, PKCS11_get_private_key, (PKCS11_KEY * key), (key), NULL)
/* The signature by the token's key runs in libp11's key methods. */
FZ_P11_WRAP(int, EVP_DigestSign,
    (EVP_MD_CTX * ctx, unsigned char *sig, size_t *siglen,
        const unsigned char *tbs, size_t tbslen),
    (ctx, sig, siglen, tbs, tbslen), 0)
FZ_P11_VOID(PKCS11_release_all_slots,
    (PKCS11_CTX * ctx, PKCS11_SLOT *slots, unsigned int nslots),
    (ctx, slots, nslots))
FZ_P11_VOID(PKCS11_CTX_unload, (PKCS11_CTX * ctx), (ctx))
FZ_P11_VOID(PKCS11_CTX_free, (PKCS11_CTX * ctx), (ctx))

static void *
fz_ossl_malloc(size_t n, const char *file, int line)
{
	return fz_fail(FZ_OSSL) ? NULL : __real_malloc(n);
}

static void *
fz_ossl_realloc(void *p, size_t n, const char *file, int line)
{
	return fz_fail(FZ_OSSL) ? NULL : __real_realloc(p, n);
}

static void
fz_ossl_free(void *p, const char *file, int line)
{
	free(p);
}

/* ---- the PAM functions the module calls ---- */

struct pam_handle {
	char *user;
	char *authtok;
	void *data;
	void (*cleanup)(pam_handle_t *, void *, int);
	int conv;        /* what the conversation answers */
	const char *pin; /* for conversation 6 */
};

static int fz_verbose;

int
pam_get_item(const pam_handle_t *pamh, int type, const void **item)
{
	if (fz_fail(FZ_PAM))
		return PAM_SYSTEM_ERR;
	switch (type) {
	case PAM_USER: *item = pamh->user; return PAM_SUCCESS;
	case PAM_AUTHTOK: *item = pamh->authtok; return PAM_SUCCESS;
	case PAM_SERVICE: *item = "fuzz"; return PAM_SUCCESS;
	}
	*item = NULL;
	return PAM_BAD_ITEM;
}

int
pam_set_item(pam_handle_t *pamh, int type, const void *item)
{
	char *copy = NULL;

	if (fz_fail(FZ_PAM))
		return PAM_BUF_ERR;
	if (type != PAM_USER)
		return PAM_BAD_ITEM;
	if (item != NULL && (copy = __real_strdup(item)) == NULL)
		return PAM_BUF_ERR;
	free(pamh->user);
	pamh->user = copy;
	return PAM_SUCCESS;
}

int
pam_get_data(const pam_handle_t *pamh, const char *name, const void **data)
{
	if (fz_fail(FZ_PAM) || pamh->data == NULL || strcmp(name, FZ_DATA) != 0)
		return PAM_NO_MODULE_DATA;
	*data = pamh->data;
	return PAM_SUCCESS;
}

int
pam_set_data(pam_handle_t *pamh, const char *name, void *data,
    void (*cleanup)(pam_handle_t *, void *, int))
{
	if (fz_fail(FZ_PAM))
		return PAM_BUF_ERR;
	if (strcmp(name, FZ_DATA) != 0)
		abort(); /* the module keeps one item */
	if (pamh->cleanup != NULL)
		pamh->cleanup(pamh, pamh->data, PAM_SUCCESS);
	pamh->data = data;
	pamh->cleanup = cleanup;
	return PAM_SUCCESS;
}

int
pam_vprompt(
    pam_handle_t *pamh, int style, char **resp, const char *fmt, va_list ap)
{
	char msg[1024];
	const char *answer = FZ_PIN;
	char longpin[301];

	if (resp != NULL)
		*resp = NULL;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (fz_verbose)
		fprintf(stderr, "conv[%d]: %s\n", style, msg);
	if (fz_fail(FZ_PAM))
		return PAM_CONV_ERR;
	if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
		return PAM_SUCCESS;
	switch (pamh->conv) {
	case 1: answer = "654321"; break;
	case 2: answer = ""; break;
	case 3: return PAM_CONV_ERR;
	case 4: return PAM_SUCCESS; /* no answer */
	case 5: return PAM_BUF_ERR;
	case 6: answer = pamh->pin; break;
	case 7:
		memset(longpin, '1', sizeof(longpin) - 1);
		longpin[sizeof(longpin) - 1] = '\0';
		answer = longpin;
		break;
	}
	if (resp != NULL && (*resp = __real_strdup(answer)) == NULL)
		return PAM_BUF_ERR;
	return PAM_SUCCESS;
}

int
pam_prompt(pam_handle_t *pamh, int style, char **resp, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pam_vprompt(pamh, style, resp, fmt, ap);
	va_end(ap);
	return r;
}

void
pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (fz_verbose)
		fprintf(stderr, "syslog[%d]: %s\n", prio, msg);
}

void
pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

/* No SSH_AUTH_INFO_0 here: the sshd checks answer PAM_IGNORE. */
const char *
pam_getenv(pam_handle_t *pamh, const char *name)
{
	return NULL;
}

const char *
pam_strerror(pam_handle_t *pamh, int code)
{
	return code == PAM_SUCCESS ? "success" : "failure";
}

/* ---- the token and the configurations, made once ---- */

static char fz_dir[] = "/tmp/pam_pkix-fuzz-pam.XXXXXX";
static char fz_conf[2][4096 + 32];
static char fz_fp[2 * EVP_MAX_MD_SIZE + 1];
static unsigned char *fz_der; /* the card's certificate */
static int fz_der_len;

static void
fz_die(const char *what)
{
	fprintf(stderr, "fuzz_pam: %s\n", what);
	exit(1);
}

static void
fz_run(char *const argv[])
{
	extern char **environ;
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		fz_die(argv[0]);
}

static void
fz_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(path, 0600) != 0)
		fz_die(path);
}

static void
fz_copy(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

	if (in == NULL || out == NULL)
		fz_die(from);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			fz_die(to);
	fclose(in);
	if (fclose(out) != 0)
		fz_die(to);
}

static int
fz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
fz_cleanup(void)
{
	nftw(fz_dir, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* The good certificate and its key on a new SoftHSM2 token. */
static void
fz_card(const char *pki, const char *softhsm)
{
	char path[4096 + 64], p8[4096 + 64];
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots, *slot = NULL;
	unsigned int n, i;
	unsigned char id[1] = { 1 }, md[EVP_MAX_MD_SIZE];
	EVP_PKEY *key;
	X509 *cert;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tokens", fz_dir);
	if (mkdir(path, 0700) != 0)
		fz_die(path);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", fz_dir);
	{
		char text[4096 + 128];

		snprintf(text, sizeof(text),
		    "directories.tokendir = %s/tokens\n"
		    "objectstore.backend = file\nlog.level = ERROR\n",
		    fz_dir);
		fz_write(path, text);
	}
	setenv("SOFTHSM2_CONF", path, 1);
	{
		char *argv[] = { "softhsm2-util", "--init-token", "--free",
			"--label", "fuzz", "--so-pin", "0000", "--pin", FZ_PIN,
			NULL };

		fz_run(argv);
	}
	snprintf(path, sizeof(path), "%s/keys/good.pem", pki);
	if ((f = fopen(path, "r")) == NULL ||
	    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
		fz_die(path);
	fclose(f);
	snprintf(p8, sizeof(p8), "%s/key.p8", fz_dir);
	if ((f = fopen(p8, "w")) == NULL ||
	    !PEM_write_PKCS8PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ||
	    fclose(f) != 0)
		fz_die(p8);
	EVP_PKEY_free(key);
	{
		char *argv[] = { "softhsm2-util", "--import", p8, "--token",
			"fuzz", "--label", "key", "--id", "01", "--pin", FZ_PIN,
			NULL };

		fz_run(argv);
	}
	snprintf(path, sizeof(path), "%s/certs/good.pem", pki);
	if ((f = fopen(path, "r")) == NULL ||
	    (cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		fz_die(path);
	fclose(f);
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 ||
	    (fz_der_len = i2d_X509(cert, &fz_der)) <= 0)
		fz_die("digest");
	for (i = 0; i < n; i++)
		snprintf(fz_fp + 2 * i, 3, "%02x", md[i]);
	ctx = PKCS11_CTX_new();
	if (PKCS11_CTX_load(ctx, softhsm) != 0 ||
	    PKCS11_enumerate_slots(ctx, &slots, &n) != 0)
		fz_die(softhsm);
	for (i = 0; i < n; i++)
		if (slots[i].token != NULL && slots[i].token->label != NULL &&
		    strcmp(slots[i].token->label, "fuzz") == 0)
			slot = &slots[i];
	if (slot == NULL || PKCS11_open_session(slot, 1) != 0 ||
	    PKCS11_login(slot, 0, FZ_PIN) != 0 ||
	    PKCS11_store_certificate(
	        slot->token, cert, (char *)"cert", id, 1, NULL) != 0)
		fz_die("cannot store the certificate");
	PKCS11_release_all_slots(ctx, slots, n);
	PKCS11_CTX_unload(ctx);
	PKCS11_CTX_free(ctx);
	X509_free(cert);
}

/* Trust stores, the mapping, and the two configurations: 0 without CRLs
 * (status unknown), 1 with the PKI's CRLs. */
static void
fz_setup(const char *pki, const char *softhsm)
{
	static const char *const dirs[] = { "ca", "int", "crl", "nocrl", "dis",
		"cache0", "cache1" };
	char path[4096 + 64], from[4096 + 64], text[16384];
	size_t i;
	int m;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fz_dir, dirs[i]);
		if (mkdir(path, 0700) != 0)
			fz_die(path);
	}
#define FZ_COPY(src, dst)                                                      \
	do {                                                                   \
		snprintf(from, sizeof(from), "%s/%s", pki, src);               \
		snprintf(path, sizeof(path), "%s/%s", fz_dir, dst);            \
		fz_copy(from, path);                                           \
	} while (0)
	FZ_COPY("certs/root.pem", "ca/root.pem");
	FZ_COPY("certs/issuing.pem", "int/issuing.pem");
	FZ_COPY("crl/issuing.crl", "crl/issuing.crl");
	FZ_COPY("crl/root.crl", "crl/root.crl");
	fz_card(pki, softhsm);
	snprintf(path, sizeof(path), "%s/users", fz_dir);
	snprintf(text, sizeof(text), "root sha256:%s\n", fz_fp);
	fz_write(path, text);
	for (m = 0; m < 2; m++) {
		snprintf(
		    fz_conf[m], sizeof(fz_conf[m]), "%s/conf%d", fz_dir, m);
		snprintf(text, sizeof(text),
		    "[trust]\nca_dir = %s/ca\nintermediate_dir = %s/int\n"
		    "crl_dir = %s/%s\ndisallowed_dir = %s/dis\n"
		    "[revocation]\nrevocation = require\n"
		    "[fetch]\noffline = yes\nhelper = /nonexistent\n"
		    "[cache]\nmachine_dir = %s/cache%d\nuser_dir = %s/cache%d\n"
		    "[login]\npkcs11_module = %s\nmapping = file:%s/users\n"
		    "wait_for_card = 0\n",
		    fz_dir, fz_dir, fz_dir, m == 0 ? "nocrl" : "crl", fz_dir,
		    fz_dir, m, fz_dir, m, softhsm, fz_dir);
		fz_write(fz_conf[m], text);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *pki = getenv("PX_FUZZ_PKI");
	const char *softhsm = getenv("PX_FUZZ_SOFTHSM");

	/* Before OpenSSL allocates anything. */
	if (!CRYPTO_set_mem_functions(
	        fz_ossl_malloc, fz_ossl_realloc, fz_ossl_free))
		fz_die("CRYPTO_set_mem_functions: too late");
	fz_verbose = getenv("PX_FUZZ_VERBOSE") != NULL;
	if (pki == NULL)
		fz_die("set PX_FUZZ_PKI to a tests/gen-pki.sh directory");
	if (softhsm == NULL)
		softhsm = "/usr/lib/softhsm/libsofthsm2.so";
	if (mkdtemp(fz_dir) == NULL)
		fz_die("mkdtemp");
	atexit(fz_cleanup);
	fz_setup(pki, softhsm);
	return 0;
}

/* ---- one input ---- */

static int
fz_documented(int acct, int code)
{
	switch (code) {
	case PAM_SUCCESS:
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_SERVICE_ERR:
	case PAM_BUF_ERR:
	case PAM_CONV_ERR:
	case PAM_IGNORE: return 1;
	case PAM_CRED_INSUFFICIENT:
	case PAM_AUTHINFO_UNAVAIL:
	case PAM_MAXTRIES: return !acct;
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_PERM_DENIED: return acct;
	}
	return 0;
}

static void
fz_check(int mode, int acct, int code, pam_handle_t *pamh)
{
	if (!fz_documented(acct, code)) {
		fprintf(stderr, "fuzz_pam: %s returned %d, not documented\n",
		    acct ? "acct_mgmt" : "authenticate", code);
		abort();
	}
	if (code != PAM_SUCCESS)
		return;
	if (mode == 0) {
		fprintf(stderr,
		    "fuzz_pam: %s succeeded with the revocation status "
		    "unknown under require\n",
		    acct ? "acct_mgmt" : "authenticate");
		abort();
	}
	if (!acct &&
	    (pamh->user == NULL || strcmp(pamh->user, "root") != 0 ||
	        pamh->data == NULL)) {
		fprintf(stderr,
		    "fuzz_pam: success without PAM_USER=root "
		    "or the certificate kept\n");
		abort();
	}
}

/* The certificate as the auth stage keeps it, for an account stage on its
 * own: without the auth stage's context (no config= matches ""), so the
 * account stage makes its own. */
static void *
fz_kept_cert(void)
{
	struct px_session *s;

	if ((s = __real_calloc(1, sizeof(*s))) == NULL ||
	    (s->der = __real_malloc((size_t)fz_der_len)) == NULL ||
	    (s->config = __real_strdup("")) == NULL)
		fz_die("malloc");
	memcpy(s->der, fz_der, (size_t)fz_der_len);
	s->len = fz_der_len;
	return s;
}

static void
fz_free_kept(pam_handle_t *pamh, void *data, int status)
{
	struct px_session *s = data;

	free(s->der);
	free(s->config);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const users[] = { NULL, "root", "daemon", "ro/ot" };
	struct pam_handle h;
	char pin[FZ_PIN_MAX + 1], conf_arg[sizeof(fz_conf[0]) + 8];
	const char *argv[4];
	int argc = 0, mode, rc;
	uint8_t b[9] = { 0 };
	size_t pinlen;

	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	pinlen = size > sizeof(b) ? size - sizeof(b) : 0;
	if (pinlen > FZ_PIN_MAX)
		pinlen = FZ_PIN_MAX;
	memcpy(pin, data + (size > sizeof(b) ? sizeof(b) : size), pinlen);
	pin[pinlen] = '\0';

	memset(&h, 0, sizeof(h));
	mode = b[0] & 1;
	if (users[(b[0] >> 1) & 3] != NULL &&
	    (h.user = __real_strdup(users[(b[0] >> 1) & 3])) == NULL)
		return 0;
	h.conv = (b[0] >> 3) & 7;
	h.pin = pin;
	snprintf(conf_arg, sizeof(conf_arg), "config=%s", fz_conf[mode]);
	argv[argc++] = conf_arg;
	if (b[0] & 0x40) {
		argv[argc++] = "try_first_pass";
		if ((h.authtok = __real_strdup(FZ_PIN)) == NULL)
			return 0;
	}
	if (b[0] & 0x80)
		argv[argc++] = "debug";

	memset(&fz, 0, sizeof(fz));
	fz.fail[FZ_ALLOC] = (unsigned long)b[1] | (unsigned long)b[2] << 8;
	fz.fail[FZ_OSSL] = (unsigned long)b[3] | (unsigned long)b[4] << 8;
	fz.fail[FZ_IO] = b[5];
	fz.fail[FZ_PAM] = b[6];
	fz.fail[FZ_P11] = b[8];
	fz.sticky = b[7] & 1;

	fz.armed = 1;
	rc = pam_sm_authenticate(&h, 0, argc, argv);
	fz.armed = 0;
	fz_check(mode, 0, rc, &h);
	if (b[7] & 2) {
		/* The account stage: after this authentication, or on the
		 * card's certificate as if an authentication had kept it. */
		if (h.data == NULL) {
			h.data = fz_kept_cert();
			h.cleanup = fz_free_kept;
		}
		fz.armed = 1;
		rc = pam_sm_acct_mgmt(&h, 0, argc, argv);
		fz.armed = 0;
		fz_check(mode, 1, rc, &h);
	}

	/* pam_end(): the module's data, then the handle. */
	if (h.cleanup != NULL)
		h.cleanup(&h, h.data, PAM_SUCCESS);
	free(h.user);
	free(h.authtok);
	/* Each input starts from empty memory caches, as after a dlclose. */
	px_mem_flush_all();
	return 0;
}
