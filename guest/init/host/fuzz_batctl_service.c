/* libFuzzer target for the batctl service's request framing and its decision of what a
 * request may run (the bytes a TCP client sends, as read_request gets them from a socket):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined fuzz_batctl_service.c
 * The first byte picks read-only mode (run_batctl_wrapper=ro) or not. */
#define _GNU_SOURCE
#include "../batctl_service.c"
#include "../netlink.c"	/* unplug's and capture's; a request is only decided here, never run */
#include "../capture.c"

#include <stdint.h>
#include <stdlib.h>

int batu_errors;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[2];
	char buf[4096], *argv[MAX_ARGS + 1];
	char why[4096 + 128] = "";
	int code;
	if (size < 1 || size > 8192 || socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
		return 0;
	read_only = data[0] & 1;
	/* Through a socket as a client sends it: read_request stops at the request's end or EOF. */
	if (write(fds[1], data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	shutdown(fds[1], SHUT_WR);
	int argc = read_request(fds[0], buf, sizeof(buf), argv);
	close(fds[0]);
	close(fds[1]);
	if (argc < 0)
		return 0;
	if (argc > MAX_ARGS || argv[argc] != NULL)
		abort();
	for (int i = 0; i < argc; i++)
		if (argv[i] < buf || argv[i] + strlen(argv[i]) >= buf + sizeof(buf))
			abort();
	const char *path = request_program(argc, argv, why, sizeof(why), &code);
	/* Only the listed programs, unplug, kmemleak or capture, and in read-only mode only what reads. */
	if (path && strcmp(path, BATCTL) && strcmp(path, TC) && strcmp(path, IP) && strcmp(path, BRIDGE) &&
	    strcmp(path, WG) && strcmp(path, BATCTL_LEGACY) && strcmp(path, BATADV_VIS) && strcmp(path, SHELL) &&
	    strcmp(path, UNPLUG) && strcmp(path, KMEMLEAK) && strcmp(path, CAPTURE))
		abort();
	if (path && !strcmp(path, KMEMLEAK) && argc != 1)
		abort();
	if (path && !strcmp(path, CAPTURE) && (argc != 2 || (strncmp(argv[1], "vec", 3) && strncmp(argv[1], "eth", 3))))
		abort();
	if (path && !strcmp(path, UNPLUG) &&
	    (read_only || argc != 2 || (strncmp(argv[1], "vec", 3) && strncmp(argv[1], "eth", 3))))
		abort();
	if (path && read_only && strcmp(path, BATADV_VIS) && strcmp(path, KMEMLEAK) && strcmp(path, CAPTURE) && !only_reads(argc, argv))
		abort();
	if (!path && !why[0])
		abort();
	return 0;
}
