/*
 * escape.h - user data made safe to show: on a terminal, in a log line,
 * in an error message.
 *
 * The one escaper for text Cartera did not write itself (a client name,
 * an address, a file's bytes) that ends up in a message: C0 controls
 * (escape sequences, line breaks, BEL...), DEL, C1 controls and bytes
 * that are not valid UTF-8 are written as \n, \r, \t or \xHH, so that
 * what a message shows is what the data holds, and a value can neither
 * drive the terminal nor forge another log line.  Printable UTF-8
 * ("José", "Pérez") is shown as it is.  Pure: no I/O, no allocation but
 * the caller's buffer.
 */
#ifndef CARTERA_ESCAPE_H
#define CARTERA_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* Wrap the value in double quotes and escape '"' and '\' inside. */
#define ESCAPE_QUOTED	0x01
/* A text of several lines: line feeds and tabs stay as they are. */
#define ESCAPE_LINES	0x02

/*
 * Append s[0..n) escaped to b; with max > 0, at most max bytes of s are
 * shown, followed by "..." when there were more.  0, or -1 when b
 * failed to grow.
 */
int	 escape_buf(struct buf *b, const char *s, size_t n, size_t max, int flags);

/*
 * Write the NUL-terminated s escaped into dst (dstlen bytes, always
 * NUL-terminated, never split inside an escape or a character).  Returns
 * the bytes written, without the NUL.  For fixed buffers (the log).
 */
size_t	 escape_into(char *dst, size_t dstlen, const char *s, int flags);

/* The value of hex digit c (either case), -1 if c is not one. */
int	 escape_hex_digit(int c);
/* 1 if s holds anything escape_buf would escape (controls, bad UTF-8). */
int	 escape_needed(const char *s);

#endif
