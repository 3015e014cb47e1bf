/*
 * buf.h - growable byte buffer used to build text (templates, MIME,
 * iCalendar, CSV).  The buffer is always NUL-terminated after the first
 * successful append.  An allocation failure is sticky: later appends do
 * nothing and return -1, so a caller may check once at the end.
 */
#ifndef CARTERA_BUF_H
#define CARTERA_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;	/* owned; NULL until the first append */
	size_t	 len;	/* bytes used, excluding the terminating NUL */
	size_t	 cap;
	int	 failed;	/* an allocation failed */
};

#define BUF_INIT { NULL, 0, 0, 0 }

/* v as four bytes, most significant first (PNG chunks, packed parts). */
static inline void
buf_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void	 buf_init(struct buf *);
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, int);
int	 buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
/* Ensure room for n more bytes (plus NUL). */
int	 buf_reserve(struct buf *, size_t);
/* Empty the buffer, keep the memory. */
void	 buf_reset(struct buf *);
/* Give the caller the NUL-terminated data (never NULL unless failed);
 * the buffer is empty afterwards.  Caller frees. */
char	*buf_steal(struct buf *);
void	 buf_free(struct buf *);

#endif
