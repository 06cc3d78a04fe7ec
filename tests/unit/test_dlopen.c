/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loads the module the way libpam does and checks what dlsym() finds: the
 * PAM entry points, and none of the core's symbols.
 * Usage: test_dlopen /path/to/pam_pkix.so
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	static const char *want[] = { "pam_sm_authenticate", "pam_sm_setcred",
		"pam_sm_acct_mgmt" };
	static const char *hidden[] = { "px_strerror", "px_verify",
		"px_config_load", "px_pam_code", "px_log" };
	void *h;
	size_t i;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: test_dlopen MODULE\n");
		return 2;
	}
	if ((h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (dlsym(h, want[i]) == NULL) {
			fprintf(stderr, "missing: %s\n", want[i]);
			bad = 1;
		}
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (dlsym(h, hidden[i]) != NULL) {
			fprintf(stderr, "exported: %s\n", hidden[i]);
			bad = 1;
		}
	dlclose(h);
	return bad;
}
