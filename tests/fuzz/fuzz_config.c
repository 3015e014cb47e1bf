/*
 * fuzz_config.c - libFuzzer harness for carterad.conf loading
 * (daemon/config.c over libconfig).
 *
 * Input: the bytes of a configuration file.  They are written, mode
 * 0600, to carterad.conf in a private directory made once (in /dev/shm
 * when there is one), then loaded
 * over the defaults, validated, printed and freed.  Inputs with an
 * @include directive are skipped: an include names any file on the
 * machine (a FIFO or /dev/zero would hang the harness), and the file is
 * the administrator's anyway.
 *
 * Properties: an error names the file; a loaded configuration is valid;
 * what config_print writes loads again and prints the same.
 */
#include "build.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#include "fuzz.h"

static char	 dir[256];
static char	 conf[300];

static void
cleanup(void)
{
	unlink(conf);
	rmdir(dir);
}

static void
put_file(const char *path, const void *data, size_t size)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd != -1);
	FUZZ_CHECK(fchmod(fd, 0600) == 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
}

/* config_print into an allocated string. */
static char *
print(const struct config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&text, &len);
	FUZZ_CHECK(fp != NULL);
	config_print(cfg, fp);
	FUZZ_CHECK(fclose(fp) == 0);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg, again;
	char err[1024], err2[1024], *text, *text2;
	FILE *sink;
	int rv;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	if (dir[0] == '\0') {
		const char *t = getenv("TMPDIR");

		/* tmpfs if there is one: a disk file system flushes on
		 * every truncation and the harness would wait for it. */
		if (access("/dev/shm", W_OK) == 0)
			t = "/dev/shm";
		else if (t == NULL || *t != '/' || strlen(t) > 200)
			t = "/tmp";
		snprintf(dir, sizeof(dir), "%s/fuzz_config.XXXXXX", t);
		FUZZ_CHECK(mkdtemp(dir) != NULL);
		snprintf(conf, sizeof(conf), "%s/carterad.conf", dir);
		atexit(cleanup);
	}
	put_file(conf, data, size);

	FUZZ_CHECK(config_defaults(&cfg) == 0);
	err[0] = '\0';
	rv = config_load(&cfg, conf, 0, err, sizeof(err));
	FUZZ_CHECK(rv == 0 || rv == -1);
	if (rv == -1) {
		FUZZ_CHECK(err[0] != '\0');
		/* Every message names a file ("dir/x.conf:LINE: ..."). */
		FUZZ_CHECK(err[0] == '/');
		config_free(&cfg);
		return 0;
	}
	err[0] = '\0';
	if (config_validate(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "loaded but not valid: %s\n", err);
		FUZZ_CHECK(!"a loaded configuration is valid");
	}
	(void)config_segment_days(&cfg, "x");
	sink = fopen("/dev/null", "w");
	FUZZ_CHECK(sink != NULL);
	config_print(&cfg, sink);
	fclose(sink);

	/* What config_print writes reads back to the same settings. */
	text = print(&cfg);
	config_free(&cfg);
	put_file(conf, text, strlen(text));
	FUZZ_CHECK(config_defaults(&again) == 0);
	err2[0] = '\0';
	if (config_load(&again, conf, 0, err2, sizeof(err2)) != 0) {
		fprintf(stderr, "printed configuration does not load: %s\n%s",
		    err2, text);
		FUZZ_CHECK(!"printed configuration loads");
	}
	text2 = print(&again);
	if (strcmp(text, text2) != 0) {
		fprintf(stderr, "printed:\n%s\nreprinted:\n%s", text, text2);
		FUZZ_CHECK(!"printed configuration prints the same");
	}
	free(text);
	free(text2);
	config_free(&again);
	return 0;
}
