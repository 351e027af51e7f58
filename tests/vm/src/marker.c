// auspex-marker: a tiny static program whose exec/exit the VM checks look for.
//   auspex-marker ARGS...          print the arguments, exit 0
//   auspex-marker exit N           exit with status N
//   auspex-marker write PATH TEXT  open PATH (create/truncate) and write(2) TEXT to it, exit 0
//   auspex-marker truncate PATH    truncate(2) PATH to 0 bytes (by path, not by fd), exit 0
//   auspex-marker dup              dup(1); print the result, exit 0 (4 when dup failed)
//   auspex-marker unix PATH        listen on the AF_UNIX socket PATH and connect to it, then the
//                                  same with the abstract name "auspex-vm-abstract", exit 0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Listens on `name` (an abstract name when `abstract`) and connects to it; 0 on success. */
static int unix_connect(const char *name, int abstract)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(name) + abstract;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0), cli = socket(AF_UNIX, SOCK_STREAM, 0);

	strncpy(a.sun_path + abstract, name, sizeof(a.sun_path) - 2);
	unlink(abstract ? "" : name);
	if (bind(srv, (struct sockaddr *)&a, len) || listen(srv, 1) ||
	    connect(cli, (struct sockaddr *)&a, len)) {
		perror(name);
		return 1;
	}
	close(cli);
	close(srv);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 4 && strcmp(argv[1], "write") == 0) {
		int fd = open(argv[2], O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (fd < 0) {
			perror(argv[2]);
			return 2;
		}
		ssize_t n = write(fd, argv[3], strlen(argv[3]));
		if (n < 0) {
			perror("write");
			return 3;
		}
		close(fd);
		printf("marker: wrote %zd bytes to %s\n", n, argv[2]);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "dup") == 0) {
		int fd = dup(1);

		printf("marker: dup %d\n", fd);
		return fd < 0 ? 4 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "unix") == 0)
		return unix_connect(argv[2], 0) || unix_connect("auspex-vm-abstract", 1) ? 2 : 0;
	if (argc == 3 && strcmp(argv[1], "truncate") == 0) {
		if (truncate(argv[2], 0)) {
			perror(argv[2]);
			return 2;
		}
		return 0;
	}
	printf("marker:");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return 0;
}
