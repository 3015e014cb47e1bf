/*
 * test_chart.c - the PNG the monthly email carries, read as a viewer
 * would: it decodes (chunks, CRCs, zlib, scanline filters) to an RGB image
 * of the declared size, and the bars in it stand in the values' order on
 * one baseline, as tall as the values are big, a zero leaving its place
 * empty and the last bar in a colour of its own; goals marked across their
 * month at their height.  Bars are found as the coloured (not grey)
 * pixels; margins, grid and exact colours are the drawing's own business.
 */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "chart.h"
#include "check.h"

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/*
 * Decode an 8-bit RGB, non-interlaced PNG into *rgb (w * h * 3 bytes,
 * malloc'd).  Returns 0, or -1 with the check that failed counted.
 */
static int
decode(const unsigned char *png, size_t len, unsigned char **rgb, int *w, int *h)
{
	unsigned char *idat = NULL, *raw = NULL, *img = NULL, *t;
	size_t ilen = 0, pos = 8, stride;
	uLongf rawlen;
	int seen_end = 0, ok = 0;

	*rgb = NULL;
	*w = *h = 0;
	if (!CHECK(len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0))
		return -1;
	while (pos + 12 <= len && !seen_end) {
		uint32_t n = get32(png + pos);
		const unsigned char *type = png + pos + 4;

		if (!CHECK(n <= len - pos - 12) ||
		    !CHECK(crc32(0L, type, n + 4) == get32(png + pos + 8 + n)))
			goto out;
		if (memcmp(type, "IHDR", 4) == 0) {
			*w = (int)get32(type + 4);
			*h = (int)get32(type + 8);
			/* 8 bits, RGB, deflate, adaptive filters, no interlace */
			if (!CHECK(n == 13 && type[12] == 8 && type[13] == 2 && type[14] == 0 &&
			    type[15] == 0 && type[16] == 0))
				goto out;
		} else if (memcmp(type, "IDAT", 4) == 0) {
			if (!CHECK((t = realloc(idat, ilen + n + 1)) != NULL))
				goto out;
			idat = t;
			memcpy(idat + ilen, type + 4, n);
			ilen += n;
		} else if (memcmp(type, "IEND", 4) == 0)
			seen_end = 1;
		pos += 12 + n;
	}
	if (!CHECK(seen_end && pos == len) || !CHECK(*w > 0 && *h > 0 && ilen > 0))
		goto out;
	stride = (size_t)*w * 3;
	rawlen = (uLongf)(*h * (1 + stride));
	if (!CHECK((raw = malloc(rawlen)) != NULL) || !CHECK((img = malloc(*h * stride)) != NULL))
		goto out;
	if (!CHECK(uncompress(raw, &rawlen, idat, (uLong)ilen) == Z_OK) ||
	    !CHECK(rawlen == (uLongf)(*h * (1 + stride))))
		goto out;
	/* Undo each scanline's filter (RFC 2083, 6). */
	for (int y = 0; y < *h; y++) {
		const unsigned char *in = raw + (size_t)y * (1 + stride) + 1;
		unsigned char *o = img + (size_t)y * stride, *up = y > 0 ? o - stride : NULL;
		int f = in[-1];

		if (!CHECK_CTX(f <= 4, "scanline filter"))
			goto out;
		for (size_t i = 0; i < stride; i++) {
			int a = i >= 3 ? o[i - 3] : 0, b = up ? up[i] : 0;
			int c = i >= 3 && up ? up[i - 3] : 0;
			int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 :
			    paeth(a, b, c);

			o[i] = (unsigned char)(in[i] + pred);
		}
	}
	*rgb = img;
	img = NULL;
	ok = 1;
out:
	free(idat);
	free(raw);
	free(img);
	return ok ? 0 : -1;
}

struct bar {
	int	 x0, x1;	/* columns, inclusive */
	int	 top, bottom;	/* rows of its middle column, inclusive */
	unsigned char colour[3];
};

