#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../http/http.h"
#include "../ldap/ldap.h"
#include "cache_int.h"
#include "headers.h"
#include "offline.h"

/* Objects without nextUpdate or max-age are revalidated after a day. */
#define PX_DEFAULT_LIFETIME 86400

struct px_cache {
	const struct px_config *cfg;
	struct px_cdir dirs[2]; /* machine, user */
	int ndirs;
	struct px_cdir *wdir;    /* where this process stores, or NULL */
	struct px_cdir *machine; /* the machine cache, or NULL */
	time_t resync;           /* as last read from machine/resync */
	time_t resync_mtime;
	struct px_offline *offline;
	time_t (*now)(void);
};

const char *
px_source_name(enum px_source s)
{
	switch (s) {
	case PX_SRC_MEMORY: return "memory";
	case PX_SRC_DISK: return "disk";
	case PX_SRC_NETWORK: return "network";
	case PX_SRC_OFFLINE: return "offline";
	case PX_SRC_NONE: break;
	}
	return "none";
}

const char *
px_kind_name(enum px_kind k)
{
	switch (k) {
	case PX_KIND_CRL: return "crl";
	case PX_KIND_CERT: return "cert";
	case PX_KIND_OCSP: return "ocsp";
	}
	return "?";
}

void
px_budget_init(struct px_budget *b, const struct px_config *cfg)
{
	b->url_ms = (long)cfg->url_timeout * 1000;
	b->deadline_ms = cfg->cumulative_timeout > 0
	    ? px_now_ms() + (long)cfg->cumulative_timeout * 1000
	    : 0;
}

long
px_budget_next(const struct px_budget *b)
{
	long left;

	if (b->deadline_ms == 0)
		return b->url_ms;
	/* Cumulative: each URL gets half of what remains (seed 003). */
	left = b->deadline_ms - px_now_ms();
	return left > 1 ? left / 2 : 0;
}

/* The user's cache directory: ~ from the password database, not $HOME. */
static int
user_dir(const struct px_config *cfg, char *buf, size_t len)
{
	struct passwd *pw;
	const char *xdg;

	if (cfg->user_dir[0] == '/') {
		snprintf(buf, len, "%s", cfg->user_dir);
		return 0;
	}
	xdg = secure_getenv("XDG_CACHE_HOME");
	if (strcmp(cfg->user_dir, "~/.cache/pam_pkix") == 0 && xdg != NULL &&
	    xdg[0] == '/') {
		snprintf(buf, len, "%s/pam_pkix", xdg);
		return 0;
	}
	if ((pw = getpwuid(geteuid())) == NULL || pw->pw_dir == NULL ||
	    pw->pw_dir[0] != '/')
		return PX_ERR_NOT_FOUND;
	snprintf(buf, len, "%s%s", pw->pw_dir, cfg->user_dir + 1);
	return 0;
}

static time_t
sys_now(void)
{
	return time(NULL);
}

int
px_cache_new(const struct px_config *cfg, struct px_cache **cachep)
{
	struct px_cache *c;
	char path[PATH_MAX];
	int r;

	*cachep = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return PX_ERR_NOMEM;
	c->cfg = cfg;
	c->now = sys_now;
	if ((r = px_cdir_open(cfg->machine_dir, 0, &c->dirs[c->ndirs])) == 0)
		c->machine = &c->dirs[c->ndirs++];
	else if (r == PX_ERR_NOMEM)
		goto fail;
	/* Root never reads a user's cache (DESIGN.md section 5). */
	if (geteuid() != 0 && user_dir(cfg, path, sizeof(path)) == 0) {
		if ((r = px_cdir_open(path, 1, &c->dirs[c->ndirs])) == 0)
			c->ndirs++;
		else if (r == PX_ERR_NOMEM)
			goto fail;
	}
	for (r = 0; r < c->ndirs; r++)
		if (c->dirs[r].writable)
			c->wdir = &c->dirs[r];
	if (px_offline_new(c->machine, &c->offline) != 0) {
		r = PX_ERR_NOMEM;
		goto fail;
	}
	*cachep = c;
	return 0;
fail:
	px_cache_free(c);
	return PX_ERR_NOMEM;
}

void
px_cache_free(struct px_cache *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ndirs; i++)
		px_cdir_close(&c->dirs[i]);
	px_offline_free(c->offline);
	free(c);
}

void
px_cache_set_clock(struct px_cache *c, time_t (*now)(void))
{
	c->now = now != NULL ? now : sys_now;
	px_offline_set_clock(c->offline, c->now);
}

