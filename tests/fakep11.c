/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fakep11: a PKCS#11 module that misbehaves where pkixctl card must cope:
 * C_GetSlotList raises SIGSEGV, or with FAKEP11_MODE=hang never returns.
 * Only the first functions of the list are real; the layout is the one
 * of PKCS#11 2.x's CK_FUNCTION_LIST (a CK_VERSION, then 68 pointers).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CKR_OK 0UL
#define CKR_FUNCTION_NOT_SUPPORTED 0x54UL

typedef unsigned long ck_rv;

struct ck_version {
	unsigned char major, minor;
};

struct ck_info {
	struct ck_version cryptoki;
	unsigned char manufacturer[32];
	unsigned long flags;
	unsigned char description[32];
	struct ck_version library;
};

struct ck_function_list {
	struct ck_version version;
	void *fn[68];
};

static struct ck_function_list list;

static ck_rv
fake_initialize(void *args)
{
	return CKR_OK;
}

static ck_rv
fake_finalize(void *reserved)
{
	return CKR_OK;
}

static ck_rv
fake_get_info(struct ck_info *info)
{
	memset(info, ' ', sizeof(*info));
	info->cryptoki.major = 2;
	info->cryptoki.minor = 20;
	info->flags = 0;
	memcpy(info->manufacturer, "fakep11", 7);
	memcpy(info->description, "crashes in C_GetSlotList", 24);
	info->library.major = 1;
	info->library.minor = 0;
	return CKR_OK;
}

static ck_rv
fake_get_slot_list(
    unsigned char present, unsigned long *slots, unsigned long *n)
{
	const char *mode = getenv("FAKEP11_MODE");

	if (mode != NULL && strcmp(mode, "hang") == 0)
		for (;;)
			pause();
	raise(SIGSEGV);
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static ck_rv
fake_unsupported(void)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

ck_rv C_GetFunctionList(struct ck_function_list **out)
    __attribute__((visibility("default")));

ck_rv
C_GetFunctionList(struct ck_function_list **out)
{
	size_t i;

	list.version.major = 2;
	list.version.minor = 20;
	for (i = 0; i < sizeof(list.fn) / sizeof(list.fn[0]); i++)
		list.fn[i] = (void *)fake_unsupported;
	list.fn[0] = (void *)fake_initialize;
	list.fn[1] = (void *)fake_finalize;
	list.fn[2] = (void *)fake_get_info;
	list.fn[3] = (void *)C_GetFunctionList;
	list.fn[4] = (void *)fake_get_slot_list;
	*out = &list;
	return CKR_OK;
}
