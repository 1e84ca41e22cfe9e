/*
 * log.c - structured key=value logging to stderr or syslog (see log.h).
 */
#include "log.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_Q_SLOTS 4
#define LOG_Q_MAX 512

static char log_service[32] = "cairn";
static char log_session_id[64];
static int log_to_syslog;
static enum log_level log_min_level = LOG_LVL_INFO;

static const char *const log_level_names[] = {"debug", "info", "warn", "error", "fatal"};
static const int log_syslog_prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT};

void log_init(const char *service, int to_syslog)
{
	snprintf(log_service, sizeof(log_service), "%s", service);
	log_to_syslog = to_syslog;
	const char *dbg = getenv("CAIRN_DEBUG");
	if (dbg && *dbg && strcmp(dbg, "0") != 0)
		log_min_level = LOG_LVL_DEBUG;
	if (to_syslog)
		openlog("cairn", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void log_set_level(enum log_level level)
{
	log_min_level = level;
}

void log_set_session(const char *session_id)
{
	snprintf(log_session_id, sizeof(log_session_id), "%s", session_id ? session_id : "");
}

const char *log_session(void)
{
	return log_session_id[0] ? log_session_id : NULL;
}

void log_vmsg(enum log_level level, const char *event, const char *fmt, va_list ap)
{
	if (level < log_min_level)
		return;
	struct buf line = BUF_INIT;
	if (!log_to_syslog)
		buf_printf(&line, "pid=%ld ", (long)getpid());
	buf_printf(&line, "service=%s ", log_service);
	if (log_session_id[0])
		buf_printf(&line, "session=%s ", log_session_id);
	buf_printf(&line, "level=%s event=%s", log_level_names[level], event);
	if (fmt && *fmt) {
		buf_append_char(&line, ' ');
		buf_vprintf(&line, fmt, ap);
	}
	/* Never let a stray newline in a formatted value split the record. */
	for (size_t i = 0; i < line.len; i++)
		if (line.data[i] == '\n' || line.data[i] == '\r')
			line.data[i] = ' ';
	if (log_to_syslog) {
		syslog(log_syslog_prio[level], "%s", buf_cstr(&line));
	} else {
		buf_append_char(&line, '\n');
		/* One write(2) per line so concurrent workers do not interleave. */
		ssize_t ignored = write(STDERR_FILENO, line.data, line.len);
		(void)ignored;
	}
	buf_free(&line);
}

void log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, event, fmt, ap);
	va_end(ap);
}

void log_fatal(const char *event, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_LVL_FATAL, event, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *log_q(const char *value)
{
	static char slots[LOG_Q_SLOTS][LOG_Q_MAX * 4 + 8];
	static unsigned next;
	char *out = slots[next++ % LOG_Q_SLOTS];
	size_t o = 0;
	if (value == NULL)
		value = "";
	int needs_quote = value[0] == '\0';
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    (unsigned char)*p >= 0x7f)
			needs_quote = 1;
	if (!needs_quote) {
		snprintf(out, LOG_Q_MAX + 1, "%s", value);
		return out;
	}
	out[o++] = '"';
	for (size_t i = 0; i < LOG_Q_MAX && value[i]; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < ' ' || c == 0x7f) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}
