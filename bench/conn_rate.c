// Loopback TCP connection rate: a server thread accepts and closes; the main thread connects and
// closes N times. Prints elapsed seconds. Traffic stays on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int srv;

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv, NULL, NULL);
		if (c < 0)
			return NULL;
		close(c);
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct timespec t0, t1;
	pthread_t th;
	int one = 1;

	srv = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv, (struct sockaddr *)&a, sizeof(a)) || listen(srv, 1024) ||
	    getsockname(srv, (struct sockaddr *)&a, &len))
		return perror("listen"), 1;
	pthread_create(&th, NULL, serve, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		struct linger l = { 1, 0 }; /* RST on close: no TIME_WAIT pile-up */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		if (connect(c, (struct sockaddr *)&a, sizeof(a)))
			return perror("connect"), 1;
		close(c);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
