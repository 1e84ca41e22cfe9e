/*
 * log.h - structured logging: one line per event, `key=value` pairs.
 *
 * Every line carries the service name and, once set, the session id:
 *   service=imap session=8f3a2c level=info event=login user=demo@example.test
 * Output goes to stderr (default) or syslog.  Values containing spaces, quotes or
 * control bytes are quoted and escaped by log_kv_str(), so client-supplied text can
 * never forge a field or a line.
 */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR, LOG_LVL_FATAL };

/* Set the service name shown on every line; to_syslog selects syslog over stderr. */
void log_init(const char *service, int to_syslog);
/* Minimum level written (default info; CAIRN_DEBUG=1 in the environment: debug). */
void log_set_level(enum log_level level);
/* Session id shown on every line from now on; NULL clears it. */
void log_set_session(const char *session_id);
/* Current session id or NULL. */
const char *log_session(void);

/*
 * Write one line: event=EVENT then the caller's already-formatted `k=v k=v` text.
 * Use log_q() for values that may contain spaces or come from a client.
 */
void log_msg(enum log_level level, const char *event, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *event, const char *fmt, va_list ap);

/* Logs at LOG_LVL_FATAL and exits(1): for bad configuration and failed startup. */
void log_fatal(const char *event, const char *fmt, ...)
        __attribute__((format(printf, 2, 3), noreturn));

/*
 * Quote value for a log field: returns a pointer into one of a few rotating static
 * buffers (so up to 4 log_q() calls can appear in one log_msg), truncated at 512
 * bytes.  Safe for any bytes.
 */
const char *log_q(const char *value);

#define log_debug(ev, ...) log_msg(LOG_LVL_DEBUG, ev, __VA_ARGS__)
#define log_info(ev, ...) log_msg(LOG_LVL_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...) log_msg(LOG_LVL_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_msg(LOG_LVL_ERROR, ev, __VA_ARGS__)

#endif
