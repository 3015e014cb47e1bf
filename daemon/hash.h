/*
 * hash.h - FNV-1a over bytes, and a set of nonzero 64-bit values: the
 * hashing that in-memory lookups without a library share (the httpd's
 * and the pages' ETags, the mail matcher's synthetic Message-IDs, the
 * import's key set and name map).  Not for anything an attacker must not
 * predict or collide: the tokens are HMACs (sign.c).
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_SEED	0xcbf29ce484222325ULL	/* FNV-1a's offset basis */

/* h with byte c added (FNV-1a). */
static inline uint64_t
hash_fnv_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

/* h with the n bytes at p added (FNV-1a). */
static inline uint64_t
hash_fnv(uint64_t h, const void *p, size_t n)
{
	for (const unsigned char *b = p; n > 0; n--)
		h = hash_fnv_byte(h, *b++);
	return h;
}

/* h with its bits spread (murmur3's finaliser): FNV's low bits alone
 * index a table badly. */
static inline uint64_t
hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/*
 * A set of nonzero 64-bit values, open addressing, at most half full.
 * A value's probe starts at the slot of its high 32 bits, so values that
 * share them (a tag beside an id) are found along one probe run:
 *
 *	for (i = u64set_first(s, tag); s->v[i] != 0; i = u64set_next(s, i))
 *
 * (on a set whose v is not NULL).
 */
struct u64set {
	uint64_t	*v;	/* cap slots, 0 = empty; NULL: no set */
	size_t		 n, cap;	/* cap: a power of two */
};

/* An empty set with room for n values before it grows (it starts with
 * at most 2^30 slots and grows past them as values come).  -1: out of
 * memory. */
int	u64set_init(struct u64set *, size_t n);
void	u64set_free(struct u64set *);
/* Add v (nonzero).  0 added or there already, -1 out of memory (the set
 * is as it was). */
int	u64set_add(struct u64set *, uint64_t v);
/* 1: v is in the set. */
int	u64set_has(const struct u64set *, uint64_t v);

static inline size_t
u64set_first(const struct u64set *s, uint32_t hi)
{
	return (size_t)(hi * 0x9e3779b1u) & (s->cap - 1);
}

static inline size_t
u64set_next(const struct u64set *s, size_t i)
{
	return (i + 1) & (s->cap - 1);
}

#endif
