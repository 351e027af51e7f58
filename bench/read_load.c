// Read-heavy load: THREADS threads each doing N read() calls of SIZE bytes (default 64) from
// FILE (default /dev/zero; a regular file is read from the start again at its end, so a
// page-cached file gives file reads without disk I/O). Always read(2): the needle's policy
// hooks that syscall. Prints elapsed seconds.
//   read_load [N=2000000] [THREADS=2] [SIZE=64] [FILE=/dev/zero]
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long n;
static size_t size = 64;
static const char *path = "/dev/zero";

static void *worker(void *arg)
{
	char *buf = malloc(size);
	int fd = open(path, O_RDONLY);

	(void)arg;
	if (!buf || fd < 0)
		abort();
	for (long i = 0; i < n; i++) {
		ssize_t got = read(fd, buf, size);

		if (got == (ssize_t)size)
			continue;
		/* End of a regular file: rewind (one lseek per file's worth of reads). */
		if (got < 0 || lseek(fd, 0, SEEK_SET) != 0 || read(fd, buf, size) != (ssize_t)size)
			abort();
	}
	close(fd);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	pthread_t t[64];
	struct timespec a, b;

	n = argc > 1 ? atol(argv[1]) : 2000000;
	if (argc > 3)
		size = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		path = argv[4];
	if (threads < 1 || threads > 64 || size < 1 || size > (64u << 20))
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
