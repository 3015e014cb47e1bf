/*
 * entropy.c - the kernel's random bytes (see entropy.h).
 *
 * The one place that reads them; it must not cache, mix or stretch them.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "entropy.h"

int
entropy_fill(void *p, size_t n)
{
	unsigned char *b = p;
	size_t got = 0;
	ssize_t r;
#ifdef HAVE_GETRANDOM
	while (got < n) {
		r = getrandom(b + got, n - got, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
#else
	int fd, e;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (got < n) {
		r = read(fd, b + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			e = r == 0 ? EIO : errno;
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
#endif
}
