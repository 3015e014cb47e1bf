/*
 * chart.c - draw bars into an RGB buffer and encode it as PNG (RFC 2083):
 * signature, IHDR, one zlib-compressed IDAT of filter-0 scanlines, IEND.
 * zlib does the deflate and the CRCs.
 */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "chart.h"

#define W	CHART_WIDTH
#define H	CHART_HEIGHT
#define PAD	10

struct rgb {
	unsigned char r, g, b;
};

static const struct rgb bg = { 255, 255, 255 }, grid = { 230, 230, 230 },
    bar = { 144, 202, 249 }, last = { 30, 136, 229 }, axis = { 160, 160, 160 },
    goal = { 230, 81, 0 };

static void
fill(unsigned char *px, int x0, int y0, int x1, int y1, struct rgb c)
{
	for (int y = y0 < 0 ? 0 : y0; y < y1 && y < H; y++)
		for (int x = x0 < 0 ? 0 : x0; x < x1 && x < W; x++) {
			unsigned char *p = px + ((size_t)y * W + (size_t)x) * 3;
			p[0] = c.r;
			p[1] = c.g;
			p[2] = c.b;
		}
}

/* Append a chunk: length, type, data, CRC over type and data. */
static unsigned char *
chunk(unsigned char *out, const char *type, const unsigned char *data, uint32_t len)
{
	uLong crc;

	buf_put_be32(out, len);
	memcpy(out + 4, type, 4);
	if (len > 0)
		memcpy(out + 8, data, len);
	crc = crc32(0L, out + 4, len + 4);
	buf_put_be32(out + 8 + len, (uint32_t)crc);
	return out + 12 + len;
}

int
chart_png(const long long *values, int n, unsigned char **png, size_t *len)
{
	return chart_png_goals(values, NULL, n, png, len);
}

int
chart_png_goals(const long long *values, const long long *goals, int n, unsigned char **png,
    size_t *len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char *px = NULL, *raw = NULL, *z = NULL, *out = NULL, *p, ihdr[13];
	size_t rawlen = (size_t)H * (1 + (size_t)W * 3);
	uLongf zlen;
	long long max = 0;
	int slot, bw;

	*png = NULL;
	*len = 0;
	if (n <= 0 || n > W / 4)
		return -1;
	if ((px = malloc((size_t)W * H * 3)) == NULL || (raw = malloc(rawlen)) == NULL)
		goto fail;
	fill(px, 0, 0, W, H, bg);
	for (int q = 1; q <= 4; q++)
		fill(px, PAD, PAD + (H - 2 * PAD) * (q - 1) / 4, W - PAD,
		    PAD + (H - 2 * PAD) * (q - 1) / 4 + 1, grid);
	fill(px, PAD, H - PAD, W - PAD, H - PAD + 1, axis);
	for (int i = 0; i < n; i++) {
		if (values[i] > max)
			max = values[i];
		if (goals != NULL && goals[i] > max)
			max = goals[i];
	}
	slot = (W - 2 * PAD) / n;
	bw = slot * 2 / 3;
	for (int i = 0; i < n; i++) {
		long long v = values[i] > 0 ? values[i] : 0;
		int h = max > 0 ? (int)((double)v / (double)max * (H - 2 * PAD)) : 0;
		int x = PAD + i * slot + (slot - bw) / 2;

		if (v > 0 && h < 1)
			h = 1;	/* a sale shows, however small */
		fill(px, x, H - PAD - h, x + bw, H - PAD, i == n - 1 ? last : bar);
	}
	/* Goals over the bars: a line 3 pixels thick across the slot, its
	 * middle at the goal's height. */
	for (int i = 0; goals != NULL && i < n; i++) {
		int h, x = PAD + i * slot + (slot - bw) / 2;

		if (goals[i] < 0 || max <= 0)
			continue;
		h = (int)((double)goals[i] / (double)max * (H - 2 * PAD));
		fill(px, x - 2, H - PAD - h - 1, x + bw + 2, H - PAD - h + 2, goal);
	}
	/* Scanlines with filter type 0 (None). */
	for (int y = 0; y < H; y++) {
		raw[(size_t)y * (1 + W * 3)] = 0;
		memcpy(raw + (size_t)y * (1 + W * 3) + 1, px + (size_t)y * W * 3, (size_t)W * 3);
	}
	zlen = compressBound((uLong)rawlen);
	if ((z = malloc(zlen)) == NULL ||
	    compress2(z, &zlen, raw, (uLong)rawlen, Z_BEST_COMPRESSION) != Z_OK)
		goto fail;
	if ((out = malloc(sizeof(sig) + 25 + 12 + zlen + 12)) == NULL)
		goto fail;
	memcpy(out, sig, sizeof(sig));
	buf_put_be32(ihdr, W);
	buf_put_be32(ihdr + 4, H);
	ihdr[8] = 8;	/* bit depth */
	ihdr[9] = 2;	/* truecolour RGB */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;
	p = chunk(out + sizeof(sig), "IHDR", ihdr, 13);
	p = chunk(p, "IDAT", z, (uint32_t)zlen);
	p = chunk(p, "IEND", NULL, 0);
	*png = out;
	*len = (size_t)(p - out);
	free(px);
	free(raw);
	free(z);
	return 0;
fail:
	free(px);
	free(raw);
	free(z);
	free(out);
	return -1;
}
