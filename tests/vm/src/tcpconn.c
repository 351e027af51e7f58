// tcpconn IPV4 PORT: one TCP connect(2), bounded by a 5 s timeout.
// Exit 0 when the connect completed or was refused (either way tcp_connect ran in the kernel),
// 1 on any other error. Used inside the test VM only, against guest-local addresses.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tcpconn IPV4 PORT\n");
		return 2;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "tcpconn: bad address %s\n", argv[1]);
		return 2;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0) {
		perror("socket");
		return 1;
	}
	struct timeval tv = {.tv_sec = 5};
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* The socket is closed explicitly (tcp_close while the process is alive), not at exit. */
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
		printf("tcpconn: connected to %s:%s\n", argv[1], argv[2]);
		close(s);
		return 0;
	}
	if (errno == ECONNREFUSED) {
		printf("tcpconn: %s:%s refused\n", argv[1], argv[2]);
		close(s);
		return 0;
	}
	fprintf(stderr, "tcpconn: connect %s:%s: %s\n", argv[1], argv[2], strerror(errno));
	return 1;
}
