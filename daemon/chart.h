/*
 * chart.h - a small bar chart as PNG bytes (with goal marks), for the
 * monthly summary email (attached inline by Content-ID, so no mail client fetches
 * anything).  Labels are not drawn: the email's HTML carries them under
 * the image.  Pure: memory in, memory out.
 */
#ifndef CARTERA_CHART_H
#define CARTERA_CHART_H

#include <stddef.h>

#define CHART_WIDTH	600
#define CHART_HEIGHT	180

/* One bar per value (negative values draw as zero); the last bar is
 * highlighted.  *png is malloc'd (caller frees).  0 / -1. */
int	 chart_png(const long long *values, int n, unsigned char **png, size_t *len);
/* The same with a goal per bar (goals may be NULL; a goal below 0 is
 * none): a dark line across the bar's slot at the goal's height, the
 * scale taking the goals in. */
int	 chart_png_goals(const long long *values, const long long *goals, int n,
	    unsigned char **png, size_t *len);

#endif
