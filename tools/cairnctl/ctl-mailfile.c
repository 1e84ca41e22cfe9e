/*
 * ctl-mailfile.c - mbox and Maildir readers and writers for import and export
 * (ctl-mailfile.h).
 *
 * mbox is read mboxrd-style: a message starts at each line "From ", lines
 * ">From ", ">>From ", ... lose one '>', and the blank line a writer puts before
 * the next From_ line is not part of the message.  The file is mapped, so memory
 * stays bounded by one message (itself capped at CTL_MAIL_MAX).
 */
#include "ctl-mailfile.h"

#include "base/buf.h"
#include "base/xalloc.h"
#include "imap/flags.h"
#include "store/keyword.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CTL_MAIL_MAX (256u << 20) /* largest message we import */

static char ctl_mail_errbuf[1200];

static const char *ctl_mail_err(const char *fmt, const char *a, const char *b)
{
	snprintf(ctl_mail_errbuf, sizeof(ctl_mail_errbuf), fmt, a, b ? b : "");
	return ctl_mail_errbuf;
}

struct ctl_mail_reader {
	enum ctl_mail_format format;
	char *path;
	/* mbox */
	const char *map;
	size_t size, pos;
	struct buf keywords; /* of the last message: " kw1 kw2" */
	/* Maildir */
	char **files;
	size_t nfiles, next;
};

/* ---- mbox reading ---- */

static int ctl_mbox_is_from(const char *p, const char *end)
{
	return end - p >= 5 && memcmp(p, "From ", 5) == 0;
}

/* Internal date of a From_ line "From sender Www Mmm dd hh:mm:ss yyyy" (UTC). */
static int64_t ctl_mbox_date(const char *line, size_t len)
{
	char text[128];
	struct tm tm;
	const char *p = line + 5, *end = line + len;
	while (p < end && *p != ' ') /* the envelope sender */
		p++;
	while (p < end && *p == ' ')
		p++;
	size_t n = (size_t)(end - p) < sizeof(text) - 1 ? (size_t)(end - p) : sizeof(text) - 1;
	memcpy(text, p, n);
	text[n] = '\0';
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(text, "%a %b %e %H:%M:%S %Y", &tm);
	return rest == NULL ? -1 : (int64_t)timegm(&tm);
}

static unsigned ctl_mbox_status_flags(const char *v, size_t len, int x_status)
{
	unsigned flags = 0;
	for (size_t i = 0; i < len; i++) {
		if (!x_status && v[i] == 'R')
			flags |= CTL_FLAG_SEEN;
		else if (x_status && v[i] == 'A')
			flags |= CTL_FLAG_ANSWERED;
		else if (x_status && v[i] == 'F')
			flags |= CTL_FLAG_FLAGGED;
		else if (x_status && v[i] == 'T')
			flags |= CTL_FLAG_DRAFT;
		else if (x_status && v[i] == 'D')
			flags |= CTL_FLAG_DELETED;
	}
	return flags;
}

/* The header fields of an mbox message that are flags, not content. */
enum ctl_mbox_field { CTL_MBOX_OTHER, CTL_MBOX_STATUS, CTL_MBOX_XSTATUS, CTL_MBOX_KEYWORDS };

/* What the line-by-line reading of one mbox message carries along. */
struct ctl_mbox_parse {
	int in_header;
	enum ctl_mbox_field field; /* of the header line being read (continuations) */
	struct buf *msg;
	struct ctl_mail *m;
	struct buf *keywords; /* " kw1 kw2 ... " while collecting */
	unsigned n_keywords;
};

/* Add one X-Keywords token unless invalid (counted), a duplicate or one too many. */
static void ctl_mbox_keyword(struct ctl_mbox_parse *ps, const char *k, size_t len)
{
	if (!imap_keyword_valid(k, len) || ps->n_keywords >= KEYWORD_MAX_PER_MESSAGE) {
		ps->m->dropped_keywords++;
		return;
	}
	for (const char *p = buf_cstr(ps->keywords); (p = strchr(p, ' ')) != NULL; p++)
		if (strncasecmp(p + 1, k, len) == 0 && p[1 + len] == ' ')
			return;
	buf_append(ps->keywords, k, len);
	buf_append_char(ps->keywords, ' ');
	ps->n_keywords++;
}

/* X-Keywords values: keywords separated by spaces, tabs or commas (both are in use). */
static void ctl_mbox_keywords(struct ctl_mbox_parse *ps, const char *v, size_t len)
{
	for (size_t i = 0; i < len;) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;
		while (i < len && v[i] != ' ' && v[i] != '\t' && v[i] != ',')
			i++;
		if (i > start)
			ctl_mbox_keyword(ps, v + start, i - start);
	}
}

