/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the configuration parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *arg, int level, const char *msg)
{
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_config *cfg;
	char *text;

	px_log_set_sink(quiet, NULL);
	if (size > PX_CONF_MAX_SIZE || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((cfg = px_config_new()) != NULL) {
		(void)px_config_parse(cfg, "fuzz", text);
		px_config_free(cfg);
	}
	free(text);
	return 0;
}
