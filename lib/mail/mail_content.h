/*
 * mail_content.h - MIME field values: Content-Type, Content-Disposition (with RFC 2231
 * parameters) and Content-Language.
 *
 * Parameters come out with RFC 2231 continuations merged.  A parameter that used the
 * extended syntax (name*=charset'lang'%XX...) keeps it, as name "x*" and a value
 * still percent-encoded, because that is how IMAP BODYSTRUCTURE passes it on;
 * mail_param_get() gives the decoded UTF-8 value.
 */
#ifndef CAIRN_MAIL_CONTENT_H
#define CAIRN_MAIL_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* More parameters than this in one field are ignored (bounds work and output). */
#define MAIL_MAX_PARAMS 256

struct mail_param {
	char *name; /* as written, with a trailing '*' when extended */
	char *value; /* valid UTF-8 without NUL */
	bool extended;
};

struct mail_content {
	char *type, *subtype; /* NULL when the value has no valid type/subtype */
	struct mail_param *params;
	unsigned int nparams;
};

/* Parse a Content-Type value ("type/subtype; params").  A missing or invalid type
   leaves type/subtype NULL; parameters are still collected. */
void mail_content_type_parse(struct arena *arena, const char *value, struct mail_content *ct_r);

/* Parse a Content-Disposition value ("token; params"): the token goes in type,
   subtype stays NULL. */
void mail_content_disposition_parse(struct arena *arena, const char *value,
                                    struct mail_content *cd_r);

/* The decoded (UTF-8) value of parameter name (case-insensitive, without '*'), or
   NULL. */
const char *mail_param_get(struct arena *arena, const struct mail_content *c, const char *name);

/* Split a Content-Language value into its tags; returns the count, *tags_r from the
   arena. */
unsigned int mail_content_language_parse(struct arena *arena, const char *value, char ***tags_r);

#endif