/* The field a header line starts, and its value after the colon. */
static enum ctl_mbox_field ctl_mbox_field(const char *l, size_t len, size_t *value_r)
{
	static const struct {
		const char *name;
		enum ctl_mbox_field field;
	} fields[] = {{"Status:", CTL_MBOX_STATUS},
	              {"X-Status:", CTL_MBOX_XSTATUS},
	              {"X-Keywords:", CTL_MBOX_KEYWORDS}};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t n = strlen(fields[i].name);
		if (len >= n && strncasecmp(l, fields[i].name, n) == 0) {
			*value_r = n;
			return fields[i].field;
		}
	}
	return CTL_MBOX_OTHER;
}

/*
 * A header line (or continuation) that is a flag field becomes flags or keywords
 * and 1 is returned: it is not part of the stored message.
 */
static int ctl_mbox_flag_line(struct ctl_mbox_parse *ps, const char *l, size_t len)
{
	size_t v = 0;
	if (l[0] != ' ' && l[0] != '\t')
		ps->field = ctl_mbox_field(l, len, &v);
	switch (ps->field) {
	case CTL_MBOX_OTHER:
		return 0;
	case CTL_MBOX_STATUS:
	case CTL_MBOX_XSTATUS:
		ps->m->flags |=
		        ctl_mbox_status_flags(l + v, len - v, ps->field == CTL_MBOX_XSTATUS);
		return 1;
	case CTL_MBOX_KEYWORDS:
		ctl_mbox_keywords(ps, l + v, len - v);
		return 1;
	}
	return 0;
}

/*
 * Append one source line (without its LF; a trailing CR is dropped) to the message
 * with CRLF, unless it is a flag field of the header section.
 */
static void ctl_mbox_line(struct ctl_mbox_parse *ps, const char *l, size_t len)
{
	if (len > 0 && l[len - 1] == '\r')
		len--;
	if (ps->in_header) {
		if (len == 0)
			ps->in_header = 0;
		else if (ctl_mbox_flag_line(ps, l, len))
			return;
	}
	size_t q = 0;
	while (q < len && l[q] == '>')
		q++;
	if (q > 0 && len - q >= 5 && memcmp(l + q, "From ", 5) == 0) {
		l++; /* mboxrd: one level of quoting comes off */
		len--;
	}
	buf_append(ps->msg, l, len);
	buf_append(ps->msg, "\r\n", 2);
}

static int ctl_mbox_next(struct ctl_mail_reader *r, struct buf *msg, struct ctl_mail *m,
                         const char **error_r)
{
	const char *base = r->map, *end = r->map + r->size;
	const char *p = base + r->pos;
	if (p >= end)
		return 0;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	const char *body = eol ? eol + 1 : end;
	m->internaldate = ctl_mbox_date(p, (size_t)(body - p) - (eol != NULL));
	/* The message ends where a line starts with "From ". */
	const char *stop = body;
	while (stop < end && !ctl_mbox_is_from(stop, end)) {
		const char *nl = memchr(stop, '\n', (size_t)(end - stop));
		stop = nl ? nl + 1 : end;
	}
	const char *content_end = stop;
	if (content_end - body >= 2 && content_end[-1] == '\n' && content_end[-2] == '\n')
		content_end--; /* the separating blank line */
	else if (content_end - body >= 3 && content_end[-1] == '\n' && content_end[-2] == '\r' &&
	         content_end[-3] == '\n')
		content_end -= 2;
	if ((size_t)(content_end - body) > CTL_MAIL_MAX) {
		*error_r = ctl_mail_err("%s: a message is larger than 256 MiB", r->path, NULL);
		return -1;
	}
	buf_reset(msg);
	buf_reset(&r->keywords);
	buf_append_char(&r->keywords, ' ');
	m->flags = 0;
	m->dropped_keywords = 0;
	struct ctl_mbox_parse ps = {1, CTL_MBOX_OTHER, msg, m, &r->keywords, 0};
	for (const char *l = body; l < content_end;) {
		const char *nl = memchr(l, '\n', (size_t)(content_end - l));
		if (nl == NULL) { /* last line without a line end: keep it so */
			buf_append(msg, l, (size_t)(content_end - l));
			break;
		}
		ctl_mbox_line(&ps, l, (size_t)(nl - l));
		l = nl + 1;
	}
	/* " a b " -> "a b" */
	if (r->keywords.len > 1)
		buf_truncate(&r->keywords, r->keywords.len - 1);
	m->keywords = buf_cstr(&r->keywords) + 1;
	m->source_bytes = (uint64_t)(stop - p);
	r->pos = (size_t)(stop - base);
	return 1;
}

