/*
 * seqset.h - IMAP sequence sets ("1:5,7,9:*", RFC 9051 sequence-set) and the
 * SEARCHRES marker "$" (RFC 5182).
 *
 * A set is a list of inclusive ranges of 32-bit numbers 1..4294967295, used for
 * both message sequence numbers and UIDs.  "*" stays symbolic after parsing
 * (SEQSET_STAR) until seqset_resolve() replaces it with the mailbox's largest
 * number; after resolve (or seqset_normalise) ranges are sorted, disjoint and
 * non-adjacent, which is what seqset_contains() and seqset_format() rely on.
 *
 * Storage is heap-owned (free with seqset_free) or comes from an arena given to
 * seqset_init (then seqset_free is a no-op apart from resetting).
 */
#ifndef CAIRN_IMAP_SEQSET_H
#define CAIRN_IMAP_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;

/* "*" before resolution (0 is never a valid sequence number or UID). */
#define SEQSET_STAR 0u

struct seqset_range {
	uint32_t lo, hi; /* lo <= hi once normalised; either may be SEQSET_STAR before */
};

struct seqset {
	struct seqset_range *ranges;
	unsigned count, cap;
	bool searchres; /* the set was "$": the caller substitutes the saved result */
	bool has_star; /* "*" appeared (cleared by seqset_resolve) */
	bool normalised;
	struct arena *arena; /* NULL: heap storage */
};

/* Start an empty set; arena may be NULL (heap storage, release with seqset_free). */
void seqset_init(struct seqset *set, struct arena *arena);
/* Release heap storage and make the set empty. */
void seqset_free(struct seqset *set);

/*
 * Parse len bytes of a sequence-set (or "$") and add its ranges to set.
 * Rejects 0, numbers above 4294967295, leading zeros, empty elements
 * ("1,,2", "1:", ":5"), "$" mixed with other elements, and any other byte.
 * Returns 0, or -1 with *error_r (a short text for a BAD reply).
 */
int seqset_parse(struct seqset *set, const char *s, size_t len, const char **error_r);

/* Add lo:hi (either order, 1..UINT32_MAX or SEQSET_STAR). */
void seqset_add(struct seqset *set, uint32_t lo, uint32_t hi);

/*
 * Replace "*" by max (the mailbox's message count or largest UID), then
 * normalise.  As RFC 9051 says, "n:*" runs from the smaller to the larger end,
 * so "9:*" with max 5 is 5:9.  With max == 0 (empty mailbox) "*" alone (and
 * "*:*") yields nothing and "5:*" yields 1:5; the caller decides whether values
 * above max are an error (sequence numbers) or simply match nothing (UIDs).
 */
void seqset_resolve(struct seqset *set, uint32_t max);

/* Sort and merge overlapping/adjacent ranges (the set must hold no "*"). */
void seqset_normalise(struct seqset *set);

/* Membership test on a normalised set (binary search). */
bool seqset_contains(const struct seqset *set, uint32_t n);
/* Number of values in a normalised set. */
uint64_t seqset_count(const struct seqset *set);
/* Largest value (0 when empty) of a normalised set. */
uint32_t seqset_max(const struct seqset *set);

/* Iterate a normalised set in ascending order. */
struct seqset_iter {
	const struct seqset *set;
	unsigned idx;
	uint64_t next; /* next value to return within ranges[idx] */
};
void seqset_iter_init(struct seqset_iter *it, const struct seqset *set);
/* Stores the next value in *n_r and returns true, or returns false at the end. */
bool seqset_iter_next(struct seqset_iter *it, uint32_t *n_r);

/*
 * Append the set in IMAP syntax ("1:5,7,9:*"), ranges in stored order (so a
 * COPYUID source/destination pair built with seqset_add in step keeps its
 * correspondence).  An empty set appends nothing.
 */
void seqset_format(const struct seqset *set, struct buf *out);

#endif
