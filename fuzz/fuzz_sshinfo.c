/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: SSH_AUTH_INFO_0 (px_ssh_info_parse) and the key
 * arguments of pkixctl ssh-keys (px_ssh_key_parse).  Properties: a parse
 * that fails leaves no key; every key read has a type of printable bytes
 * without spaces, a blob within PX_SSH_BLOB_MAX that names that type, and
 * no more keys than PX_SSH_INFO_KEYS_MAX; the line made of a key reads
 * back to the same blob.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "module/module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_sshinfo_key(const struct px_ssh_key *k)
{
	struct px_ssh_key back;
	const unsigned char *p;
	char *line = NULL, *sp, *b64;

	if (k->blob == NULL || k->len == 0 || k->len > PX_SSH_BLOB_MAX ||
	    k->type[0] == '\0')
		abort();
	for (p = (const unsigned char *)k->type; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			abort();
	if (px_ssh_key_line(k, "c", &line) != 0)
		return;
	if ((sp = strchr(line, ' ')) == NULL)
		abort();
	*sp = '\0';
	b64 = sp + 1;
	if ((sp = strchr(b64, ' ')) != NULL)
		*sp = '\0';
	if (px_ssh_key_parse(line, b64, &back) != 0 ||
	    !px_ssh_key_equal(&back, k))
		abort();
	px_ssh_key_clear(&back);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_ssh_info info;
	struct px_ssh_key k;
	char *text, *sp;
	size_t i;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (px_ssh_info_parse(text, &info) == 0) {
		if (info.n > PX_SSH_INFO_KEYS_MAX)
			abort();
		for (i = 0; i < info.n; i++)
			fuzz_sshinfo_key(&info.keys[i]);
		px_ssh_info_clear(&info);
	} else if (info.n != 0)
		abort();
	/* The same bytes as "KEYTYPE KEY" arguments. */
	if ((sp = strchr(text, ' ')) != NULL) {
		*sp = '\0';
		if (px_ssh_key_parse(text, sp + 1, &k) == 0) {
			fuzz_sshinfo_key(&k);
			px_ssh_key_clear(&k);
		} else if (k.blob != NULL)
			abort();
	}
	free(text);
	return 0;
}