static struct ctl_mail_reader *ctl_mbox_open(const char *path, int fd, size_t size,
                                             uint64_t *count_r, const char **error_r)
{
	const char *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (map == MAP_FAILED) {
		*error_r = ctl_mail_err("%s: cannot map: %s", path, strerror(errno));
		return NULL;
	}
	if (size < 5 || memcmp(map, "From ", 5) != 0) {
		*error_r = ctl_mail_err("%s: not an mbox file (first line does not start with "
		                        "'From ')%s",
		                        path, NULL);
		if (map)
			munmap((void *)map, size);
		return NULL;
	}
	madvise((void *)map, size, MADV_SEQUENTIAL);
	uint64_t count = 1;
	for (const char *p = map; (p = memmem(p, size - (size_t)(p - map), "\nFrom ", 6));)
		count++, p++;
	struct ctl_mail_reader *r = xcalloc(1, sizeof(*r));
	r->format = CTL_MAIL_MBOX;
	r->path = xstrdup(path);
	r->map = map;
	r->size = size;
	*count_r = count;
	return r;
}

/* ---- Maildir reading ---- */

static int ctl_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add "sub/name" of every regular entry of path/sub to r->files. */
static int ctl_maildir_scan(struct ctl_mail_reader *r, const char *sub, const char **error_r)
{
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%s/%s", r->path, sub);
	DIR *d = opendir(buf_cstr(&dir));
	if (d == NULL) {
		*error_r = ctl_mail_err("%s: %s", buf_cstr(&dir), strerror(errno));
		buf_free(&dir);
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		r->files = xrealloc(r->files, sizeof(*r->files) * (r->nfiles + 1));
		struct buf name = BUF_INIT;
		buf_printf(&name, "%s/%s", sub, de->d_name);
		r->files[r->nfiles++] = buf_steal(&name, NULL);
	}
	closedir(d);
	buf_free(&dir);
	return 0;
}

static unsigned ctl_maildir_flags(const char *name)
{
	const char *info = strstr(name, ":2,");
	unsigned flags = 0;
	for (const char *p = info ? info + 3 : ""; *p; p++) {
		flags |= *p == 'S' ? CTL_FLAG_SEEN : 0;
		flags |= *p == 'R' ? CTL_FLAG_ANSWERED : 0;
		flags |= *p == 'F' ? CTL_FLAG_FLAGGED : 0;
		flags |= *p == 'T' ? CTL_FLAG_DELETED : 0;
		flags |= *p == 'D' ? CTL_FLAG_DRAFT : 0;
	}
	return flags;
}

