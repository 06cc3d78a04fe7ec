/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Logging and the retrieval trace.  Both go to a sink chosen by the front end
 * (stderr in pkixctl, pam_syslog in the module).  Sinks are per thread, so a
 * module loaded into a threaded daemon logs through its own PAM handle.
 */
#ifndef PX_LOG_H
#define PX_LOG_H

#include <syslog.h>

#define PX_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* level is a syslog priority (LOG_ERR ... LOG_DEBUG); msg has no newline. */
typedef void (*px_log_fn)(void *arg, int level, const char *msg);
/* line is one trace record without a newline. */
typedef void (*px_trace_fn)(void *arg, const char *line);

/* Installs the calling thread's log sink; NULL restores the stderr sink. */
void px_log_set_sink(px_log_fn fn, void *arg);
/* Turns debug messages on or off for the calling thread. */
void px_log_set_debug(int on);
/* Returns nonzero when debug messages are enabled for this thread. */
int px_log_debug_enabled(void);

void px_log(int level, const char *fmt, ...) PX_PRINTF(2, 3);
void px_log_debug_at(const char *func, int line, const char *fmt, ...)
    PX_PRINTF(3, 4);

#define px_error(...) px_log(LOG_ERR, __VA_ARGS__)
#define px_warn(...) px_log(LOG_WARNING, __VA_ARGS__)
#define px_notice(...) px_log(LOG_NOTICE, __VA_ARGS__)
#define px_info(...) px_log(LOG_INFO, __VA_ARGS__)
#define px_debug(...)                                                          \
	do {                                                                   \
		if (px_log_debug_enabled())                                    \
			px_log_debug_at(__func__, __LINE__, __VA_ARGS__);      \
	} while (0)

/* Installs the calling thread's trace sink; NULL turns tracing off. */
void px_trace_set_sink(px_trace_fn fn, void *arg);
/* Returns nonzero when a trace sink is installed for this thread. */
int px_trace_enabled(void);
/* Emits one trace record (a retrieval or a revocation source consulted). */
void px_trace(const char *fmt, ...) PX_PRINTF(1, 2);

#endif
