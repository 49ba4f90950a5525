/*
 * similar.h - near-copy detection between posts: shingled MinHash.
 *
 * A course's rules forbid sharing graded answers. Staff cannot read every
 * post, so a new post whose text nearly repeats another participant's post
 * in the same course is flagged for them. "Nearly repeats" is measured as
 * the Jaccard similarity of the two texts' word shingles (every run of
 * SIMILAR_SHINGLE consecutive words), estimated from a MinHash signature:
 * SIMILAR_HASHES independent minima, one per hash function, of which the
 * fraction two signatures share estimates their Jaccard similarity (its
 * standard error at 0.5 is about 0.06 with 64 hashes).
 *
 * Words are runs of letters and digits after NFKC case folding with every
 * accent and mark removed, so a copy that changes capitals, accents,
 * punctuation, Markdown emphasis or line breaks is still a copy. A text of
 * fewer than SIMILAR_MIN_WORDS words has no signature: short replies
 * ("Thanks, that helped!") repeat each other innocently.
 *
 * Finding candidates among many posts without comparing with each: the
 * signature is cut into SIMILAR_BANDS bands of SIMILAR_ROWS hashes, each
 * band hashed to one 64-bit key (locality-sensitive hashing). Two posts
 * whose similarity is at the threshold share at least one band key with
 * probability 1 - (1 - 0.7^4)^16 > 0.99; two unrelated posts rarely do, and
 * a candidate is confirmed by comparing whole signatures.
 *
 * Pure: no I/O, no globals but constants; safe from any thread.
 */
#ifndef FORUMD_CORE_SIMILAR_H
#define FORUMD_CORE_SIMILAR_H

#include <stddef.h>
#include <stdint.h>

#define SIMILAR_SHINGLE 5          /* words per shingle */
#define SIMILAR_MIN_WORDS 12       /* fewer words: no signature */
#define SIMILAR_HASHES 64          /* minima per signature */
#define SIMILAR_BANDS 16           /* band keys per signature */
#define SIMILAR_ROWS (SIMILAR_HASHES / SIMILAR_BANDS)
#define SIMILAR_MAX_INPUT (64 * 1024)   /* bytes of text looked at; the rest is ignored */

/* Estimated similarity (shared minima of SIMILAR_HASHES) at or above which
 * a post is a near copy: 45 of 64, about 0.7. */
#define SIMILAR_NEAR_COPY 45

/* A text's MinHash signature. Plain data: stored as its bytes. */
struct similar_sig {
	uint32_t min[SIMILAR_HASHES];
};

enum similar_result {
	SIMILAR_OK,
	SIMILAR_TOO_SHORT,             /* under SIMILAR_MIN_WORDS words */
	SIMILAR_BAD_UTF8,              /* malformed UTF-8 or a NUL byte */
};

/*
 * Computes the signature of text[0..len) into *out (only the first
 * SIMILAR_MAX_INPUT bytes count, cut at a character boundary). Returns
 * SIMILAR_OK, or why there is none (*out is then unspecified). Allocates
 * nothing.
 */
enum similar_result similar_signature(const char *text, size_t len, struct similar_sig *out);

/* How many of the SIMILAR_HASHES minima a and b share: 0 to SIMILAR_HASHES;
 * divided by SIMILAR_HASHES it estimates their Jaccard similarity. */
int similar_shared(const struct similar_sig *a, const struct similar_sig *b);

/* 1 when a and b are near copies (similar_shared >= SIMILAR_NEAR_COPY). */
int similar_near_copy(const struct similar_sig *a, const struct similar_sig *b);

/* The signature's SIMILAR_BANDS band keys into keys[]: two signatures that
 * share a key are candidates to compare. */
void similar_bands(const struct similar_sig *s, uint64_t keys[SIMILAR_BANDS]);

#endif
