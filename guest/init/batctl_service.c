/* run_batctl_wrapper: TCP service_ip:12000. A client sends batctl's argv, each argument
 * NUL-terminated, then one more NUL (or EOF): `batctl\0o\0\0`; it gets batctl's stdout
 * and stderr back, then the connection closes. */
#include "batctl_service.h"
#include "log.h"

#include <arpa/inet.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ARGS 32

static void serve(int conn)
{
	char buf[4096], *argv[MAX_ARGS + 1];
	size_t used = 0;
	ssize_t n;
	int argc = 0;
	/* Read until the empty argument that ends the request, or EOF. */
	while (used < sizeof(buf) - 1 && (n = read(conn, buf + used, sizeof(buf) - 1 - used)) > 0) {
		used += (size_t)n;
		if (used >= 2 && buf[used - 1] == 0 && buf[used - 2] == 0)
			break;
		if (used == 1 && buf[0] == 0)
			break;
	}
	buf[used] = 0;
	for (size_t off = 0; off < used && buf[off] && argc < MAX_ARGS; off += strlen(buf + off) + 1)
		argv[argc++] = buf + off;
	argv[argc] = NULL;
	if (argc == 0 || strcmp(argv[0], "batctl")) {
		dprintf(conn, "batu batctl service: expected \"batctl\\0<args>\\0…\\0\\0\", got %s\n", argc ? argv[0] : "nothing");
		_exit(2);
	}
	dup2(conn, 1);
	dup2(conn, 2);
	execv(BATCTL, argv);
	dprintf(conn, "batu batctl service: cannot run %s\n", BATCTL);
	_exit(127);
}

int batctl_service_main(const char *ip)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(12000) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || inet_pton(AF_INET, ip, &addr.sin_addr) != 1)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 16)) {
		fail("batctl service cannot listen on %s:12000", ip);
		return 1;
	}
	signal(SIGCHLD, SIG_IGN);	/* connections' children reap themselves */
	for (;;) {
		int conn = accept4(fd, NULL, NULL, 0);
		if (conn < 0)
			continue;
		if (fork() == 0) {
			close(fd);
			alarm(30);
			serve(conn);
		}
		close(conn);
	}
}
