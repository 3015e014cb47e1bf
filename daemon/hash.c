/*
 * hash.c - the set of nonzero 64-bit values of hash.h.
 */
#include "build.h"

#include <stdlib.h>

#include "hash.h"

#define U64SET_MIN	16
#define U64SET_MAX	((size_t)1 << 30)

int
u64set_init(struct u64set *s, size_t n)
{
	size_t cap = U64SET_MIN;

	while (cap / 2 < n && cap < U64SET_MAX)
		cap <<= 1;
	s->n = 0;
	s->cap = cap;
	if ((s->v = calloc(cap, sizeof(*s->v))) == NULL) {
		s->cap = 0;
		return -1;
	}
	return 0;
}

void
u64set_free(struct u64set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* The slot of v: where it is, or the empty one it would take. */
static size_t
slot(const struct u64set *s, uint64_t v)
{
	size_t i = u64set_first(s, (uint32_t)(v >> 32));

	while (s->v[i] != 0 && s->v[i] != v)
		i = u64set_next(s, i);
	return i;
}

int
u64set_add(struct u64set *s, uint64_t v)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {	/* at most half full */
		struct u64set g = { NULL, 0, s->cap ? s->cap * 2 : U64SET_MIN };

		if ((g.v = calloc(g.cap, sizeof(*g.v))) == NULL)
			return -1;
		for (size_t k = 0; k < s->cap; k++)
			if (s->v[k] != 0)
				g.v[slot(&g, s->v[k])] = s->v[k];
		g.n = s->n;
		free(s->v);
		*s = g;
	}
	i = slot(s, v);
	if (s->v[i] == 0) {
		s->v[i] = v;
		s->n++;
	}
	return 0;
}

int
u64set_has(const struct u64set *s, uint64_t v)
{
	return s->v[slot(s, v)] != 0;
}