/* Read a whole file into msg with CRLF line ends. */
static int ctl_maildir_read(const char *path, struct buf *msg, struct stat *st,
                            const char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    (uint64_t)st->st_size > CTL_MAIL_MAX) {
		*error_r =
		        ctl_mail_err("%s: %s", path,
		                     fd < 0 ? strerror(errno) : "not a regular file under 256 MiB");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct buf raw = BUF_INIT;
	buf_reserve(&raw, (size_t)st->st_size);
	ssize_t got;
	while ((got = read(fd, raw.data + raw.len, raw.cap - raw.len - 1)) > 0) {
		raw.len += (size_t)got;
		buf_reserve(&raw, 65536);
	}
	close(fd);
	buf_reset(msg);
	for (size_t i = 0; i < raw.len; i++) {
		if (raw.data[i] == '\n' && (i == 0 || raw.data[i - 1] != '\r'))
			buf_append_char(msg, '\r');
		buf_append_char(msg, raw.data[i]);
	}
	buf_free(&raw);
	if (got < 0) {
		*error_r = ctl_mail_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int ctl_maildir_next(struct ctl_mail_reader *r, struct buf *msg, struct ctl_mail *m,
                            const char **error_r)
{
	if (r->next >= r->nfiles)
		return 0;
	const char *name = r->files[r->next++];
	struct buf path = BUF_INIT;
	struct stat st;
	buf_printf(&path, "%s/%s", r->path, name);
	int ret = ctl_maildir_read(buf_cstr(&path), msg, &st, error_r);
	buf_free(&path);
	if (ret < 0)
		return -1;
	m->flags = strncmp(name, "cur/", 4) == 0 ? ctl_maildir_flags(name) : 0;
	m->internaldate = (int64_t)st.st_mtime;
	m->source_bytes = (uint64_t)st.st_size;
	m->keywords = NULL;
	m->dropped_keywords = 0;
	return 1;
}

static struct ctl_mail_reader *ctl_maildir_open(const char *path, uint64_t *count_r,
                                                const char **error_r)
{
	struct ctl_mail_reader *r = xcalloc(1, sizeof(*r));
	r->format = CTL_MAIL_MAILDIR;
	r->path = xstrdup(path);
	if (ctl_maildir_scan(r, "new", error_r) < 0 || ctl_maildir_scan(r, "cur", error_r) < 0) {
		ctl_mail_close(&r);
		return NULL;
	}
	/* Maildir names start with the delivery time: name order is arrival order. */
	if (r->nfiles > 1)
		qsort(r->files, r->nfiles, sizeof(*r->files), ctl_str_cmp);
	*count_r = r->nfiles;
	return r;
}

struct ctl_mail_reader *ctl_mail_open(const char *path, uint64_t *count_r, const char **error_r)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*error_r = ctl_mail_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		struct buf cur = BUF_INIT;
		buf_printf(&cur, "%s/cur", path);
		int is_maildir = stat(buf_cstr(&cur), &st) == 0 && S_ISDIR(st.st_mode);
		buf_free(&cur);
		if (!is_maildir) {
			*error_r = ctl_mail_err("%s: a directory but not a Maildir (no cur/)%s",
			                        path, NULL);
			return NULL;
		}
		return ctl_maildir_open(path, count_r, error_r);
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !S_ISREG(st.st_mode)) {
		*error_r = ctl_mail_err("%s: %s", path, fd < 0 ? strerror(errno) : "not a file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct ctl_mail_reader *r = ctl_mbox_open(path, fd, (size_t)st.st_size, count_r, error_r);
	close(fd);
	return r;
}

int ctl_mail_next(struct ctl_mail_reader *r, struct buf *msg, struct ctl_mail *m,
                  const char **error_r)
{
	return r->format == CTL_MAIL_MBOX ? ctl_mbox_next(r, msg, m, error_r)
	                                  : ctl_maildir_next(r, msg, m, error_r);
}

void ctl_mail_close(struct ctl_mail_reader **rp)
{
	struct ctl_mail_reader *r = *rp;
	if (r == NULL)
		return;
	if (r->map)
		munmap((void *)r->map, r->size);
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	buf_free(&r->keywords);
	free(r->path);
	XFREE(*rp);
}

/* ---- writing ---- */

struct ctl_mail_writer {
	enum ctl_mail_format format;
	char *path;
	FILE *mbox;
	unsigned seq;
};

static int ctl_mkdir(const char *path, const char **error_r)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		*error_r = ctl_mail_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct ctl_mail_writer *ctl_mail_create(const char *path, enum ctl_mail_format format,
                                        const char **error_r)
{
	struct ctl_mail_writer *w = xcalloc(1, sizeof(*w));
	w->format = format;
	w->path = xstrdup(path);
	if (format == CTL_MAIL_MBOX) {
		w->mbox = fopen(path, "wx"); /* never overwrite an existing file */
		if (w->mbox == NULL) {
			*error_r = ctl_mail_err("%s: %s", path, strerror(errno));
			free(w->path);
			XFREE(w);
		}
		return w;
	}
	static const char *const subs[] = {"", "/cur", "/new", "/tmp"};
	for (int i = 0; i < 4; i++) {
		struct buf dir = BUF_INIT;
		buf_printf(&dir, "%s%s", path, subs[i]);
		int r = ctl_mkdir(buf_cstr(&dir), error_r);
		buf_free(&dir);
		if (r < 0) {
			free(w->path);
			XFREE(w);
			return NULL;
		}
	}
	return w;
}

/* The flag fields of an mbox message: Status, X-Status, X-Keywords. */
static void ctl_mbox_flag_headers(FILE *f, const struct ctl_mail *m)
{
	unsigned flags = m->flags;
	if (flags & CTL_FLAG_SEEN)
		fputs("Status: RO\n", f);
	if (flags & (CTL_FLAG_ANSWERED | CTL_FLAG_FLAGGED | CTL_FLAG_DRAFT | CTL_FLAG_DELETED))
		fprintf(f, "X-Status: %s%s%s%s\n", flags & CTL_FLAG_ANSWERED ? "A" : "",
		        flags & CTL_FLAG_FLAGGED ? "F" : "", flags & CTL_FLAG_DRAFT ? "T" : "",
		        flags & CTL_FLAG_DELETED ? "D" : "");
	if (m->keywords != NULL && m->keywords[0] != '\0')
		fprintf(f, "X-Keywords: %s\n", m->keywords);
}

/* Write data as LF lines to f; mbox adds the flag fields and mboxrd quoting. */
static void ctl_mbox_body(FILE *f, const char *data, size_t len, const struct ctl_mail *m)
{
	int in_header = 1;
	for (size_t i = 0; i < len;) {
		const char *l = data + i, *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		i += n + (nl != NULL);
		size_t text = n > 0 && l[n - 1] == '\r' ? n - 1 : n;
		if (in_header && text == 0) {
			in_header = 0;
			ctl_mbox_flag_headers(f, m);
		}
		size_t q = 0;
		while (q < text && l[q] == '>')
			q++;
		if (text - q >= 5 && memcmp(l + q, "From ", 5) == 0)
			fputc('>', f);
		fwrite(l, 1, text, f);
		if (nl || text < n)
			fputc('\n', f);
	}
	if (len == 0 || data[len - 1] != '\n')
		fputc('\n', f);
	else if (in_header) /* a message of header lines only: the flags still belong there */
		ctl_mbox_flag_headers(f, m);
}

static int ctl_maildir_write(struct ctl_mail_writer *w, const void *data, size_t len,
                             const struct ctl_mail *m, const char **error_r)
{
	struct buf tmp = BUF_INIT, cur = BUF_INIT;
	int64_t when = m->internaldate >= 0 ? m->internaldate : (int64_t)time(NULL);
	buf_printf(&tmp, "%s/tmp/%lld.M%08uP%d.cairn", w->path, (long long)when, w->seq++,
	           (int)getpid());
	buf_printf(&cur, "%s/cur/%lld.M%08uP%d.cairn:2,%s%s%s%s%s", w->path, (long long)when,
	           w->seq - 1, (int)getpid(), m->flags & CTL_FLAG_DRAFT ? "D" : "",
	           m->flags & CTL_FLAG_FLAGGED ? "F" : "", m->flags & CTL_FLAG_ANSWERED ? "R" : "",
	           m->flags & CTL_FLAG_SEEN ? "S" : "", m->flags & CTL_FLAG_DELETED ? "T" : "");
	FILE *f = fopen(buf_cstr(&tmp), "wx");
	int r = -1;
	if (f != NULL) {
		const char *p = data;
		for (size_t i = 0; i < len; i++)
			if (!(p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
				fputc(p[i], f);
		struct timespec times[2] = {{(time_t)when, 0}, {(time_t)when, 0}};
		int ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && futimens(fileno(f), times) == 0;
		ok = fclose(f) == 0 && ok;
		if (ok && rename(buf_cstr(&tmp), buf_cstr(&cur)) == 0)
			r = 0;
		else
			unlink(buf_cstr(&tmp));
	}
	if (r < 0)
		*error_r = ctl_mail_err("%s: %s", buf_cstr(&tmp), strerror(errno));
	buf_free(&tmp);
	buf_free(&cur);
	return r;
}

int ctl_mail_write(struct ctl_mail_writer *w, const void *data, size_t len,
                   const struct ctl_mail *m, const char **error_r)
{
	if (w->format == CTL_MAIL_MAILDIR)
		return ctl_maildir_write(w, data, len, m, error_r);
	char date[64] = "Thu Jan  1 00:00:00 1970";
	time_t when = m->internaldate >= 0 ? (time_t)m->internaldate : time(NULL);
	struct tm tm;
	if (gmtime_r(&when, &tm))
		strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(w->mbox, "From MAILER-DAEMON %s\n", date);
	ctl_mbox_body(w->mbox, data, len, m);
	fputc('\n', w->mbox);
	if (ferror(w->mbox)) {
		*error_r = ctl_mail_err("%s: write failed: %s", w->path, strerror(errno));
		return -1;
	}
	return 0;
}

int ctl_mail_finish(struct ctl_mail_writer **wp, const char **error_r)
{
	struct ctl_mail_writer *w = *wp;
	int r = 0;
	if (w == NULL)
		return 0;
	if (w->mbox) {
		if (fflush(w->mbox) != 0 || fsync(fileno(w->mbox)) != 0)
			r = -1;
		if (fclose(w->mbox) != 0)
			r = -1;
	} else {
		struct buf cur = BUF_INIT;
		buf_printf(&cur, "%s/cur", w->path);
		int fd = open(buf_cstr(&cur), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0)
			r = -1;
		if (fd >= 0)
			close(fd);
		buf_free(&cur);
	}
	if (r < 0)
		*error_r = ctl_mail_err("%s: %s", w->path, strerror(errno));
	free(w->path);
	XFREE(*wp);
	return r;
}