static void blob_clear(struct px_blob *b);

void
px_object_free(struct px_object *o)
{
	if (o == NULL)
		return;
	free(o->der);
	blob_clear(&o->idx);
	px_meta_clear(&o->meta);
	free(o);
}

/* ---- freshness (DESIGN.md section 4) ---- */

static time_t
fresh_until(const struct px_meta *m)
{
	time_t t = m->info.next_update;

	if (m->max_age >= 0 && (t == 0 || m->fetched_at + m->max_age < t))
		t = m->fetched_at + m->max_age;
	if (t == 0)
		t = m->fetched_at + PX_DEFAULT_LIFETIME;
	return t;
}

/* Fresh, and not fetched before a resync time that has come (pkixctl
 * resync invalidates what was fetched before it). */
static int
fresh(const struct px_meta *m, time_t now, time_t resync)
{
	if (resync != 0 && m->fetched_at < resync)
		return 0;
	return now < fresh_until(m);
}

#define RESYNC_FILE "resync"

/* "SECONDS\n", as px_cache_resync_set() writes it, and nothing else. */
static int
resync_parse(char *text, size_t len, uint64_t *v)
{
	if (len < 2 || text[len - 1] != '\n')
		return PX_ERR_BAD_FORMAT;
	text[len - 1] = '\0';
	if (px_parse_uint(text, INT64_MAX, v) != 0 || *v == 0)
		return PX_ERR_BAD_FORMAT;
	return 0;
}

