/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkixctl config check [FILE]: the file read with every rule the module
 * applies (px_config_load(): owner, mode, no symbolic link, size, every
 * key typed and range-checked), every error named by file:line (at most
 * PX_CONF_ERRORS_MAX, then a count), and the effective configuration:
 * each key of the table with its value, defaults included.
 * pkixctl config keys: the keys of the table, "[section] key" a line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "../common/conf.h"
#include "../common/log.h"
#include "pkixctl.h"

const struct option px_config_opts[] = { { NULL, 0, NULL, 0 } };

struct show {
	const char *section; /* the last section printed */
	struct px_config *defaults;
	const char *want_section, *want_key; /* the default looked up */
	char *found;
	int nomem;
};

static int
find_default(void *arg, const char *section, const char *key, const char *value)
{
	struct show *sh = arg;

	if (strcmp(section, sh->want_section) != 0 ||
	    strcmp(key, sh->want_key) != 0)
		return 0;
	if (value != NULL && (sh->found = strdup(value)) == NULL)
		sh->nomem = 1;
	return 1;
}

static int
show_key(void *arg, const char *section, const char *key, const char *value)
{
	struct show *sh = arg;
	int is_default;

	if (sh->section == NULL || strcmp(sh->section, section) != 0) {
		printf("%s[%s]\n", sh->section != NULL ? "\n" : "", section);
		sh->section = section;
	}
	sh->want_section = section;
	sh->want_key = key;
	sh->found = NULL;
	if (px_config_walk(sh->defaults, find_default, sh) == PX_ERR_NOMEM ||
	    sh->nomem)
		return PX_ERR_NOMEM;
	is_default = (value == NULL && sh->found == NULL) ||
	    (value != NULL && sh->found != NULL &&
	        strcmp(value, sh->found) == 0);
	free(sh->found);
	sh->found = NULL;
	if (value == NULL)
		printf("; %s is not set\n", key);
	else
		printf(
		    "%s = %s%s\n", key, value, is_default ? " ; default" : "");
	return 0;
}

static int
config_check(const char *path)
{
	struct px_config *cfg = NULL;
	struct show sh = { 0 };
	int r;

	if ((r = px_config_load(path, &cfg)) != 0) {
		/* The errors were logged (stderr), each with file:line. */
		fprintf(stderr,
		    "pkixctl: %s: refused: %s (the module would not run with "
		    "it)\n",
		    path, px_strerror(r));
		return r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
	}
	if ((sh.defaults = px_config_new()) == NULL) {
		px_config_free(cfg);
		return EX_OSERR;
	}
	printf("; %s: valid; the effective configuration:\n", path);
	r = px_config_walk(cfg, show_key, &sh);
	px_config_free(sh.defaults);
	px_config_free(cfg);
	if (r != 0 || fflush(stdout) != 0)
		return r == PX_ERR_NOMEM ? EX_OSERR : EX_IOERR;
	return 0;
}

static int
print_key(void *arg, const char *section, const char *key, const char *value)
{
	printf("[%s] %s\n", section, key);
	return 0;
}

int
px_cmd_config(int argc, char **argv, const struct px_ctl *ctl)
{
	const char *sub;
	int ch, first = 1;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1)
		return px_ctl_usage(ctl);
	if (optind >= argc)
		return px_ctl_usage(ctl);
	sub = argv[optind++];
	if (strcmp(sub, "check") == 0 && argc - optind <= 1)
		return config_check(
		    optind < argc ? argv[optind] : ctl->config_path);
	if (strcmp(sub, "keys") == 0 && argc == optind)
		return px_config_walk(NULL, print_key, NULL) == 0 ? 0
		                                                  : EX_SOFTWARE;
	return px_ctl_usage(ctl);
}
