/*
 * Loads the transport plugins on first use: a process answered from the
 * caches never maps libcurl (DESIGN.md: a warm check cannot pay for
 * loading transports it does not use).
 */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/log.h"
#include "../http/http.h"
#include "../ldap/ldap.h"
#include "cache_int.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static px_http_fetch_fn http_fetch;
static px_ldap_fetch_fn ldap_fetch;
static px_ldap_user_fn ldap_user;

/*
 * Loads dir/file once and returns its fetch function, checking its ABI.
 * Kept loaded for the life of the process (libcurl and libldap keep state).
 * Lock held.
 */
static void *
load(const char *dir, const char *file, const char *what, const char *abi_sym,
    unsigned abi, const char *fetch_sym)
{
	char path[PATH_MAX];
	const unsigned *v;
	void *h, *fn;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	/* RTLD_LOCAL: the library's symbols stay out of the host's. */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		px_error("cannot load the %s transport: %s", what, dlerror());
		return NULL;
	}
	v = dlsym(h, abi_sym);
	fn = dlsym(h, fetch_sym);
	if (v == NULL || *v != abi || fn == NULL) {
		px_error("%s: not a pam_pkix %s transport of this version",
		    path, what);
		dlclose(h);
		return NULL;
	}
	return fn;
}

int
px_transport_http(const char *dir, px_http_fetch_fn *fnp)
{
	pthread_mutex_lock(&lock);
	if (http_fetch == NULL)
		http_fetch = (px_http_fetch_fn)load(dir, "px_http.so", "HTTP",
		    PX_HTTP_SYM_ABI, PX_HTTP_ABI, PX_HTTP_SYM_FETCH);
	*fnp = http_fetch;
	pthread_mutex_unlock(&lock);
	return *fnp != NULL ? 0 : PX_ERR_NOT_FOUND;
}

int
px_transport_ldap(const char *dir, px_ldap_fetch_fn *fnp)
{
	pthread_mutex_lock(&lock);
	if (ldap_fetch == NULL)
		ldap_fetch = (px_ldap_fetch_fn)load(dir, "px_ldap.so", "LDAP",
		    PX_LDAP_SYM_ABI, PX_LDAP_ABI, PX_LDAP_SYM_FETCH);
	*fnp = ldap_fetch;
	pthread_mutex_unlock(&lock);
	return *fnp != NULL ? 0 : PX_ERR_NOT_FOUND;
}

int
px_transport_ldap_user(const char *dir, px_ldap_user_fn *fnp)
{
	pthread_mutex_lock(&lock);
	if (ldap_user == NULL)
		ldap_user = (px_ldap_user_fn)load(dir, "px_ldap.so", "LDAP",
		    PX_LDAP_SYM_ABI, PX_LDAP_ABI, PX_LDAP_SYM_USER);
	*fnp = ldap_user;
	pthread_mutex_unlock(&lock);
	return *fnp != NULL ? 0 : PX_ERR_NOT_FOUND;
}

void
px_http_response_clear(struct px_http_response *resp)
{
	free(resp->body);
	free(resp->etag);
	free(resp->last_modified);
	free(resp->date);
	free(resp->via);
	free(resp->cache_control);
	resp->body = NULL;
	resp->etag = resp->last_modified = resp->date = resp->via = NULL;
	resp->cache_control = NULL;
	resp->len = 0;
}
