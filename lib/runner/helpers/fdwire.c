/* fdwire: point-to-point links between UML nodes without any privilege.
 *
 *   fdwire serve SOCKET            print "ready", then hand out ends of datagram socketpairs
 *                                  (pair P made on first request) over the unix socket SOCKET,
 *                                  until standard input closes; then remove SOCKET and its
 *                                  directory (if empty) and exit
 *   fdwire exec SOCKET N=P:E… -- COMMAND ARGS…
 *                                  fetch end E (0 or 1) of pair P as descriptor N, exec COMMAND
 *
 * A node's vector `transport=fd` takes such an end. The server keeps every end open, so a
 * node that dies and starts again gets the same link back. Its parent holds the other end
 * of its standard input: a parent killed with SIGKILL still takes the server and its
 * socket with it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_socket(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path)) {
		fprintf(stderr, "fdwire: socket path too long: %s\n", path);
		exit(2);
	}
	strcpy(addr->sun_path, path);
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

#define MAX_PAIRS 4096

/* A link carries bursts: with the default send buffer (~200 KB of queued frames) a sender
 * outrunning its peer has frames dropped, which TCP over the mesh pays for in
 * retransmissions. The kernel caps the size at net.core.wmem_max. */
static void deepen(int pair[2])
{
	int size = 4 << 20;
	for (int i = 0; i < 2; i++)
		setsockopt(pair[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int serve(const char *path)
{
	struct sockaddr_un addr;
	static int ends[MAX_PAIRS][2];
	int fd = unix_socket(path, &addr);
	for (int p = 0; p < MAX_PAIRS; p++)
		ends[p][0] = ends[p][1] = -1;
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 64)) {
		fprintf(stderr, "fdwire: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd watch[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		char scratch[64];
		if (poll(watch, 2, -1) < 0 && errno != EINTR)
			break;
		if (watch[1].revents && read(0, scratch, sizeof(scratch)) <= 0)
			break; /* the parent is gone */
		if (!(watch[0].revents & POLLIN))
			continue;
		int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC), p, e;
		char req[32] = "";
		ssize_t n = conn < 0 ? -1 : read(conn, req, sizeof(req) - 1);
		if (n > 0 && sscanf(req, "%d %d", &p, &e) == 2 && p >= 0 && p < MAX_PAIRS && (e == 0 || e == 1)) {
			char space[CMSG_SPACE(sizeof(int))] = { 0 };
			struct iovec iov = { .iov_base = "k", .iov_len = 1 };
			struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = space, .msg_controllen = sizeof(space) };
			struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
			if (ends[p][0] < 0 && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, ends[p]))
				perror("fdwire: socketpair");
			else
				deepen(ends[p]);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cmsg), &ends[p][e], sizeof(int));
			sendmsg(conn, &msg, 0);
		} else if (n > 0) {
			dprintf(conn, "no pair/end %s (pairs 0-%d, ends 0 and 1)\n", req, MAX_PAIRS - 1);
		}
		if (conn >= 0)
			close(conn);
	}
	unlink(path);
	char dir[sizeof(addr.sun_path)];
	strcpy(dir, path);
	rmdir(dirname(dir)); /* fails, harmlessly, unless the socket had it alone */
	return 0;
}

static int fetch(const char *path, int pair, int end)
{
	struct sockaddr_un addr;
	char byte[256], space[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = byte, .iov_len = sizeof(byte) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = space, .msg_controllen = sizeof(space) };
	int fd = unix_socket(path, &addr), got = -1;
	ssize_t n;
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "fdwire: cannot reach the link server at %s: %s\n", path, strerror(errno));
		exit(1);
	}
	dprintf(fd, "%d %d", pair, end);
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	struct cmsghdr *cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cmsg && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cmsg), sizeof(int));
	if (got < 0) {
		byte[n > 0 ? n : 0] = 0;
		fprintf(stderr, "fdwire: link server gave no descriptor for %d:%d: %s\n", pair, end, n > 0 ? byte : "closed");
		exit(1);
	}
	close(fd);
	return got;
}

int main(int argc, char **argv)
{
	int i;
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if (argc < 5 || strcmp(argv[1], "exec"))
		goto usage;
	for (i = 3; i < argc && strcmp(argv[i], "--"); i++) {
		int want, pair, end, fd;
		if (sscanf(argv[i], "%d=%d:%d", &want, &pair, &end) != 3 || want < 3) {
			fprintf(stderr, "fdwire: bad argument %s (expected N=PAIR:END, N >= 3)\n", argv[i]);
			return 2;
		}
		fd = fetch(argv[2], pair, end);
		/* dup2 (or fcntl) clears close-on-exec: the descriptor survives into COMMAND. */
		if (fd == want ? fcntl(fd, F_SETFD, 0) < 0 : dup2(fd, want) < 0 || close(fd) < 0) {
			fprintf(stderr, "fdwire: dup2 to %d: %s\n", want, strerror(errno));
			return 1;
		}
	}
	if (i + 1 >= argc)
		goto usage;
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "fdwire: cannot run %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
usage:
	fprintf(stderr, "usage: fdwire serve SOCKET | fdwire exec SOCKET N=PAIR:END... -- COMMAND [ARGS...]\n");
	return 2;
}
