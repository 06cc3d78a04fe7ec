/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Starting the retrieval helper (DESIGN.md section 9): every network
 * retrieval runs in pkix-fetch, started with posix_spawn from a fixed
 * environment (PATH and the configuration's helper_environment, nothing of
 * the caller's), with only its pipes and the entry's lock open.  The caller
 * waits for the answer within its budget; past it the helper goes on alone
 * (bounded by background_timeout) and stores what it fetched for the next
 * login.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "../common/log.h"
#include "cache_int.h"
#include "proto.h"

#define SPAWN_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_FD_MIN 10 /* our pipe ends live above 0-3 */

/* fd moved above the helper's 0-3 (a host with 0, 1 or 2 closed would
 * otherwise hand them out), close-on-exec. */
static int
spawn_high(int fd)
{
	int h;

	if (fd < 0)
		return -1;
	h = fcntl(fd, F_DUPFD_CLOEXEC, SPAWN_FD_MIN);
	close(fd);
	return h;
}

static void
spawn_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The helper's whole environment. */
static char **
spawn_env(const struct px_config *cfg)
{
	char **env;
	size_t i;

	if ((env = calloc(cfg->n_helper_env + 2, sizeof(*env))) == NULL)
		return NULL;
	env[0] = (char *)SPAWN_PATH;
	for (i = 0; i < cfg->n_helper_env; i++)
		env[i + 1] = cfg->helper_env[i];
	return env;
}

/*
 * Reaps the helper's first process, which forks the worker and exits at
 * once, so that no zombie is left in a long-lived host.  One still running
 * now is not the helper we know: it is stopped.
 */
static void
spawn_reap(pid_t pid)
{
	long end = px_now_ms() + 200;
	int status;

	/* (A moment's grace: it may not have been scheduled yet.) */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (px_now_ms() >= end)
			goto stop;
		usleep(1000);
	}
	return;
stop:
	px_error(
	    "retrieval helper: process %ld did not detach; stopped", (long)pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static int
spawn_write(int fd, const unsigned char *buf, size_t len, long deadline_ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	ssize_t n;
	long left;

	while (len > 0) {
		if ((left = deadline_ms - px_now_ms()) <= 0)
			return PX_ERR_TIMEOUT;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		/* A socket: a helper gone early cannot SIGPIPE the host. */
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return PX_ERR_IO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until the helper closes its end, the deadline, or the cap. */
static int
spawn_read(int fd, struct px_proto *reply, long deadline_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	unsigned char buf[65536];
	ssize_t n;
	long left;

	for (;;) {
		if ((left = deadline_ms - px_now_ms()) <= 0)
			return PX_ERR_TIMEOUT;
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return PX_ERR_IO;
		}
		if (n == 0)
			return 0;
		if (reply->len + (size_t)n > reply->max) {
			px_error("retrieval helper: answer over %zu bytes; "
			         "ignored",
			    reply->max);
			return PX_ERR_TOO_BIG;
		}
		px_proto_put_raw(reply, buf, (size_t)n);
		if (reply->failed)
			return PX_ERR_NOMEM;
	}
}

int
px_spawn_run(const struct px_config *cfg, const struct px_proto *req,
    int lockfd, long deadline_ms, struct px_proto *reply)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char *argv[4], **env = NULL;
	int sv[2] = { -1, -1 }, lk = -1, r, e;
	pid_t pid;

	if (req->failed)
		return PX_ERR_NOMEM;
	/* One socket both ways: the helper reads its request on 0 (to the
	 * end of our half) and writes its answer on 1. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		px_error("retrieval helper: socketpair: %s", strerror(errno));
		return PX_ERR_IO;
	}
	sv[0] = spawn_high(sv[0]);
	sv[1] = spawn_high(sv[1]);
	if (lockfd >= 0)
		lk = fcntl(lockfd, F_DUPFD_CLOEXEC, SPAWN_FD_MIN);
	if (sv[0] < 0 || sv[1] < 0 || (lockfd >= 0 && lk < 0) ||
	    (env = spawn_env(cfg)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (lk >= 0)
		posix_spawn_file_actions_adddup2(&fa, lk, 3);
	posix_spawn_file_actions_addclosefrom_np(&fa, lk >= 0 ? 4 : 3);
	/* The host's signal mask and handlers are not the helper's. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(
	    &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	argv[0] = cfg->helper;
	argv[1] = (char *)"--config";
	argv[2] = cfg->path != NULL ? cfg->path : (char *)"";
	argv[3] = NULL;
	e = posix_spawn(&pid, cfg->helper, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0) {
		px_error("retrieval helper %s cannot be started: %s",
		    cfg->helper, strerror(e));
		r = PX_ERR_CONFIG;
		goto out;
	}
	spawn_close(&sv[1]);
	spawn_close(&lk);
	if ((r = spawn_write(sv[0], req->buf, req->len, deadline_ms)) == 0) {
		shutdown(sv[0], SHUT_WR);
		r = spawn_read(sv[0], reply, deadline_ms);
	}
	spawn_reap(pid);
out:
	spawn_close(&sv[0]);
	spawn_close(&sv[1]);
	spawn_close(&lk);
	free(env);
	return r;
}

/* ---- the network step of a login process ---- */

static void
spawn_put_spec(struct px_proto *p, const struct px_vspec *s)
{
	px_proto_puts(p, "spec-kind", px_kind_name(s->kind));
	if (s->issuer != NULL)
		px_proto_put(p, "spec-issuer", s->issuer, s->issuer_len);
	if (s->subject != NULL)
		px_proto_put(p, "spec-subject", s->subject, s->subject_len);
	if (s->cert != NULL)
		px_proto_put(p, "spec-cert", s->cert, s->cert_len);
	if (s->request != NULL)
		px_proto_put(p, "spec-request", s->request, s->request_len);
	px_proto_puts(p, "spec-md", s->md);
}

/* What the helper said. */
struct spawn_answer {
	long rc;
	int have_rc;
	char source[16];
	char note[160];
	char why[200];
	const unsigned char *object; /* into the reply buffer */
	size_t object_len;
	char user[256];
	STACK_OF(X509) *certs; /* user-certs: the certificates, when set */
	size_t ncerts;         /* seen, parsed or not */
};

static int
spawn_answer_rec(
    void *arg, const char *tag, const unsigned char *val, size_t len)
{
	struct spawn_answer *a = arg;
	long level;

	if (strcmp(tag, "log") == 0) {
		/* "LEVEL message": the helper's lines, through our sink. */
		if (len > 2 && val[1] == ' ' && val[0] >= '0' && val[0] <= '7')
			level = val[0] - '0';
		else
			return PX_ERR_BAD_FORMAT;
		px_log((int)level, "%s", (const char *)val + 2);
	} else if (strcmp(tag, "trace") == 0)
		px_trace("%s", (const char *)val);
	else if (strcmp(tag, "result") == 0) {
		if (px_proto_num(val, len, &a->rc) != 0 || a->rc > 0 ||
		    a->rc <= PX_ERR_LAST)
			return PX_ERR_BAD_FORMAT;
		a->have_rc = 1;
	} else if (strcmp(tag, "source") == 0)
		snprintf(a->source, sizeof(a->source), "%s", (const char *)val);
	else if (strcmp(tag, "note") == 0)
		snprintf(a->note, sizeof(a->note), "%s", (const char *)val);
	else if (strcmp(tag, "why") == 0)
		snprintf(a->why, sizeof(a->why), "%s", (const char *)val);
	else if (strcmp(tag, "object") == 0) {
		a->object = val;
		a->object_len = len;
	} else if (strcmp(tag, "cert") == 0 && a->certs != NULL) {
		/* At most as many as the LDAP side lists; each parsed here,
		 * and what does not parse is left out (and said). */
		const unsigned char *p = val;
		X509 *x = NULL;

		if (++a->ncerts > PX_USER_CERTS_MAX)
			return PX_ERR_TOO_BIG;
		if (len > PX_USER_CERT_MAX ||
		    (x = d2i_X509(NULL, &p, (long)len)) == NULL ||
		    p != val + len) {
			X509_free(x);
			ERR_clear_error();
			px_warn("LDAP user certificates: a value that is no "
			        "certificate; left out");
			return 0;
		}
		if (!sk_X509_push(a->certs, x)) {
			X509_free(x);
			return PX_ERR_NOMEM;
		}
	} else if (strcmp(tag, "user") == 0) {
		if (len == 0 || len >= sizeof(a->user))
			return PX_ERR_BAD_FORMAT;
		memcpy(a->user, val, len + 1);
	} else
		return PX_ERR_BAD_FORMAT;
	return 0;
}

/* Runs one request and reads the helper's answer into *a (pointing into
 * *reply, which the caller frees). */
static int
spawn_ask(const struct px_config *cfg, struct px_proto *req, int lockfd,
    long deadline_ms, struct px_proto *reply, struct spawn_answer *a)
{
	STACK_OF(X509) *certs;
	int r;

	certs = a->certs; /* what the caller asked to collect */
	memset(a, 0, sizeof(*a));
	a->certs = certs;
	reply->max = (size_t)cfg->max_object_size + 1024 * 1024;
	if ((r = px_spawn_run(cfg, req, lockfd, deadline_ms, reply)) != 0)
		return r;
	if ((r = px_proto_parse(reply->buf, reply->len, spawn_answer_rec, a)) !=
	        0 ||
	    !a->have_rc) {
		px_error("retrieval helper: %s answer",
		    reply->len == 0 ? "no" : "a malformed or cut");
		return PX_ERR_NETWORK;
	}
	return (int)a->rc;
}

int
px_spawn_fetch(struct px_cache *c, const struct px_job *job, struct entry *e,
    enum px_source *srcp, char *note, size_t nlen)
{
	struct px_proto req = { NULL, 0, 0, 64 * 1024 * 1024, 0 };
	struct px_proto reply = { NULL, 0, 0, 0, 0 };
	struct spawn_answer a = { 0 };
	const struct px_validator *v = job->v;
	struct px_vspec spec;
	struct entry n;
	int r;

	px_entry_init(&n);
	memset(&spec, 0, sizeof(spec));
	if (v->describe == NULL || (r = v->describe(v->arg, &spec)) != 0) {
		snprintf(note, nlen, "error=\"no retrieval for this object\"");
		return PX_ERR_INTERNAL;
	}
	px_proto_puts(&req, "magic", PX_PROTO_MAGIC);
	px_proto_puts(&req, "mode", "fetch");
	px_proto_puts(&req, "url", job->url);
	px_proto_puts(&req, "kind", px_kind_name(job->kind));
	px_proto_putnum(&req, "budget", job->budget_ms);
	/* The caller's clock (pkixctl --time): what the helper stores is
	 * judged by the same time. */
	px_proto_putnum(&req, "now", (long long)c->now());
	/* The caller's own cache (a user's, found through XDG_CACHE_HOME or
	 * the home directory): the helper stores there, as that user. */
	if (c->wdir != NULL && c->wdir != c->machine)
		px_proto_puts(&req, "user-dir", c->wdir->path);
	if (job->f != NULL) {
		px_proto_puts(&req, "responder", job->f->responder);
		px_proto_puts(&req, "fetch-url", job->f->url);
		if (job->f->post != NULL) {
			px_proto_put(
			    &req, "post", job->f->post, job->f->post_len);
			px_proto_puts(&req, "post-type", job->f->post_type);
		}
	}
	spawn_put_spec(&req, &spec);
	r = spawn_ask(c->cfg, &req, job->lockfd, px_now_ms() + job->budget_ms,
	    &reply, &a);
	if (r == PX_ERR_TIMEOUT && !a.have_rc) {
		/* Seed 003: the server counts as offline now, while the
		 * helper goes on in the background. */
		snprintf(note, nlen,
		    "timeout=%ldms error=\"timed out\" background=yes",
		    job->budget_ms);
		px_cache_trace(
		    job->url, PX_SRC_NETWORK, 0, 0, job->budget_ms, note);
		note[0] = '\0';
		if (job->count_failure)
			px_cache_offline_failed(c, job->pu);
		goto out;
	}
	if ((r == PX_ERR_TIMEOUT || r == PX_ERR_UNREACHABLE) &&
	    job->count_failure)
		px_cache_offline_failed(c, job->pu);
	if (r != 0) {
		snprintf(note, nlen, "error=\"%s\"",
		    a.note[0] != '\0' ? a.note : px_strerror(r));
		if (v->why != NULL && a.why[0] != '\0')
			snprintf(v->why, v->why_len, "%s", a.why);
		goto out;
	}
	if (a.object != NULL) {
		/* The helper could not store it: checked here, used once. */
		struct px_obj_info info;

		memset(&info, 0, sizeof(info));
		if ((n.der = malloc(a.object_len + 1)) == NULL ||
		    (n.meta.url = strdup(job->url)) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		memcpy(n.der, a.object, a.object_len);
		n.len = a.object_len;
		SHA256(n.der, n.len, n.meta.sha256);
		if ((r = v->validate(v->arg, n.der, n.len, n.meta.sha256, &info,
		         &n.idx.mem, &n.idx.len)) != 0)
			goto out;
		n.meta.kind = job->kind;
		n.meta.info = info;
		n.meta.max_age = -1;
		n.meta.fetched_at = c->now();
		n.meta.size = n.len;
		px_entry_clear(e);
		*e = n;
		px_entry_init(&n);
	} else {
		px_entry_clear(e);
		px_entry_load(c, job->hex, job->url, job->kind, v, e);
		if (!HAVE(e)) {
			px_error("%s: the retrieval helper stored nothing",
			    job->url);
			r = PX_ERR_IO;
			goto out;
		}
	}
	*srcp = strcmp(a.source, "network") == 0 ? PX_SRC_NETWORK : PX_SRC_DISK;
	snprintf(note, nlen, "%s", a.note);
	r = 0;
out:
	px_entry_clear(&n);
	px_vspec_clear(&spec);
	px_proto_free(&req);
	px_proto_free(&reply);
	return r;
}

void
px_vspec_clear(struct px_vspec *spec)
{
	OPENSSL_free(spec->issuer);
	OPENSSL_free(spec->subject);
	OPENSSL_free(spec->cert);
	OPENSSL_free(spec->request);
	memset(spec, 0, sizeof(*spec));
}

int
px_ldap_map_user(const struct px_config *cfg, const char *user, X509 *cert,
    char *out, size_t outlen)
{
	struct px_proto req = { NULL, 0, 0, 1024 * 1024, 0 };
	struct px_proto reply = { NULL, 0, 0, 0, 0 };
	struct spawn_answer a = { 0 };
	unsigned char *der = NULL;
	long budget = (long)cfg->url_timeout * 1000;
	int len, r;

	if ((len = i2d_X509(cert, &der)) <= 0)
		return PX_ERR_NOMEM;
	px_proto_puts(&req, "magic", PX_PROTO_MAGIC);
	px_proto_puts(&req, "mode", "map-user");
	px_proto_puts(&req, "user", user);
	px_proto_put(&req, "cert", der, (size_t)len);
	px_proto_putnum(&req, "budget", budget);
	r = spawn_ask(cfg, &req, -1, px_now_ms() + budget, &reply, &a);
	if (r == 0 && user == NULL) {
		if (a.user[0] == '\0' || strlen(a.user) >= outlen) {
			r = PX_ERR_BAD_FORMAT;
			goto out;
		}
		memcpy(out, a.user, strlen(a.user) + 1);
	}
out:
	OPENSSL_free(der);
	px_proto_free(&req);
	px_proto_free(&reply);
	return r;
}

int
px_ldap_certs_of_user(
    const struct px_config *cfg, const char *user, STACK_OF(X509) **certsp)
{
	struct px_proto req = { NULL, 0, 0, 1024 * 1024, 0 };
	struct px_proto reply = { NULL, 0, 0, 0, 0 };
	struct spawn_answer a = { 0 };
	long budget = (long)cfg->url_timeout * 1000;
	int r;

	*certsp = NULL;
	px_proto_puts(&req, "magic", PX_PROTO_MAGIC);
	px_proto_puts(&req, "mode", "user-certs");
	px_proto_puts(&req, "user", user);
	px_proto_putnum(&req, "budget", budget);
	if ((a.certs = sk_X509_new_null()) == NULL) {
		px_proto_free(&req);
		return PX_ERR_NOMEM;
	}
	r = spawn_ask(cfg, &req, -1, px_now_ms() + budget, &reply, &a);
	if (r == 0) {
		*certsp = a.certs;
		a.certs = NULL;
	}
	sk_X509_pop_free(a.certs, X509_free);
	px_proto_free(&req);
	px_proto_free(&reply);
	return r;
}
