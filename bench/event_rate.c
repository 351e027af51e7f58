// Paced event generator: opens a path that a policy posts, at about RATE opens per second for SECS
// seconds (batches of 100 then a sleep to stay on schedule). Prints the number of opens.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/tmp/auspex-bench-event";
	double rate = argc > 2 ? atof(argv[2]) : 10000;
	double secs = argc > 3 ? atof(argv[3]) : 3;
	double start = now();
	long n = 0;

	while (now() - start < secs) {
		for (int i = 0; i < 100; i++, n++) {
			int fd = open(path, O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		double due = start + n / rate;
		double t = now();
		if (due > t)
			usleep((useconds_t)((due - t) * 1e6));
	}
	printf("%ld\n", n);
	return 0;
}
