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

int
px_transport_http(const char *dir, px_http_fetch_fn *fnp)
{
	char path[PATH_MAX];
	const unsigned *abi;
	void *h;
	int r = 0;

	pthread_mutex_lock(&lock);
	if (http_fetch != NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/px_http.so", dir);
	/* RTLD_LOCAL: libcurl's symbols stay out of the host's namespace. */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		px_error("cannot load the HTTP transport: %s", dlerror());
		r = PX_ERR_NOT_FOUND;
		goto out;
	}
	abi = dlsym(h, PX_HTTP_SYM_ABI);
	http_fetch = (px_http_fetch_fn)dlsym(h, PX_HTTP_SYM_FETCH);
	if (abi == NULL || *abi != PX_HTTP_ABI || http_fetch == NULL) {
		px_error(
		    "%s: not a pam_pkix HTTP transport of this version", path);
		http_fetch = NULL;
		dlclose(h);
		r = PX_ERR_NOT_FOUND;
		goto out;
	}
	/* Kept loaded for the life of the process: libcurl keeps state. */
out:
	*fnp = http_fetch;
	pthread_mutex_unlock(&lock);
	return r;
}

int
px_transport_ldap(const char *dir, px_ldap_fetch_fn *fnp)
{
	char path[PATH_MAX];
	const unsigned *abi;
	void *h;
	int r = 0;

	pthread_mutex_lock(&lock);
	if (ldap_fetch != NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/px_ldap.so", dir);
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		px_error("cannot load the LDAP transport: %s", dlerror());
		r = PX_ERR_NOT_FOUND;
		goto out;
	}
	abi = dlsym(h, PX_LDAP_SYM_ABI);
	ldap_fetch = (px_ldap_fetch_fn)dlsym(h, PX_LDAP_SYM_FETCH);
	if (abi == NULL || *abi != PX_LDAP_ABI || ldap_fetch == NULL) {
		px_error(
		    "%s: not a pam_pkix LDAP transport of this version", path);
		ldap_fetch = NULL;
		dlclose(h);
		r = PX_ERR_NOT_FOUND;
	}
out:
	*fnp = ldap_fetch;
	pthread_mutex_unlock(&lock);
	return r;
}

void
px_http_response_clear(struct px_http_response *resp)
{
	free(resp->body);
	free(resp->etag);
	free(resp->last_modified);
	free(resp->date);
	free(resp->via);
	resp->body = NULL;
	resp->etag = resp->last_modified = resp->date = resp->via = NULL;
	resp->len = 0;
}
