/* SPDX-License-Identifier: BSD-2-Clause */
/* pkixctl ssh-keys: the AuthorizedKeysCommand (issue 13). */
#ifndef PX_SSHKEYS_H
#define PX_SSHKEYS_H

/*
 * pkixctl ssh-keys USER [KEYTYPE KEY]: prints an OpenSSH public-key line
 * for each of USER's certificates that the core accepts (with KEYTYPE and
 * KEY, only for the certificates of that key).  argv[0] is "ssh-keys";
 * now is the command's clock.  Returns the exit status: 0 (whether or not
 * a line was printed), 1 for a refused argument (user name, key), 64
 * usage, 78 configuration, 70/71 internal or system errors.
 */
int px_cmd_ssh_keys(
    int argc, char **argv, const char *config_path, time_t (*now)(void));

#endif
