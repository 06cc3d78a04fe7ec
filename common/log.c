/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "escape.h"
#include "log.h"

#define PX_LOG_LINE_MAX 1024

static _Thread_local px_log_fn log_fn;
static _Thread_local void *log_arg;
static _Thread_local int log_debug;
static _Thread_local px_trace_fn trace_fn;
static _Thread_local void *trace_arg;

void
px_log_set_sink(px_log_fn fn, void *arg)
{
	log_fn = fn;
	log_arg = arg;
}

void
px_log_set_debug(int on)
{
	log_debug = on != 0;
}

int
px_log_debug_enabled(void)
{
	return log_debug;
}

static const char *
level_name(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	}
	return "debug";
}

/* Every line is sanitised here, once: a certificate's subject or a URL
 * with a newline cannot forge a second syslog line. */
static void
emit(int level, const char *raw)
{
	char msg[PX_LOG_LINE_MAX + 64];

	px_sanitize(raw, msg, sizeof(msg));
	if (log_fn != NULL)
		log_fn(log_arg, level, msg);
	else
		fprintf(stderr, "pam_pkix: %s: %s\n", level_name(level), msg);
}

void
px_log(int level, const char *fmt, ...)
{
	char buf[PX_LOG_LINE_MAX];
	va_list ap;

	if (level == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(level, buf);
}

void
px_log_debug_at(const char *func, int line, const char *fmt, ...)
{
	char msg[PX_LOG_LINE_MAX], buf[PX_LOG_LINE_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(buf, sizeof(buf), "%s:%d: %s", func, line, msg);
	emit(LOG_DEBUG, buf);
}

void
px_trace_set_sink(px_trace_fn fn, void *arg)
{
	trace_fn = fn;
	trace_arg = arg;
}

int
px_trace_enabled(void)
{
	return trace_fn != NULL;
}

void
px_trace(const char *fmt, ...)
{
	char buf[PX_LOG_LINE_MAX], line[PX_LOG_LINE_MAX];
	va_list ap;

	if (trace_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace_fn(trace_arg, px_sanitize(buf, line, sizeof(line)));
}
