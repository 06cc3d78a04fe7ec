/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkixctl card: what is on the tokens, and who would it log in as.  The
 * tokens present, the certificates of each (no PIN: the public objects),
 * and for each certificate its subject, issuer, key and validity, whether
 * it validates now (px_verify(), revocation per the configuration, the
 * token's other certificates as the module gives them) and which user it
 * maps to (px_map_user()).
 *
 * The PKCS#11 module is outside code: it is loaded only in a child
 * process, which sends what it reads over a pipe, bounded (the module's
 * caps: PX_CARD_CERTS_MAX certificates of PX_CARD_CERT_SIZE_MAX bytes per
 * token, CARD_SLOTS_MAX tokens).  A module that crashes or hangs is
 * reported by its signal or by the time it was given; the parent never
 * waits longer than --timeout.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <libp11.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "../common/conf.h"
#include "../common/escape.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../module/module.h"
#include "../pkix/certmemo.h"
#include "../pkix/pkix.h"
#include "pkixctl.h"

#define CARD_SLOTS_MAX 32 /* tokens looked at */
#define CARD_TEXT_MAX 256 /* a token's label, model, ...: what is kept */
#define CARD_TIMEOUT 30   /* seconds the module is given by default */
#define CARD_TIMEOUT_MAX 600
#define CARD_RECORD_MAX (PX_CARD_CERT_SIZE_MAX + 2 * CARD_TEXT_MAX + 16)
#define CARD_WIRE_MAX                                                          \
	(CARD_SLOTS_MAX * (PX_CARD_CERTS_MAX + 2) * (CARD_RECORD_MAX + 5) +    \
	    1024)

/* The records of the pipe: a type byte, a 4-byte length, the payload. */
enum {
	REC_SLOTS = 'S', /* "NSLOTS" */
	REC_TOKEN = 'T', /* desc, label, manufacturer, model, serial, nlisted */
	REC_CERT = 'C',  /* label, id (hex), then the DER */
	REC_BIG = 'B',   /* a certificate passed over: "INDEX", "SIZE" */
	REC_ERROR = 'X', /* why the child could not go on */
	REC_END = 'E'
};

const struct option px_card_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "module", required_argument, NULL, 'm' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

struct card_cert {
	X509 *x509;
	char label[CARD_TEXT_MAX];
	char id[CARD_TEXT_MAX];
};

struct card_token {
	char desc[CARD_TEXT_MAX], label[CARD_TEXT_MAX];
	char manufacturer[CARD_TEXT_MAX], model[CARD_TEXT_MAX];
	char serial[CARD_TEXT_MAX];
	unsigned long nlisted;
	struct card_cert certs[PX_CARD_CERTS_MAX];
	unsigned int ncerts;
	unsigned int nbig; /* passed over: larger than PX_CARD_CERT_SIZE_MAX */
};

struct card_list {
	struct card_token tokens[CARD_SLOTS_MAX];
	unsigned int ntokens;
	unsigned long nslots;
	char error[CARD_TEXT_MAX]; /* the child's REC_ERROR */
};

/* ---- the child: libp11 over the module ---- */

static int
put(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
put_record(
    int fd, int type, const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char h[5];
	size_t len = alen + blen;

	h[0] = (unsigned char)type;
	h[1] = (unsigned char)(len >> 24);
	h[2] = (unsigned char)(len >> 16);
	h[3] = (unsigned char)(len >> 8);
	h[4] = (unsigned char)len;
	return put(fd, h, 5) != 0 || (alen > 0 && put(fd, a, alen) != 0) ||
	        (blen > 0 && put(fd, b, blen) != 0)
	    ? -1
	    : 0;
}

/* Appends s (cut to CARD_TEXT_MAX - 1 bytes, NULL as "") and its NUL. */
static size_t
put_field(char *buf, size_t o, size_t len, const char *s)
{
	size_t n = 0;

	while (s != NULL && n < CARD_TEXT_MAX - 1 && s[n] != '\0')
		n++;

	if (o + n + 1 > len)
		return o;
	if (n > 0)
		memcpy(buf + o, s, n);
	buf[o + n] = '\0';
	return o + n + 1;
}

static void __attribute__((noreturn))
child_fail(int fd, int status, const char *msg)
{
	put_record(fd, REC_ERROR, msg, strlen(msg), NULL, 0);
	_exit(status);
}

static void
child_token(int fd, PKCS11_SLOT *s)
{
	PKCS11_CERT *certs = NULL;
	unsigned int n = 0, i;
	unsigned char *der;
	char buf[6 * CARD_TEXT_MAX], num[32], hex[2 * CARD_TEXT_MAX];
	size_t o = 0, k;
	int len;

	if (PKCS11_enumerate_certs(s->token, &certs, &n) != 0) {
		certs = NULL;
		n = 0;
	}
	o = put_field(buf, o, sizeof(buf), s->description);
	o = put_field(buf, o, sizeof(buf), s->token->label);
	o = put_field(buf, o, sizeof(buf), s->token->manufacturer);
	o = put_field(buf, o, sizeof(buf), s->token->model);
	o = put_field(buf, o, sizeof(buf), s->token->serialnr);
	snprintf(num, sizeof(num), "%u", n);
	o = put_field(buf, o, sizeof(buf), num);
	if (put_record(fd, REC_TOKEN, buf, o, NULL, 0) != 0)
		_exit(1);
	for (i = 0; i < n && i < PX_CARD_CERTS_MAX; i++) {
		if (certs[i].x509 == NULL)
			continue;
		if ((len = i2d_X509(certs[i].x509, NULL)) <= 0 ||
		    len > PX_CARD_CERT_SIZE_MAX) {
			o = 0;
			snprintf(num, sizeof(num), "%u", i + 1);
			o = put_field(buf, o, sizeof(buf), num);
			snprintf(num, sizeof(num), "%d", len);
			o = put_field(buf, o, sizeof(buf), num);
			if (put_record(fd, REC_BIG, buf, o, NULL, 0) != 0)
				_exit(1);
			continue;
		}
		o = put_field(buf, 0, sizeof(buf), certs[i].label);
		hex[0] = '\0';
		for (k = 0; k < certs[i].id_len && 2 * k + 2 < sizeof(hex) &&
		     2 * k + 2 < CARD_TEXT_MAX;
		     k++)
			snprintf(hex + 2 * k, 3, "%02x", certs[i].id[k]);
		o = put_field(buf, o, sizeof(buf), hex);
		if ((der = malloc((size_t)len)) == NULL)
			_exit(1);
		{
			unsigned char *p = der;

			i2d_X509(certs[i].x509, &p);
		}
		if (put_record(fd, REC_CERT, buf, o, der, (size_t)len) != 0)
			_exit(1);
		free(der);
	}
}

static void __attribute__((noreturn)) card_child(int fd, const char *module)
{
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots = NULL;
	unsigned int nslots = 0, i, ntok = 0;
	char num[32], msg[CARD_TEXT_MAX];

	if ((ctx = PKCS11_CTX_new()) == NULL)
		child_fail(fd, 1, "out of memory");
	if (PKCS11_CTX_load(ctx, module) != 0) {
		snprintf(msg, sizeof(msg), "cannot load the PKCS#11 module %s",
		    module);
		child_fail(fd, 3, msg);
	}
	if (PKCS11_enumerate_slots(ctx, &slots, &nslots) != 0)
		child_fail(fd, 4,
		    "the PKCS#11 module lists no slot "
		    "(C_GetSlotList failed)");
	snprintf(num, sizeof(num), "%u", nslots);
	if (put_record(fd, REC_SLOTS, num, strlen(num) + 1, NULL, 0) != 0)
		_exit(1);
	for (i = 0; i < nslots && ntok < CARD_SLOTS_MAX; i++) {
		/* As the module: an uninitialised token (SoftHSM2's free
		 * slot) holds nothing. */
		if (slots[i].token == NULL || !slots[i].token->initialized)
			continue;
		ntok++;
		child_token(fd, &slots[i]);
	}
	if (put_record(fd, REC_END, NULL, 0, NULL, 0) != 0)
		_exit(1);
	/* No unload: a module that crashes there would only hide the
	 * answer; the process ends. */
	_exit(0);
}

/* ---- the parent: reading the child, bounded in time and size ---- */

struct wire {
	unsigned char *buf;
	size_t len;
};

/*
 * Runs the child and reads all it writes.  Returns 0, or an exit status
 * with the reason in why.
 */
static int
card_read(const char *module, unsigned int timeout, struct wire *w, char *why,
    size_t whylen)
{
	struct timespec t0, t;
	struct pollfd pfd;
	int fds[2], status, ret = 0, devnull, ms;
	pid_t pid;
	ssize_t n;
	size_t cap = 64 * 1024;
	unsigned char *nb;

	w->len = 0;
	if ((w->buf = malloc(cap)) == NULL || pipe(fds) != 0) {
		snprintf(why, whylen, "out of resources");
		return EX_OSERR;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(why, whylen, "cannot fork");
		return EX_OSERR;
	}
	if (pid == 0) {
		close(fds[0]);
		/* Only the pipe is the child's output. */
		if ((devnull = open("/dev/null", O_RDWR)) >= 0)
			dup2(devnull, STDOUT_FILENO);
		/* A crash of the module is told by its signal: no handler
		 * inherited (a sanitizer's) turns it into an exit status. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		card_child(fds[1], module);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (int)((t0.tv_sec + (time_t)timeout - t.tv_sec) * 1000 -
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0) {
			snprintf(why, whylen,
			    "the PKCS#11 module %s did not answer within %u s: "
			    "stopped",
			    module, timeout);
			ret = EX_UNAVAILABLE;
			break;
		}
		if ((n = poll(&pfd, 1, ms)) < 0 && errno != EINTR) {
			snprintf(why, whylen, "poll failed");
			ret = EX_OSERR;
			break;
		}
		if (n <= 0)
			continue;
		if (w->len == cap) {
			if (cap >= CARD_WIRE_MAX ||
			    (nb = realloc(w->buf, cap * 2)) == NULL) {
				snprintf(why, whylen,
				    "the PKCS#11 module's answer is too large");
				ret = EX_UNAVAILABLE;
				break;
			}
			w->buf = nb;
			cap *= 2;
		}
		if ((n = read(fds[0], w->buf + w->len, cap - w->len)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, whylen, "read failed");
			ret = EX_OSERR;
			break;
		}
		if (n == 0)
			break;
		w->len += (size_t)n;
	}
	close(fds[0]);
	if (ret != 0)
		kill(pid, SIGKILL);
	/* The pipe is closed: the child ends now (or was killed); a child
	 * that closed its end and lives on is stopped too. */
	for (ms = 0; waitpid(pid, &status, WNOHANG) == 0; ms++) {
		if (ms == 2 * 1000) {
			kill(pid, SIGKILL);
			if (ret == 0) {
				snprintf(why, whylen,
				    "the PKCS#11 module %s did not end: "
				    "stopped",
				    module);
				ret = EX_UNAVAILABLE;
			}
		}
		usleep(1000);
	}
	if (ret != 0)
		return ret;
	if (WIFSIGNALED(status)) {
		snprintf(why, whylen,
		    "the PKCS#11 module %s crashed (signal %d, %s) while the "
		    "tokens were listed",
		    module, WTERMSIG(status), strsignal(WTERMSIG(status)));
		return EX_UNAVAILABLE;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		why[0] = '\0'; /* the child's REC_ERROR says why */
		return WIFEXITED(status) && WEXITSTATUS(status) == 3
		    ? EX_CONFIG
		    : EX_UNAVAILABLE;
	}
	return 0;
}

/* The NUL-terminated fields of a payload: exactly n of them. */
static int
fields(
    const unsigned char *p, size_t len, const char **v, size_t n, size_t *used)
{
	size_t i, o = 0, k;

	for (i = 0; i < n; i++) {
		for (k = o; k < len && k - o < CARD_TEXT_MAX && p[k] != '\0';
		     k++)
			;
		if (k >= len || p[k] != '\0')
			return -1;
		v[i] = (const char *)p + o;
		o = k + 1;
	}
	*used = o;
	return 0;
}

static int
copy_text(char *dst, const char *src)
{
	snprintf(dst, CARD_TEXT_MAX, "%s", src);
	return 0;
}

static int
parse_ulong(const char *s, unsigned long *v)
{
	uint64_t n;

	if (px_parse_uint(s, 1UL << 31, &n) != 0)
		return -1;
	*v = (unsigned long)n;
	return 0;
}

/* Decodes the child's records into l.  Returns 0 or -1 (malformed). */
static int
card_parse(const struct wire *w, struct card_list *l, int *ended)
{
	const unsigned char *p = w->buf, *end = w->buf + w->len, *d;
	const char *v[6];
	struct card_token *tok = NULL;
	struct card_cert *c;
	size_t len, used;
	unsigned long nb;

	*ended = 0;
	while (p < end) {
		if (end - p < 5)
			return -1;
		len = (size_t)p[1] << 24 | (size_t)p[2] << 16 |
		    (size_t)p[3] << 8 | p[4];
		if (len > CARD_RECORD_MAX || len > (size_t)(end - p - 5))
			return -1;
		d = p + 5;
		switch (p[0]) {
		case REC_SLOTS:
			if (fields(d, len, v, 1, &used) != 0 ||
			    parse_ulong(v[0], &l->nslots) != 0)
				return -1;
			break;
		case REC_TOKEN:
			if (l->ntokens == CARD_SLOTS_MAX ||
			    fields(d, len, v, 6, &used) != 0)
				return -1;
			tok = &l->tokens[l->ntokens++];
			copy_text(tok->desc, v[0]);
			copy_text(tok->label, v[1]);
			copy_text(tok->manufacturer, v[2]);
			copy_text(tok->model, v[3]);
			copy_text(tok->serial, v[4]);
			if (parse_ulong(v[5], &tok->nlisted) != 0)
				return -1;
			break;
		case REC_CERT:
			if (tok == NULL || tok->ncerts == PX_CARD_CERTS_MAX ||
			    fields(d, len, v, 2, &used) != 0 ||
			    len - used > PX_CARD_CERT_SIZE_MAX)
				return -1;
			c = &tok->certs[tok->ncerts];
			copy_text(c->label, v[0]);
			copy_text(c->id, v[1]);
			{
				const unsigned char *q = d + used;

				c->x509 =
				    d2i_X509(NULL, &q, (long)(len - used));
				if (c->x509 == NULL || q != d + len) {
					X509_free(c->x509);
					c->x509 = NULL;
					ERR_clear_error();
					tok->nbig++; /* unreadable: passed over
					              */
					break;
				}
			}
			tok->ncerts++;
			break;
		case REC_BIG:
			if (tok == NULL || fields(d, len, v, 2, &used) != 0 ||
			    parse_ulong(v[0], &nb) != 0)
				return -1;
			tok->nbig++;
			break;
		case REC_ERROR:
			snprintf(l->error, sizeof(l->error), "%.*s",
			    (int)(len < CARD_TEXT_MAX - 1 ? len
			                                  : CARD_TEXT_MAX - 1),
			    (const char *)d);
			break;
		case REC_END: *ended = 1; break;
		default: return -1;
		}
		p = d + len;
	}
	return 0;
}

static void
card_list_free(struct card_list *l)
{
	unsigned int i, k;

	for (i = 0; i < l->ntokens; i++)
		for (k = 0; k < l->tokens[i].ncerts; k++)
			X509_free(l->tokens[i].certs[k].x509);
}

/* ---- the report ---- */

/* "EC P-256", "RSA", "ED25519" into buf; *bits the key's size. */
static void
key_desc(X509 *x, char *buf, size_t len, int *bits)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	char group[64];
	const char *nist;
	size_t glen;
	int id;

	*bits = 0;
	if (k == NULL) {
		snprintf(buf, len, "unreadable");
		ERR_clear_error();
		return;
	}
	*bits = EVP_PKEY_get_bits(k);
	id = EVP_PKEY_get_base_id(k);
	if (id == EVP_PKEY_EC) {
		if (EVP_PKEY_get_utf8_string_param(k,
		        OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		        &glen) != 1)
			snprintf(group, sizeof(group), "unknown curve");
		nist = EC_curve_nid2nist(OBJ_sn2nid(group));
		snprintf(buf, len, "EC %s", nist != NULL ? nist : group);
	} else if (id == EVP_PKEY_RSA)
		snprintf(buf, len, "RSA");
	else
		snprintf(buf, len, "%s",
		    OBJ_nid2sn(id) != NULL ? OBJ_nid2sn(id) : "unknown");
	ERR_clear_error();
}

static time_t
asn1_time(const ASN1_TIME *a)
{
	struct tm tm;

	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return 0;
	return timegm(&tm);
}

struct verdict {
	const char *result; /* px_decision_name() */
	const char *reason; /* NULL when accepted */
	char detail[512];
	char user[PX_USER_NAME_MAX];
	const char *map_error; /* NULL when mapped */
};

/* The module's judgement of certificate k of the token: validation with
 * the token's other certificates, and the mapping. */
static int
judge(struct px_pkix *px, const struct px_config *cfg,
    const struct card_token *tok, unsigned int k, time_t now, struct verdict *v)
{
	STACK_OF(X509) *extra;
	struct px_result *res = NULL;
	unsigned int i;
	int r;

	memset(v, 0, sizeof(*v));
	if ((extra = sk_X509_new_null()) == NULL)
		return PX_ERR_NOMEM;
	for (i = 0; i < tok->ncerts; i++)
		if (i != k && !sk_X509_push(extra, tok->certs[i].x509)) {
			sk_X509_free(extra);
			return PX_ERR_NOMEM;
		}
	r = px_verify(px, tok->certs[k].x509, extra, NULL, 0, now, &res);
	sk_X509_free(extra);
	if (r != 0) {
		px_result_free(res);
		return r;
	}
	v->result = px_decision_name(res->decision);
	if (res->decision != PX_ACCEPTED)
		v->reason = px_strerror(
		    res->reason != 0 ? res->reason : PX_ERR_REVOCATION_UNKNOWN);
	snprintf(v->detail, sizeof(v->detail), "%s",
	    res->detail != NULL ? res->detail : "");
	px_result_free(res);
	if ((r = px_map_user(cfg, tok->certs[k].x509, NULL, v->user,
	         sizeof(v->user))) != 0) {
		v->user[0] = '\0';
		v->map_error = px_strerror(r);
	}
	return 0;
}

static const char *
clean(const char *s, char *buf, size_t len)
{
	return px_sanitize(s != NULL ? s : "", buf, len);
}

static void
text_cert(const struct card_cert *c, unsigned int n, const struct verdict *v)
{
	char *subject, *issuer, *serial, key[96], t1[32], t2[32];
	char b1[CARD_TEXT_MAX * 4], b2[1024];
	int bits;

	subject = px_name_str(X509_get_subject_name(c->x509));
	issuer = px_name_str(X509_get_issuer_name(c->x509));
	serial = px_serial_str(c->x509);
	key_desc(c->x509, key, sizeof(key), &bits);
	printf("  certificate %u: id %s, label \"%s\"\n", n,
	    c->id[0] != '\0' ? c->id : "-", clean(c->label, b1, sizeof(b1)));
	printf("    subject:   %s\n", clean(subject, b2, sizeof(b2)));
	printf("    issuer:    %s\n", clean(issuer, b2, sizeof(b2)));
	printf("    serial:    %s\n", serial != NULL ? serial : "?");
	printf("    key:       %s, %d bits\n", key, bits);
	printf("    validity:  %s to %s\n",
	    px_time_str(
	        asn1_time(X509_get0_notBefore(c->x509)), t1, sizeof(t1)),
	    px_time_str(
	        asn1_time(X509_get0_notAfter(c->x509)), t2, sizeof(t2)));
	if (v->reason == NULL)
		printf("    validates: yes: %s\n",
		    clean(v->detail, b2, sizeof(b2)));
	else
		printf("    validates: no (%s): %s\n", v->reason,
		    clean(v->detail, b2, sizeof(b2)));
	if (v->map_error == NULL)
		printf("    user:      %s\n", v->user);
	else
		printf("    user:      none (%s)\n", v->map_error);
	free(subject);
	free(issuer);
	free(serial);
}

static void
json_cert(struct px_json *j, const struct card_cert *c, unsigned int n,
    const struct verdict *v)
{
	char *subject, *issuer, *serial, key[96];
	int bits;

	subject = px_name_str(X509_get_subject_name(c->x509));
	issuer = px_name_str(X509_get_issuer_name(c->x509));
	serial = px_serial_str(c->x509);
	key_desc(c->x509, key, sizeof(key), &bits);
	px_json_begin_object(j);
	px_json_kint(j, "index", n);
	px_json_kstr(j, "id", c->id);
	px_json_kstr(j, "label", c->label);
	px_json_kstr(j, "subject", subject);
	px_json_kstr(j, "issuer", issuer);
	px_json_kstr(j, "serial", serial);
	px_json_key(j, "key");
	px_json_begin_object(j);
	px_json_kstr(j, "type", key);
	px_json_kint(j, "bits", bits);
	px_json_end_object(j);
	px_json_ktime(j, "not_before", asn1_time(X509_get0_notBefore(c->x509)));
	px_json_ktime(j, "not_after", asn1_time(X509_get0_notAfter(c->x509)));
	px_json_kbool(j, "validates", v->reason == NULL);
	px_json_kstr(j, "result", v->result);
	px_json_kstr(j, "reason", v->reason);
	px_json_kstr(j, "detail", v->detail);
	px_json_kstr(j, "user", v->map_error == NULL ? v->user : NULL);
	px_json_kstr(j, "mapping_error", v->map_error);
	px_json_end_object(j);
	free(subject);
	free(issuer);
	free(serial);
}

/* The caps, said: the module looks at the first PX_CARD_CERTS_MAX. */
static void
cap_note(const struct card_token *t, char *buf, size_t len)
{
	buf[0] = '\0';
	if (t->nlisted > PX_CARD_CERTS_MAX)
		snprintf(buf, len,
		    "the token lists %lu certificates: only the first %d are "
		    "looked at, as the module does",
		    t->nlisted, PX_CARD_CERTS_MAX);
	if (t->nbig > 0)
		snprintf(buf + strlen(buf), len - strlen(buf),
		    "%s%u certificate(s) larger than %d bytes or unreadable "
		    "passed over",
		    buf[0] != '\0' ? "; " : "", t->nbig, PX_CARD_CERT_SIZE_MAX);
}

int
px_cmd_card(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	struct card_list *l = NULL;
	struct wire w = { NULL, 0 };
	struct px_json j;
	struct verdict v;
	const char *module = NULL;
	char why[1024], note[256], b1[CARD_TEXT_MAX * 4], b2[CARD_TEXT_MAX * 4];
	char b3[CARD_TEXT_MAX * 4], b4[CARD_TEXT_MAX * 4],
	    b5[CARD_TEXT_MAX * 4];
	uint64_t timeout = CARD_TIMEOUT;
	unsigned int i, k;
	int ch, json = 0, first = 1, ret, r, ended;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'm': module = optarg; break;
		case 't':
			if (px_ctl_uint("--timeout", optarg, 1,
			        CARD_TIMEOUT_MAX, &timeout) != 0)
				return EX_USAGE;
			break;
		default: return px_ctl_usage(ctl);
		}
	}
	if (optind != argc)
		return px_ctl_usage(ctl);
	if (px_config_load(ctl->config_path, &cfg) != 0)
		return EX_CONFIG;
	if (module == NULL)
		module = cfg->pkcs11_module;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		ret = EX_OSERR;
		goto out;
	}
	why[0] = '\0';
	ret = card_read(module, (unsigned int)timeout, &w, why, sizeof(why));
	if (ret == 0 || why[0] == '\0') {
		if (card_parse(&w, l, &ended) != 0 ||
		    (ret == 0 && !ended && l->error[0] == '\0')) {
			snprintf(why, sizeof(why),
			    "the PKCS#11 module %s: malformed or truncated "
			    "answer",
			    module);
			ret = EX_UNAVAILABLE;
		} else if (l->error[0] != '\0') {
			snprintf(why, sizeof(why), "%s", l->error);
			if (ret == 0)
				ret = EX_UNAVAILABLE;
		}
	}
	if (ret != 0 && why[0] == '\0')
		snprintf(why, sizeof(why),
		    "the PKCS#11 module %s: the tokens could not be listed",
		    module);
	if (ret != 0) {
		px_error("%s", why);
		if (json) {
			px_json_init(&j, stdout);
			px_json_begin_object(&j);
			px_json_kstr(&j, "module", module);
			px_json_kstr(&j, "error", why);
			px_json_key(&j, "tokens");
			px_json_begin_array(&j);
			px_json_end_array(&j);
			px_json_end_object(&j);
			putchar('\n');
		}
		goto out;
	}
	if ((r = px_pkix_new(cfg, &px)) != 0) {
		px_error("cannot load the trust stores: %s", px_strerror(r));
		ret = r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
		goto out;
	}
	px_pkix_set_clock(px, ctl->now);
	if (json) {
		px_json_init(&j, stdout);
		px_json_begin_object(&j);
		px_json_kstr(&j, "module", module);
		px_json_kint(&j, "slots", (long long)l->nslots);
		px_json_key(&j, "tokens");
		px_json_begin_array(&j);
	} else {
		printf("PKCS#11 module %s: %lu slot(s), %u token(s)\n",
		    clean(module, b1, sizeof(b1)), l->nslots, l->ntokens);
		if (l->ntokens == 0)
			printf("no token present\n");
	}
	for (i = 0; i < l->ntokens; i++) {
		struct card_token *t = &l->tokens[i];

		cap_note(t, note, sizeof(note));
		if (note[0] != '\0')
			px_warn("token \"%s\": %s",
			    clean(t->label, b1, sizeof(b1)), note);
		if (json) {
			px_json_begin_object(&j);
			px_json_kstr(&j, "label", t->label);
			px_json_kstr(&j, "slot", t->desc);
			px_json_kstr(&j, "manufacturer", t->manufacturer);
			px_json_kstr(&j, "model", t->model);
			px_json_kstr(&j, "serial", t->serial);
			px_json_kint(
			    &j, "certificates_listed", (long long)t->nlisted);
			px_json_kint(&j, "certificates_looked_at", t->ncerts);
			px_json_kbool(&j, "capped",
			    t->nlisted > PX_CARD_CERTS_MAX || t->nbig > 0);
			px_json_kstr(&j, "note", note[0] != '\0' ? note : NULL);
			px_json_key(&j, "certificates");
			px_json_begin_array(&j);
		} else {
			printf("token \"%s\" (slot \"%s\", %s %s, serial %s)\n",
			    clean(t->label, b1, sizeof(b1)),
			    clean(t->desc, b2, sizeof(b2)),
			    clean(t->manufacturer, b3, sizeof(b3)),
			    clean(t->model, b4, sizeof(b4)),
			    clean(t->serial, b5, sizeof(b5)));
			if (t->nlisted == 0)
				printf("  no certificates\n");
			else
				printf("  %lu certificate(s)%s%s\n", t->nlisted,
				    note[0] != '\0' ? ": " : "", note);
		}
		for (k = 0; k < t->ncerts; k++) {
			if ((r = judge(px, cfg, t, k, ctl->now(), &v)) != 0) {
				px_error(
				    "verification failed: %s", px_strerror(r));
				ret = EX_SOFTWARE;
				goto out;
			}
			if (json)
				json_cert(&j, &t->certs[k], k + 1, &v);
			else
				text_cert(&t->certs[k], k + 1, &v);
		}
		if (json) {
			px_json_end_array(&j);
			px_json_end_object(&j);
		}
	}
	if (json) {
		px_json_end_array(&j);
		px_json_end_object(&j);
		putchar('\n');
	}
	if (fflush(stdout) != 0)
		ret = EX_IOERR;
	else
		ret = l->ntokens == 0 ? 1 : 0;
out:
	if (l != NULL)
		card_list_free(l);
	free(l);
	free(w.buf);
	px_pkix_free(px);
	px_config_free(cfg);
	return ret;
}