/* The resync time in force: 0, or a time that has come. */
static time_t
resync_time(struct px_cache *c, time_t now)
{
	char path[PATH_MAX], *text = NULL;
	struct stat st;
	uint64_t v;
	size_t len;

	if (c->machine == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", c->machine->path, RESYNC_FILE);
	if (stat(path, &st) == -1) {
		c->resync = 0;
		c->resync_mtime = 0;
		return 0;
	}
	if (st.st_mtime != c->resync_mtime || c->resync_mtime == 0) {
		c->resync = 0;
		if (px_read_file(path, 64, PX_READ_NOFOLLOW, &text, &len) ==
		        0 &&
		    resync_parse(text, len, &v) == 0)
			c->resync = (time_t)v;
		else if (text != NULL)
			px_warn("%s: not a resync time; ignored", path);
		free(text);
		c->resync_mtime = st.st_mtime;
	}
	return c->resync <= now ? c->resync : 0;
}

int
px_cache_resync_get(struct px_cache *c, time_t *t)
{
	*t = 0;
	if (c->machine == NULL)
		return PX_ERR_NOT_FOUND;
	resync_time(c, 0);
	*t = c->resync;
	return *t != 0 ? 0 : PX_ERR_NOT_FOUND;
}

int
px_cache_resync_set(struct px_cache *c, time_t t)
{
	char path[PATH_MAX], buf[32];

	if (c->machine == NULL || !c->machine->writable) {
		px_error("resync: the machine cache is not writable by this "
		         "process (run as root)");
		return PX_ERR_INSECURE;
	}
	snprintf(path, sizeof(path), "%s/%s", c->machine->path, RESYNC_FILE);
	snprintf(buf, sizeof(buf), "%lld\n", (long long)t);
	return px_disk_write(c->machine, path, buf, strlen(buf));
}

/* Whether a cached object may still serve when the network cannot. */
static int
usable(
    const struct px_cache *c, const struct px_meta *m, time_t now, int offline)
{
	if (m->info.next_update == 0)
		return 1;
	return now <=
	    m->info.next_update + (offline ? (time_t)c->cfg->crl_grace : 0);
}

/* <0, 0, >0: a is older than, as old as, newer than b (number, then
 * thisUpdate). */
static int
compare_info(const struct px_obj_info *a, const struct px_obj_info *b)
{
	int r;

	if (a->number_len > 0 && b->number_len > 0) {
		if (a->number_len != b->number_len)
			return a->number_len < b->number_len ? -1 : 1;
		if ((r = memcmp(a->number, b->number, a->number_len)) != 0)
			return r;
	}
	return (a->this_update > b->this_update) -
	    (a->this_update < b->this_update);
}

/* ---- the entry as found on disk ---- */

#define HAVE(e) ((e)->meta.url != NULL)

static void
blob_clear(struct px_blob *b)
{
	free(b->mem);
	if (b->fd != -1)
		close(b->fd);
	b->mem = NULL;
	b->fd = -1;
	b->len = 0;
}

static void
entry_init(struct entry *e)
{
	memset(e, 0, sizeof(*e));
	e->idx.fd = -1;
}

static void
entry_clear(struct entry *e)
{
	px_meta_clear(&e->meta);
	free(e->der);
	blob_clear(&e->idx);
	entry_init(e);
}

/*
 * Damaged metadata beside an object: the object is validated again for
 * url and the metadata rebuilt from it (what only the server's headers
 * said - ETag, max-age - is lost), so that a broken .meta file never
 * destroys a CRL that is still valid.  Returns 0 (t filled) or -1.
 */
static int
rebuild_meta(struct px_cache *c, struct px_cdir *d, const char *hex,
    const char *url, enum px_kind kind, const struct px_validator *v,
    struct entry *t)
{
	struct px_obj_info info;
	unsigned char *idx = NULL;
	size_t il = 0;
	time_t mtime = 0;

	entry_init(t);
	if (px_disk_read_der(
	        d, hex, c->cfg->max_object_size, &t->der, &t->len, &mtime) != 0)
		goto fail;
	memset(&info, 0, sizeof(info));
	SHA256(t->der, t->len, t->meta.sha256);
	if (v->validate(v->arg, t->der, t->len, t->meta.sha256, &info, &idx,
	        &il) != 0 ||
	    (t->meta.url = strdup(url)) == NULL)
		goto fail;
	t->meta.kind = kind;
	t->meta.info = info;
	t->meta.max_age = -1;
	t->meta.fetched_at = mtime > 0 ? mtime : c->now();
	t->meta.size = t->len;
	t->dir = d;
	t->idx.mem = idx;
	t->idx.len = il;
	if (d->writable &&
	    (px_disk_store_meta(d, hex, &t->meta) != 0 ||
	        (idx != NULL && px_disk_store_idx(d, hex, idx, il) != 0)))
		px_warn("%s cache entry %s: rebuilt metadata not stored",
		    d->name, hex);
	px_warn("%s cache entry %s: metadata rebuilt from the object", d->name,
	    hex);
	return 0;
fail:
	free(idx);
	entry_clear(t);
	px_disk_discard(d, hex, "damaged metadata, and no valid object");
	return -1;
}

/*
 * Loads the entry hex of one directory.  With an index kind, the warm path
 * maps the index and never reads the object; a missing or damaged index is
 * rebuilt from the object (and stored again when the directory is ours).
 * Returns 0 or -1 (no usable entry).
 */
static int
load_one(struct px_cache *c, struct px_cdir *d, const char *hex,
    const char *url, enum px_kind kind, const struct px_validator *v,
    struct entry *t)
{
	struct px_obj_info info;
	size_t max = c->cfg->max_object_size, il = 0;
	unsigned char *idx = NULL;
	struct px_blob b = { NULL, -1, 0 };

	entry_init(t);
	switch (px_disk_load_meta(d, hex, &t->meta)) {
	case 0: break;
	case PX_ERR_BAD_FORMAT: return rebuild_meta(c, d, hex, url, kind, v, t);
	default: return -1;
	}
	if (strcmp(t->meta.url, url) != 0) /* a hash collision? */
		goto fail;
	t->dir = d;
	if (v->check_index != NULL &&
	    px_disk_open_idx(d, hex, 4 * max, &b.fd, &b.len) == 0) {
		if (v->check_index(v->arg, &b, t->meta.sha256) == 0) {
			if (px_disk_check_der(d, hex, &t->meta) != 0) {
				blob_clear(&b);
				goto fail;
			}
			t->idx = b;
			return 0;
		}
		blob_clear(&b);
		px_warn("%s cache entry %s: damaged index; rebuilt from the "
		        "object",
		    d->name, hex);
	}
	if (px_disk_load_der(d, hex, &t->meta, max, &t->der, &t->len) != 0)
		goto fail;
	if (v->check_index == NULL)
		return 0;
	/* Validated again, for the issuer the caller has in mind. */
	memset(&info, 0, sizeof(info));
	if (v->validate(
	        v->arg, t->der, t->len, t->meta.sha256, &info, &idx, &il) != 0)
		goto fail;
	if (idx != NULL && d->writable && px_disk_store_idx(d, hex, idx, il))
		px_warn("%s cache entry %s: index not stored", d->name, hex);
	t->idx.mem = idx;
	t->idx.len = il;
	return 0;
fail:
	entry_clear(t);
	return -1;
}

/* Loads the freshest copy of hex from the machine and user caches. */
static void
load_entry(struct px_cache *c, const char *hex, const char *url,
    enum px_kind kind, const struct px_validator *v, struct entry *e)
{
	struct entry t;
	int i;

	entry_init(e);
	for (i = 0; i < c->ndirs; i++) {
		if (load_one(c, &c->dirs[i], hex, url, kind, v, &t) != 0)
			continue;
		if (!HAVE(e) || t.meta.fetched_at > e->meta.fetched_at) {
			entry_clear(e);
			*e = t;
		} else
			entry_clear(&t);
	}
}

/* Into the memory cache; an entry just stored on disk is reopened there so
 * that the memory cache holds a descriptor, not a copy of the index. */
static void
remember(struct px_cache *c, const char *url, struct entry *e, time_t now)
{
	char hex[PX_KEY_HEX];
	struct px_blob b = { NULL, -1, 0 };

	if (!c->cfg->memory)
		return;
	if (e->idx.mem != NULL && e->dir != NULL) {
		px_cache_key(url, hex);
		if (px_disk_open_idx(e->dir, hex, e->idx.len, &b.fd, &b.len) ==
		        0 &&
		    b.len == e->idx.len) {
			free(e->idx.mem);
			e->idx = b;
		} else if (b.fd != -1)
			close(b.fd);
	}
	px_mem_put(url, e, now);
}

static int
hand_out(
    struct entry *e, enum px_source src, int stale, struct px_object **objp)
{
	struct px_object *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return PX_ERR_NOMEM;
	o->der = e->der;
	o->len = e->der != NULL ? e->len : e->meta.size;
	o->idx = e->idx;
	o->meta = e->meta;
	o->source = src;
	o->stale = stale;
	entry_init(e);
	*objp = o;
	return 0;
}

/*
 * One LDAP retrieval, its answer put in resp as an HTTP 200 would be, the
 * bind used in bind.  Fallbacks to weaker binds are logged as warnings.
 */
static int
ldap_request(struct px_cache *c, const char *url, enum px_kind kind,
    long timeout_ms, struct px_http_response *resp, char *bind, size_t blen)
{
	static const char *const crl_attrs[] = {
		"certificateRevocationList;binary",
		"authorityRevocationList;binary", NULL
	};
	static const char *const cert_attrs[] = { "cACertificate;binary",
		"cACertificate", NULL };
	struct px_ldap_request req;
	struct px_ldap_response lr;
	px_ldap_fetch_fn fetch;
	int r;

	memset(resp, 0, sizeof(*resp));
	if ((r = px_transport_ldap(c->cfg->transport_dir, &fetch)) != 0)
		return r;
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.server = c->cfg->ldap_server;
	req.default_attrs = kind == PX_KIND_CERT ? cert_attrs : crl_attrs;
	req.max_size = c->cfg->max_object_size;
	req.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	req.nocanon = c->cfg->ldap_sasl_nocanon;
	req.check_url = px_url_hook;
	req.check_arg = (void *)c->cfg;
	/* The machine context binds with the host's keytab; a user's process
	 * with the user's credential cache. */
	if (geteuid() == 0) {
		req.keytab = c->cfg->ldap_keytab != NULL ? c->cfg->ldap_keytab
		                                         : "/etc/krb5.keytab";
		req.principal = c->cfg->ldap_principal;
	}
	r = fetch(&req, &lr);
	if (lr.fallback[0] != '\0')
		px_warn("%s: %s; used %s", url, lr.fallback,
		    lr.bind[0] != '\0' ? lr.bind : "no bind");
	snprintf(bind, blen, "%s", lr.bind);
	resp->ms = lr.ms;
	if (r != 0) {
		snprintf(resp->errmsg, sizeof(resp->errmsg), "%s", lr.errmsg);
		px_warn("%s: %s", url, lr.errmsg);
		return r;
	}
	if (lr.values > 1)
		px_info("%s: %d values; the first is used", url, lr.values);
	resp->status = 200;
	resp->body = lr.body;
	resp->len = lr.len;
	return 0;
}

/* Moves a header value into the metadata when it was sent and parses
 * (ok: its syntax check); a value that does not parse is dropped. */
static void
take(char **dst, char **src, int (*ok)(const char *))
{
	if (*src == NULL)
		return;
	free(*dst);
	*dst = NULL;
	if (ok(*src))
		*dst = *src;
	else
		free(*src);
	*src = NULL;
}

static int
date_ok(const char *v)
{
	time_t t;

	return px_hdr_date(v, &t) == 0;
}

/*
 * Takes the response headers into m (the response keeps nothing).  A
 * header that was not sent leaves m's value: a 304 without Cache-Control
 * keeps the max-age the object came with.
 */
static void
take_headers(struct px_meta *m, struct px_http_response *resp, time_t now)
{
	take(&m->etag, &resp->etag, px_hdr_etag_ok);
	take(&m->last_modified, &resp->last_modified, date_ok);
	take(&m->date, &resp->date, date_ok);
	take(&m->via, &resp->via, px_hdr_text_ok);
	if (resp->cache_control != NULL)
		m->max_age = px_hdr_max_age(resp->cache_control);
	m->fetched_at = now;
}

struct fetch {
	struct px_http_response resp;
	int r;
	long status;
	size_t bytes;
	long ms;
};

static int
http_request(struct px_cache *c, const char *url, const struct px_fetch *f,
    const struct entry *e, long cache_max_age, int conditional, long timeout_ms,
    struct px_http_response *resp)
{
	struct px_http_request req;
	px_http_fetch_fn fetch;
	char ua[64];
	int r;

	if ((r = px_transport_http(c->cfg->transport_dir, &fetch)) != 0)
		return r;
	snprintf(ua, sizeof(ua), "pam_pkix/%s", PACKAGE_VERSION);
	memset(&req, 0, sizeof(req));
	req.url = url;
	if (conditional && HAVE(e)) {
		/* Seed 003: If-None-Match when an ETag is known, never both. */
		if (e->meta.etag != NULL)
			req.if_none_match = e->meta.etag;
		else
			req.if_modified_since = e->meta.last_modified;
	}
	req.cache_max_age = cache_max_age;
	if (f != NULL) {
		req.url = f->url;
		req.post_type = f->post_type;
		req.post_body = f->post;
		req.post_len = f->post_len;
		req.if_none_match = req.if_modified_since = NULL;
	}
	req.max_size = c->cfg->max_object_size;
	req.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	req.proxy = c->cfg->proxy;
	req.user_agent = ua;
	req.check_url = px_url_hook;
	req.check_arg = (void *)c->cfg;
	r = fetch(&req, resp);
	if (r != 0)
		px_warn("%s: %s", url, resp->errmsg);
	return r;
}

/* Stores a validated object as the new entry for url. */
static int
store(struct px_cache *c, const char *hex, struct entry *e)
{
	int r;

	e->meta.size = e->len; /* sha256 was set before validation */
	if (c->wdir == NULL)
		return 0;
	if ((r = px_disk_store(c->wdir, hex, &e->meta, e->der, e->len,
	         e->idx.mem, e->idx.len)) != 0)
		px_warn("%s: not stored in the %s cache: %s", e->meta.url,
		    c->wdir->name, px_strerror(r));
	e->dir = c->wdir;
	return 0;
}

static void
trace(const char *url, enum px_source src, long status, size_t bytes, long ms,
    const char *note)
{
	px_trace("%s source=%s status=%ld bytes=%zu ms=%ld%s%s", url,
	    px_source_name(src), status, bytes, ms, note[0] != '\0' ? " " : "",
	    note);
}

/* A network trace line also names the time the URL was given. */
static void
trace_net(const char *url, long status, size_t bytes, long ms, long timeout_ms,
    const char *note)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "timeout=%ldms%s%s", timeout_ms,
	    note[0] != '\0' ? " " : "", note);
	trace(url, PX_SRC_NETWORK, status, bytes, ms, buf);
}

