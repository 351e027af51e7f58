// auspex-marker: a tiny static program whose exec/exit the VM checks look for.
//   auspex-marker ARGS...          print the arguments, exit 0
//   auspex-marker exit N           exit with status N
//   auspex-marker write PATH TEXT  open PATH (create/truncate) and write(2) TEXT to it, exit 0
//   auspex-marker truncate PATH    truncate(2) PATH to 0 bytes (by path, not by fd), exit 0
//   auspex-marker dup              dup(1); print the result, exit 0 (4 when dup failed)
//   auspex-marker capset           drop CAP_NET_RAW and CAP_SYS_TIME from the effective set, raise
//                                  CAP_SYS_TIME again, then CAP_NET_RAW (three capset(2) calls)
//   auspex-marker usdt-set A       USDT probe auspex:set3 with (A, 2, 5L) in memory, then print
//                                  the three variables ("A B C"), exit 0 (then auspex:constant
//                                  with three constants)
//   auspex-marker override N       print auspex_override_target(N) (2N + 1 unless a uprobe's
//                                  Override returns something else), exit 0
//   auspex-marker unix PATH        listen on the AF_UNIX socket PATH and connect to it, then the
//                                  same with the abstract name "auspex-vm-abstract", exit 0
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/sdt.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* capset(2) of this process: effective `eff`, permitted `perm`, nothing inheritable. */
static int set_caps(unsigned long long eff, unsigned long long perm)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
		{(__u32)eff, (__u32)perm, 0},
		{(__u32)(eff >> 32), (__u32)(perm >> 32), 0},
	};

	return syscall(SYS_capset, &hdr, d);
}

static int capset_steps(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	unsigned long long perm, base, net_raw = 1ULL << CAP_NET_RAW, sys_time = 1ULL << CAP_SYS_TIME;

	if (syscall(SYS_capget, &hdr, d))
		return 1;
	perm = d[0].permitted | ((unsigned long long)d[1].permitted << 32);
	base = perm & ~(net_raw | sys_time);
	if (set_caps(base, perm) || set_caps(base | sys_time, perm) ||
	    set_caps(base | sys_time | net_raw, perm)) {
		perror("capset");
		return 2;
	}
	printf("marker: capset done\n");
	return 0;
}

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

/* At -O0 the probe's arguments are the variables' stack slots, which a Set action can write. */
__attribute__((optimize("O0"), noinline)) static int usdt_set(int a)
{
	int b = 2;
	long c = 5;

	STAP_PROBE3(auspex, set3, a, b, c);
	STAP_PROBE3(auspex, constant, 7, 8, 9);
	printf("%d %d %ld\n", a, b, c);
	return 0;
}

/* The function a uprobe Override returns from at its entry. */
__attribute__((noinline, noclone)) int auspex_override_target(int n)
{
	__asm__ volatile("");
	return 2 * n + 1;
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
	if (argc == 3 && strcmp(argv[1], "usdt-set") == 0)
		return usdt_set(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "override") == 0) {
		printf("%d\n", auspex_override_target(atoi(argv[2])));
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "capset") == 0)
		return capset_steps();
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