static int
coloured(const unsigned char *p)
{
	return p[0] != p[1] || p[1] != p[2];
}

/* The bars of the image, left to right: runs of columns holding colour. */
static int
find_bars(const unsigned char *img, int w, int h, struct bar *bars, int max)
{
	int n = 0, in_bar = 0;

	for (int x = 0; x <= w; x++) {
		int ink = 0;

		for (int y = 0; x < w && y < h && !ink; y++)
			ink = coloured(img + ((size_t)y * w + x) * 3);
		if (ink && !in_bar) {
			if (n == max)
				return -1;
			bars[n].x0 = x;
			in_bar = 1;
		} else if (!ink && in_bar) {
			struct bar *b = &bars[n++];
			int mid = (b->x0 + x - 1) / 2;

			b->x1 = x - 1;
			b->top = -1;
			for (int y = 0; y < h; y++)
				if (coloured(img + ((size_t)y * w + mid) * 3)) {
					if (b->top < 0)
						b->top = y;
					b->bottom = y;
				}
			memcpy(b->colour, img + ((size_t)b->bottom * w + mid) * 3, 3);
			in_bar = 0;
		}
	}
	return n;
}

static int
height(const struct bar *b)
{
	return b->bottom - b->top + 1;
}

/* Draw values (and goals, may be NULL) and decode: the RGB image, or
 * NULL with the failed check counted.  Caller frees. */
static unsigned char *
image(const long long *v, const long long *goals, int n)
{
	unsigned char *png = NULL, *img = NULL;
	size_t len = 0;
	int w, h;

	if (CHECK(chart_png_goals(v, goals, n, &png, &len) == 0) &&
	    decode(png, len, &img, &w, &h) == 0 && !CHECK(w == CHART_WIDTH && h == CHART_HEIGHT)) {
		free(img);
		img = NULL;
	}
	free(png);
	return img;
}

/* Draw values, decode, find the bars; the number of bars or -1. */
static int
draw(const long long *v, int n, struct bar *bars, int max)
{
	unsigned char *img = image(v, NULL, n);
	int nb = -1;

	if (img != NULL)
		nb = find_bars(img, CHART_WIDTH, CHART_HEIGHT, bars, max);
	free(img);
	return nb;
}

/*
 * Goals: a mark across a month's slot at the goal's height, in a colour
 * of its own, and nothing else changed.  The marks are the pixels that
 * differ from the same chart without goals (the scale is the same: no
 * goal is above the biggest month).
 */