/*
 * The network part of px_cache_get(), under the entry's lock.  On success
 * *e holds the object to hand out and *srcp says where it came from.
 */
static int
refresh(struct px_cache *c, const char *url, const struct px_url *pu,
    const char *hex, enum px_kind kind, const struct px_fetch *f,
    long timeout_ms, const struct px_validator *v, struct entry *e,
    enum px_source *srcp, char *note, size_t nlen)
{
	struct px_http_response resp;
	struct px_obj_info info;
	struct entry n;
	time_t now = c->now();
	long max_age = HAVE(e) ? e->meta.max_age : -1;
	long t0 = px_now_ms(), status = 0;
	size_t bytes = 0;
	int r, retried = 0, conditional = 1, ldap = !px_url_is_http(pu);
	char bind[24] = "", ohex[PX_KEY_HEX];

	entry_init(&n);
	/* The offline list knows servers: the responder for OCSP. */
	px_cache_key(f != NULL ? f->responder : url, ohex);
	/* LDAP has no conditional request and no proxy to ask again; an OCSP
	 * request is never conditional. */
	if (ldap)
		retried = 1;
	if (f != NULL)
		conditional = 0;
again:
	memset(&resp, 0, sizeof(resp));
	if (ldap)
		r = ldap_request(
		    c, url, kind, timeout_ms, &resp, bind, sizeof(bind));
	else
		r = http_request(
		    c, url, f, e, max_age, conditional, timeout_ms, &resp);
	status = resp.status;
	bytes += resp.len;
	if (r != 0) {
		/* Only a server we cannot reach goes on the offline list. */
		if (r == PX_ERR_TIMEOUT || r == PX_ERR_UNREACHABLE)
			px_offline_failed(
			    c->offline, f != NULL ? f->responder : url, ohex);
		snprintf(note, nlen, "error=\"%s\"", px_strerror(r));
		goto out;
	}
	px_offline_succeeded(c->offline, f != NULL ? f->responder : url, ohex);
	if (resp.status == 304 && HAVE(e)) {
		take_headers(&e->meta, &resp, now);
		if (e->meta.info.next_update != 0 &&
		    e->meta.info.next_update < now && !retried) {
			/* Seed 003: an expired object from a proxy: ask again.
			 */
			retried = 1;
			conditional = 0;
			max_age = 0;
			px_http_response_clear(&resp);
			goto again;
		}
		if (e->dir == c->wdir && c->wdir != NULL &&
		    px_disk_store_meta(c->wdir, hex, &e->meta) != 0)
			px_warn("%s: metadata not updated", url);
		*srcp = PX_SRC_NETWORK;
		snprintf(note, nlen, "not-modified");
		r = 0;
		goto out;
	}
	if (resp.status != 200) {
		r = PX_ERR_NETWORK;
		snprintf(note, nlen, "error=\"HTTP status %ld\"", resp.status);
		px_warn("%s: HTTP status %ld", url, resp.status);
		goto out;
	}
	memset(&info, 0, sizeof(info));
	SHA256(resp.body, resp.len, n.meta.sha256);
	if ((r = v->validate(v->arg, resp.body, resp.len, n.meta.sha256, &info,
	         &n.idx.mem, &n.idx.len)) != 0) {
		px_warn("%s: the object fetched was rejected: %s; the cache "
		        "is left as it was",
		    url, px_strerror(r));
		snprintf(note, nlen, "rejected=\"%s\"", px_strerror(r));
		goto out;
	}
	if (info.next_update != 0 && info.next_update < now && !retried) {
		/* Seed 003: assume a proxy returned a stale copy: ask again. */
		blob_clear(&n.idx);
		retried = 1;
		conditional = 0;
		max_age = 0;
		px_http_response_clear(&resp);
		goto again;
	}
	if (HAVE(e) && compare_info(&info, &e->meta.info) < 0) {
		px_warn("%s: the server returned an older object than the "
		        "cached one; keeping the cached one",
		    url);
		snprintf(note, nlen, "older-than-cached");
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	if ((n.meta.url = strdup(url)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	n.meta.kind = kind;
	n.meta.info = info;
	n.meta.max_age = -1;
	take_headers(&n.meta, &resp, now);
	if (bind[0] != '\0' && (n.meta.bind = strdup(bind)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	n.der = resp.body;
	n.len = resp.len;
	resp.body = NULL;
	if ((r = store(c, hex, &n)) != 0)
		goto out;
	entry_clear(e);
	*e = n;
	entry_init(&n);
	*srcp = PX_SRC_NETWORK;
	r = 0;
out:
	if (bind[0] != '\0') {
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "bind=%s%s%.120s", bind,
		    note[0] != '\0' ? " " : "", note);
		snprintf(note, nlen, "%s", tmp);
	}
	trace_net(url, status, bytes, px_now_ms() - t0, timeout_ms, note);
	note[0] = '\0';
	px_http_response_clear(&resp);
	entry_clear(&n);
	return r;
}

static int
offline_check(struct px_cache *c, const char *server, char *note, size_t len)
{
	char ohex[PX_KEY_HEX];

	px_cache_key(server, ohex);
	return px_offline_check(c->offline, server, ohex, note, len);
}

/*
 * Parses the URL of a retrieval (for an object keyed otherwise, its server
 * and the URL asked) before anything is done with it.  Returns 0 with the
 * server's URL in *pu, or PX_ERR_BAD_URL (logged, traced).
 */
static int
url_refused(const char *url, const struct px_fetch *f, struct px_url *pu)
{
	struct px_url asked;
	const char *why;

	if (px_url_parse(f != NULL ? f->responder : url, pu) != 0)
		why = pu->why;
	else if (f != NULL && px_url_parse(f->url, &asked) != 0)
		why = asked.why;
	else if (f != NULL && (!px_url_is_http(pu) || !px_url_is_http(&asked)))
		why = "OCSP is asked over HTTP only";
	else
		return 0;
	px_warn("%s: URL refused: %s", url, why);
	px_trace("%s source=none status=0 bytes=0 ms=0 error=\"URL refused: "
	         "%s\"",
	    url, why);
	return PX_ERR_BAD_URL;
}

static int get(struct px_cache *c, const char *url, enum px_kind kind,
    const struct px_fetch *f, struct px_budget *budget,
    const struct px_validator *v, int force, struct px_object **objp);

int
px_cache_get(struct px_cache *c, const char *url, enum px_kind kind,
    struct px_budget *budget, const struct px_validator *v,
    struct px_object **objp)
{
	return get(c, url, kind, NULL, budget, v, 0, objp);
}

int
px_cache_refresh(struct px_cache *c, const char *url, enum px_kind kind,
    struct px_budget *budget, const struct px_validator *v,
    struct px_object **objp)
{
	return get(c, url, kind, NULL, budget, v, 1, objp);
}

int
px_cache_get_by(struct px_cache *c, const char *key, enum px_kind kind,
    const struct px_fetch *f, struct px_budget *budget,
    const struct px_validator *v, struct px_object **objp)
{
	return get(c, key, kind, f, budget, v, 0, objp);
}

/*
 * force: revalidate with the server even when the entry is fresh.  f: how to
 * fetch when the key is not the URL (OCSP), or NULL.
 */
static int
get(struct px_cache *c, const char *url, enum px_kind kind,
    const struct px_fetch *f, struct px_budget *budget,
    const struct px_validator *v, int force, struct px_object **objp)
{
	char hex[PX_KEY_HEX], note[160] = "";
	struct entry e;
	struct px_url pu;
	enum px_source src = PX_SRC_NONE;
	long timeout_ms, t0 = px_now_ms();
	time_t now = c->now(), resync;
	int lockfd = -1, r, offline = 0;

	*objp = NULL;
	entry_init(&e);
	if ((r = url_refused(url, f, &pu)) != 0)
		return r;
	resync = resync_time(c, now);
	if (!force && c->cfg->memory && px_mem_get(url, resync, &e) == 0) {
		if (fresh(&e.meta, now, resync)) {
			trace(url, PX_SRC_MEMORY, 0, e.meta.size,
			    px_now_ms() - t0, "fresh");
			return hand_out(&e, PX_SRC_MEMORY, 0, objp);
		}
		entry_clear(&e);
	}
	px_cache_key(url, hex);
	load_entry(c, hex, url, kind, v, &e);
	if (!force && HAVE(&e) && fresh(&e.meta, now, resync)) {
		trace(url, PX_SRC_DISK, 0, e.meta.size, px_now_ms() - t0,
		    "fresh");
		remember(c, url, &e, now);
		return hand_out(&e, PX_SRC_DISK, 0, objp);
	}
	if (c->cfg->offline) {
		r = PX_ERR_OFFLINE;
		offline = 1;
		snprintf(note, sizeof(note), "error=\"offline = yes\"");
	} else if (!px_url_allowed(c->cfg, &pu)) {
		r = PX_ERR_NOT_ALLOWED;
		snprintf(note, sizeof(note), "error=\"not in allowed_urls\"");
		px_warn("%s: not in allowed_urls; not fetched", url);
	} else if (offline_check(c, f != NULL ? f->responder : url, note,
	               sizeof(note)) != 0) {
		r = PX_ERR_OFFLINE;
		offline = 1;
	} else if ((timeout_ms = px_budget_next(budget)) <= 0) {
		r = PX_ERR_TIMEOUT;
		snprintf(note, sizeof(note), "error=\"time budget spent\"");
	} else {
		r = 0;
	}
	if (r != 0) {
		trace(url, PX_SRC_OFFLINE, 0, 0, px_now_ms() - t0, note);
		goto fallback;
	}
	/* One download per URL at a time: the others wait, then read it. */
	if (c->wdir != NULL) {
		if ((r = px_disk_lock(c->wdir, hex, px_now_ms() + timeout_ms,
		         &lockfd)) != 0) {
			trace(url, PX_SRC_OFFLINE, 0, 0, px_now_ms() - t0,
			    "error=\"another process is still fetching\"");
			goto fallback;
		}
		entry_clear(&e);
		load_entry(c, hex, url, kind, v, &e);
		now = c->now();
		if (!force && HAVE(&e) && fresh(&e.meta, now, resync)) {
			px_disk_unlock(lockfd);
			remember(c, url, &e, now);
			trace(url, PX_SRC_DISK, 0, e.len, px_now_ms() - t0,
			    "fresh after waiting for another process");
			return hand_out(&e, PX_SRC_DISK, 0, objp);
		}
		timeout_ms -= px_now_ms() - t0;
	}
	r = refresh(c, url, &pu, hex, kind, f, timeout_ms, v, &e, &src, note,
	    sizeof(note));
	px_disk_unlock(lockfd);
	if (r == 0) {
		remember(c, url, &e, c->now());
		return hand_out(&e, src, 0, objp);
	}
	offline = r == PX_ERR_TIMEOUT || r == PX_ERR_UNREACHABLE;
fallback:
	/* The network failed: the cached object while it is still valid. */
	if (HAVE(&e) && usable(c, &e.meta, c->now(), offline)) {
		px_info("%s: using the cached copy (%s)", url, px_strerror(r));
		return hand_out(&e, PX_SRC_DISK, 1, objp);
	}
	entry_clear(&e);
	return r;
}

/* ---- administration ---- */

struct count {
	enum px_kind kind;
	const char *prefix;
	int n;
};

static int
count_one(void *arg, const struct px_cdir *d, const char *hex,
    const struct px_meta *meta)
{
	struct count *k = arg;

	if (meta->kind == k->kind &&
	    strncmp(meta->url, k->prefix, strlen(k->prefix)) == 0)
		k->n++;
	return 0;
}

int
px_cache_count(struct px_cache *c, enum px_kind kind, const char *prefix)
{
	struct count k = { kind, prefix, 0 };
	int i;

	/* A directory that cannot be listed counts nothing. */
	for (i = 0; i < c->ndirs; i++)
		if (px_disk_walk(&c->dirs[i], count_one, &k) != 0)
			continue;
	return k.n;
}

int
px_cache_due(struct px_cache *c, const struct px_meta *m, time_t window)
{
	time_t now = c->now();

	if (!fresh(m, now, resync_time(c, now)))
		return 1;
	return m->info.next_update != 0 && m->info.next_update - now < window;
}

struct walk {
	int (*fn)(void *, const char *, const struct px_meta *);
	void *arg;
	enum px_kind kind;
	int count;
};

static int
list_one(void *arg, const struct px_cdir *d, const char *hex,
    const struct px_meta *meta)
{
	struct walk *w = arg;

	return w->fn(w->arg, d->name, meta);
}

int
px_cache_list(struct px_cache *c,
    int (*fn)(void *arg, const char *dir, const struct px_meta *meta),
    void *arg)
{
	struct walk w = { fn, arg, 0, 0 };
	int i, r;

	for (i = 0; i < c->ndirs; i++)
		if ((r = px_disk_walk(&c->dirs[i], list_one, &w)) != 0)
			return r;
	return 0;
}

static int
delete_one(void *arg, const struct px_cdir *d, const char *hex,
    const struct px_meta *meta)
{
	struct walk *w = arg;

	if (w->kind == 0 || meta->kind == w->kind) {
		px_disk_remove(d, hex);
		w->count++;
	}
	return 0;
}

int
px_cache_delete(struct px_cache *c, enum px_kind kind)
{
	struct walk w = { NULL, NULL, kind, 0 };
	int r;

	if (c->wdir == NULL) {
		px_error("no cache this process may write to");
		return PX_ERR_INSECURE;
	}
	if ((r = px_disk_walk(c->wdir, delete_one, &w)) != 0)
		return r;
	return w.count;
}

int
px_cache_offline_list(struct px_cache *c,
    int (*fn)(void *arg, const char *url, time_t retry_at, long interval),
    void *arg)
{
	return px_offline_list(c->offline, fn, arg);
}

int
px_cache_offline_clear(struct px_cache *c)
{
	return px_offline_clear(c->offline);
}
