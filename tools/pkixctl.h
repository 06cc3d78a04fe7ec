/* SPDX-License-Identifier: BSD-2-Clause */
/* pkixctl's command table and what its commands share. */
#ifndef PX_PKIXCTL_H
#define PX_PKIXCTL_H

#include <getopt.h>
#include <stdint.h>
#include <time.h>

#define PX_CMD_HIDDEN 0x01 /* not in the usage text */

struct px_ctl;

struct px_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct px_ctl *ctl);
	const char *args;          /* the synopsis after the name */
	const char *help;          /* one line */
	const struct option *opts; /* the command's options, for getopt_long */
	int flags;
};

struct px_ctl {
	const char *config_path;  /* --config, or the compiled-in default */
	time_t (*now)(void);      /* the clock of every command (--time) */
	const struct px_cmd *cmd; /* the command being run */
};

/*
 * getopt_long() over ctl->cmd->opts (the short options are the options'
 * printable vals); argv[0] is the command name.  Call with *first set to 1
 * before the first call.  Returns as getopt_long() does.
 */
int px_ctl_getopt(const struct px_ctl *ctl, int argc, char **argv, int *first);
/* Prints the command's synopsis to stderr and returns EX_USAGE. */
int px_ctl_usage(const struct px_ctl *ctl);
/* An option's number: decimal digits only, within [min, max].  Returns 0,
 * or EX_USAGE with a message naming the option. */
int px_ctl_uint(
    const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *v);

/* The commands of other files. */
int px_cmd_card(int argc, char **argv, const struct px_ctl *ctl);
int px_cmd_config(int argc, char **argv, const struct px_ctl *ctl);
extern const struct option px_card_opts[];
extern const struct option px_config_opts[];

#endif