static void
test_goals(const long long *v, const struct bar *b)
{
	static const long long g[12] = { -1, -1, -1, -1, -1, 1200, -1, -1, -1, -1, -1, 600 };
	unsigned char *plain = image(v, NULL, 12), *marked = image(v, g, 12);
	/* Month 6 (1200) is bar 4, month 12 (600) bar 10: month 2 has none. */
	const int at[2] = { 4, 10 };
	int top[2] = { -1, -1 }, bottom[2] = { -1, -1 }, across[2] = { 0, 0 }, elsewhere = 0;
	unsigned char colour[2][3];

	if (plain == NULL || marked == NULL)
		goto out;
	for (int x = 0; x < CHART_WIDTH; x++) {
		int spans[2] = { 0, 0 };

		for (int y = 0; y < CHART_HEIGHT; y++) {
			size_t o = ((size_t)y * CHART_WIDTH + (size_t)x) * 3;
			int k = -1;

			if (memcmp(plain + o, marked + o, 3) == 0)
				continue;
			/* In which bar's slot: half way to the neighbours' bars. */
			for (int j = 0; j < 2; j++) {
				const struct bar *p = &b[at[j]], *l = &b[at[j] - 1];
				int from = (l->x1 + p->x0) / 2, to = at[j] == 10 ? CHART_WIDTH :
				    (p->x1 + b[at[j] + 1].x0) / 2;

				if (x >= from && x < to)
					k = j;
			}
			if (k < 0) {
				elsewhere++;
				continue;
			}
			if (top[k] < 0 || y < top[k])
				top[k] = y;
			if (y > bottom[k])
				bottom[k] = y;
			memcpy(colour[k], marked + o, 3);
			spans[k] = 1;
		}
		for (int j = 0; j < 2; j++)
			across[j] += spans[j] && x >= b[at[j]].x0 && x <= b[at[j]].x1;
	}
	CHECK_INT(elsewhere, 0);
	for (int j = 0; j < 2; j++) {
		const struct bar *p = &b[at[j]];

		if (!CHECK(top[j] >= 0))
			continue;
		CHECK_INT(across[j], p->x1 - p->x0 + 1);	/* across the whole bar */
		CHECK(bottom[j] - top[j] < 8);			/* a line, not a box */
		CHECK(coloured(colour[j]));
		CHECK(memcmp(colour[j], b[0].colour, 3) != 0);
		CHECK(memcmp(colour[j], b[10].colour, 3) != 0);
	}
	if (top[0] >= 0 && top[1] >= 0) {
		int mid0 = (top[0] + bottom[0]) / 2, mid1 = (top[1] + bottom[1]) / 2;

		CHECK(memcmp(colour[0], colour[1], 3) == 0);
		/* 1200 at the top of the tallest bar (1200), 600 half way up it */
		CHECK(abs(mid0 - b[10].top) <= 2);
		CHECK(abs(mid1 - (b[10].bottom - height(&b[10]) / 2)) <= 2);
	}
out:
	free(plain);
	free(marked);
}

int
main(void)
{
	long long v[12] = { 100, 0, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200 };
	struct bar b[16];
	unsigned char *png;
	size_t len;
	int n;

	/* Twelve months, one of them without sales: eleven bars. */
	n = draw(v, 12, b, 16);
	if (CHECK(n == 11)) {
		int step = (b[2].x0 + b[2].x1) - (b[1].x0 + b[1].x1);	/* twice a slot */

		for (int i = 0; i < n; i++) {
			CHECK_CTX(b[i].bottom == b[0].bottom, "one baseline");
			CHECK_CTX(b[i].top > 0, "not cut at the top");
			if (i > 0)
				CHECK_CTX(height(&b[i]) > height(&b[i - 1]), "bigger value, taller bar");
			if (i > 0 && i < n - 1)
				CHECK_CTX(memcmp(b[i].colour, b[0].colour, 3) == 0, "one colour");
			if (i > 1)
				CHECK_CTX(abs((b[i].x0 + b[i].x1) - (b[i - 1].x0 + b[i - 1].x1) - step) <= 1,
				    "evenly spaced");
		}
		/* The zero keeps its place: the first gap is two slots wide. */
		CHECK(abs((b[1].x0 + b[1].x1) - (b[0].x0 + b[0].x1) - 2 * step) <= 2);
		/* Heights in proportion: 300 and 100 against 1200. */
		CHECK(abs(4 * height(&b[1]) - height(&b[10])) <= 4);
		CHECK(abs(12 * height(&b[0]) - height(&b[10])) <= 12);
		CHECK(height(&b[10]) > CHART_HEIGHT / 2);
		/* The last month stands out. */
		CHECK(memcmp(b[10].colour, b[0].colour, 3) != 0);
		test_goals(v, b);
	}

	/* A small sale still shows beside a big one; a negative value draws
	 * as zero. */
	{
		long long w[3] = { 1, -500, 1000000 };

		n = draw(w, 3, b, 16);
		if (CHECK(n == 2))
			CHECK(height(&b[0]) >= 1 && height(&b[1]) > height(&b[0]));
	}

	/* All zero still draws, without bars; no values is refused. */
	memset(v, 0, sizeof(v));
	CHECK_INT(draw(v, 12, b, 16), 0);
	CHECK(chart_png(v, 0, &png, &len) == -1);
	return check_done("test_chart");
}
