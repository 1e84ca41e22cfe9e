/*
 * lmtpd.h - cairn-lmtpd's daemon state: settings from cairn.conf, the blob store,
 * the delivery context, and serving one LMTP client on a socket.  main.c hands
 * these to the worker skeleton.
 */
#ifndef CAIRN_LMTPD_H
#define CAIRN_LMTPD_H

struct config;
struct lmtpd;

/*
 * Read [lmtp], [blob] and [database] from cfg (unknown keys are errors naming
 * their line), open the blob store and try the database (a database that is down
 * is not fatal: deliveries answer 451 until it is back).  NULL with *error_r.
 */
struct lmtpd *lmtpd_new(struct config *cfg, const char **error_r);
void lmtpd_free(struct lmtpd **lmtpd);

/* Serve one client on the connected socket fd until QUIT, EOF, error or timeout. */
void lmtpd_serve(struct lmtpd *lmtpd, int fd, const char *peer);

#endif
