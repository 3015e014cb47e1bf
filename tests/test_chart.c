/*
 * test_chart.c - the PNG the monthly email carries: valid chunks and
 * CRCs, an image that inflates to the declared size, and bars where the
 * values put them (taller for bigger values, the last one highlighted).
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

/* Column height of non-white pixels above the axis at x. */
static int
bar_height(const unsigned char *img, int x)
{
	int h = 0;

	for (int y = CHART_HEIGHT - 11; y >= 0; y--) {
		const unsigned char *p = img + (size_t)y * (1 + CHART_WIDTH * 3) + 1 + (size_t)x * 3;
		if (p[0] == 255 && p[1] == 255 && p[2] == 255)
			break;
		if (!(p[0] == 230 && p[1] == 230 && p[2] == 230))
			h++;
	}
	return h;
}

/* The filtered scanlines of a PNG chart_png made (IDAT inflated); NULL if
 * it does not inflate to the declared size.  Caller frees. */
static unsigned char *
inflate_png(const unsigned char *png, size_t len)
{
	unsigned char *idat = NULL, *img;
	size_t ilen = 0, pos = 8;
	uLongf rawlen = (uLongf)CHART_HEIGHT * (1 + CHART_WIDTH * 3);

	while (pos + 12 <= len) {
		uint32_t n = get32(png + pos);
		if (memcmp(png + pos + 4, "IDAT", 4) == 0) {
			unsigned char *ni = realloc(idat, ilen + n);
			if (ni == NULL)
				break;
			idat = ni;
			memcpy(idat + ilen, png + pos + 8, n);
			ilen += n;
		}
		pos += 12 + n;
	}
	if ((img = malloc(rawlen)) != NULL && (idat == NULL ||
	    uncompress(img, &rawlen, idat, (uLong)ilen) != Z_OK ||
	    rawlen != (uLongf)CHART_HEIGHT * (1 + CHART_WIDTH * 3))) {
		free(img);
		img = NULL;
	}
	free(idat);
	return img;
}

/* The RGB bytes of pixel (x, y) in inflated scanlines. */
static const unsigned char *
pixel(const unsigned char *img, int x, int y)
{
	return img + (size_t)y * (1 + CHART_WIDTH * 3) + 1 + (size_t)x * 3;
}

int
main(void)
{
	long long v[12] = { 100, 0, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200 };
	unsigned char *png, *img = NULL, *idat = NULL;
	size_t len, ilen = 0, pos = 8;
	uLongf rawlen = (uLongf)CHART_HEIGHT * (1 + CHART_WIDTH * 3);
	int seen_end = 0;

	CHECK(chart_png(v, 12, &png, &len) == 0);
	CHECK(len > 100 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	while (pos + 12 <= len) {
		uint32_t n = get32(png + pos);
		const unsigned char *type = png + pos + 4;

		CHECK(pos + 12 + n <= len);
		CHECK(crc32(0L, type, n + 4) == get32(png + pos + 8 + n));
		if (memcmp(type, "IHDR", 4) == 0) {
			CHECK_INT(get32(type + 4), CHART_WIDTH);
			CHECK_INT(get32(type + 8), CHART_HEIGHT);
			CHECK_INT(type[12], 8);
			CHECK_INT(type[13], 2);
		} else if (memcmp(type, "IDAT", 4) == 0) {
			idat = realloc(idat, ilen + n);
			memcpy(idat + ilen, type + 4, n);
			ilen += n;
		} else if (memcmp(type, "IEND", 4) == 0)
			seen_end = 1;
		pos += 12 + n;
	}
	CHECK(seen_end && pos == len);
	img = malloc(rawlen);
	CHECK(uncompress(img, &rawlen, idat, (uLong)ilen) == Z_OK);
	CHECK_INT(rawlen, (uLongf)CHART_HEIGHT * (1 + CHART_WIDTH * 3));
	{
		int slot = (CHART_WIDTH - 20) / 12;
		int h0 = bar_height(img, 10 + slot / 2), h1 = bar_height(img, 10 + slot + slot / 2);
		int h2 = bar_height(img, 10 + 2 * slot + slot / 2);
		int h11 = bar_height(img, 10 + 11 * slot + slot / 2);
		const unsigned char *p11 = img + (size_t)(CHART_HEIGHT - 12) * (1 + CHART_WIDTH * 3) + 1 +
		    (size_t)(10 + 11 * slot + slot / 2) * 3;
		const unsigned char *p2 = img + (size_t)(CHART_HEIGHT - 12) * (1 + CHART_WIDTH * 3) + 1 +
		    (size_t)(10 + 2 * slot + slot / 2) * 3;

		CHECK_INT(h1, 0);		/* zero draws nothing */
		CHECK(h0 > 0 && h2 > h0 && h11 > h2);
		CHECK_INT(h11, CHART_HEIGHT - 20);	/* the maximum fills the height */
		CHECK(h2 * 4 > h11 - 4 && h2 * 4 < h11 + 8);	/* 300 is a quarter of 1200 */
		CHECK(memcmp(p11, p2, 3) != 0);	/* the last bar stands out */
	}
	free(png);
	free(img);
	/*
	 * Goals: 1200 over the month of 600 (the scale's maximum: the top of
	 * the plot) and 600 over the month of 1200 (half way up); none
	 * elsewhere.  The goal's colour is at those heights, across the bar.
	 */
	{
		long long g[12] = { -1, -1, -1, -1, -1, 1200, -1, -1, -1, -1, -1, 600 };
		int slot = (CHART_WIDTH - 20) / 12, xm5 = 10 + 5 * slot + slot / 2;
		int xm11 = 10 + 11 * slot + slot / 2, xm2 = 10 + 2 * slot + slot / 2;
		const unsigned char *p;

		CHECK(chart_png_goals(v, g, 12, &png, &len) == 0);
		img = inflate_png(png, len);
		CHECK(img != NULL);
		/* 1200 is the whole height, 160 pixels: row 180 - 10 - 160 = 10. */
		p = pixel(img, xm5, 10);
		CHECK(p != NULL && p[0] == 230 && p[1] == 81 && p[2] == 0);
		/* 600 is half: row 170 - 80 = 90, on top of the last bar. */
		p = pixel(img, xm11, 90);
		CHECK(p != NULL && p[0] == 230 && p[1] == 81 && p[2] == 0);
		/* No goal over the third month: no goal colour in its column. */
		for (int y = 0; y < CHART_HEIGHT; y++) {
			p = pixel(img, xm2, y);
			CHECK(!(p[0] == 230 && p[1] == 81 && p[2] == 0));
		}
		free(png);
		free(img);
	}
	img = NULL;
	/* Degenerate input is refused, all-zero input still draws. */
	CHECK(chart_png(v, 0, &png, &len) == -1);
	memset(v, 0, sizeof(v));
	CHECK(chart_png(v, 12, &png, &len) == 0);
	free(png);
	free(idat);
	return check_done("test_chart");
}
