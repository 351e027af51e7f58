// Read-heavy load: THREADS threads each doing N read() calls of 64 bytes from /dev/zero.
// Prints elapsed seconds.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long n;

static void *worker(void *arg)
{
	char buf[64];
	int fd = open("/dev/zero", O_RDONLY);

	(void)arg;
	for (long i = 0; i < n; i++)
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			abort();
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	pthread_t t[64];
	struct timespec a, b;

	n = argc > 1 ? atol(argv[1]) : 2000000;
	if (threads < 1 || threads > 64)
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
