/* run_batctl_wrapper: TCP service_ip:12000. A client sends batctl's argv, each argument
 * NUL-terminated, then one more NUL (or EOF): `batctl\0o\0\0`; it gets batctl's stdout
 * and stderr back, then the connection closes. `tc\0…` runs tc the same way (link properties);
 * `ip`, `bridge` and `wg` too (WireGuard + VXLAN tunnels that end in the node).
 * run_batctl_console: the same requests on a console (/dev/tty1 = UML's con1, a pipe to the
 * host), one after another; each answer ends with a NUL byte. For nodes with no network
 * path to the host (rootless meshes). run_batctl_wrapper=ro: only requests that read.
 * `batadv-vis\0-f\0FORMAT\0\0` reads the mesh as this node's alfred gathered it (json,
 * jsondoc or dot), so a node without a network path to the host can be drawn too.
 * `unplug\0vecN\0\0` takes hard interface N (≥ 2) down, so that the host can remove it
 * (mconsole remove refuses an open device) and plug it again with another peer address.
 * `kmemleak\0\0` (debug kernels): scan for leaks now and print what kmemleak holds.
 * `capture\0vecN\0\0` streams hard interface N's frames as pcap until the client closes
 * (capture.c); over TCP only: the console's answers end at a NUL byte. */
#include "contract.h"
#include "batctl_service.h"
#include "capture.h"
#include "cmdline.h"
#include "log.h"
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ARGS 32
#define UNPLUG "unplug"	/* no program: the service does it (exec_request) */
#define KMEMLEAK "kmemleak"	/* likewise */
#define CAPTURE "capture"	/* likewise */
#define KMEMLEAK_FILE "/sys/kernel/debug/kmemleak"
#define DEBUGFS "/sys/kernel/debug"

/* Split a request's bytes (NUL-terminated arguments) into argv; returns argc. */
static int split_request(char *buf, size_t used, char **argv)
{
	int argc = 0;
	for (size_t off = 0; off < used && buf[off] && argc < MAX_ARGS; off += strlen(buf + off) + 1)
		argv[argc++] = buf + off;
	argv[argc] = NULL;
	return argc;
}

/* Read one request into buf (of size > 1) and split it into argv; returns argc, or -1 at EOF before any byte. */
static int read_request(int fd, char *buf, size_t size, char **argv)
{
	size_t used = 0;
	ssize_t n = 0;
	/* Read until the empty argument that ends the request, or EOF. */
	while (used < size - 1 && (n = read(fd, buf + used, size - 1 - used)) > 0) {
		used += (size_t)n;
		if (used >= 2 && buf[used - 1] == 0 && buf[used - 2] == 0)
			break;
		if (used == 1 && buf[0] == 0)
			break;
	}
	buf[used] = 0;
	if (used == 0 && n == 0)
		return -1;
	return split_request(buf, used, argv);
}

static int read_only, on_console;

static int listed(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(word, *list))
			return 1;
	return 0;
}

/* iproute2's (tc, ip, bridge): options that only change how output looks (others, such as
 * -batch, -force or -netns, are not taken as reading), an object, then show/list or nothing. */
static int iproute_reads(int argc, char **argv)
{
	static const char *const looks[] = { "-s", "-stats", "-d", "-details", "-j", "-json", "-p", "-pretty", "-o",
		"-oneline", "-br", "-brief", "-4", "-6", "-c", "-color", NULL };
	static const char *const shows[] = { "show", "list", "ls", "lst", NULL };
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++)
		if (!listed(argv[i], looks))
			return 0;
	return i + 1 >= argc || listed(argv[i + 1], shows);
}

/* Whether a request only reads. batctl: after the selectors (-m/meshif, hardif, vlan), a
 * command that shows tables or probes, or any command without arguments (a setting then
 * prints its value; `interface` lists). tc, ip, bridge: show/list only. wg: show, showconf. */
static int only_reads(int argc, char **argv)
{
	static const char *const selectors[] = { "-m", "meshif", "hardif", "vlan", NULL };
	static const char *const tables[] = { "originators", "o", "neighbors", "n", "translocal", "tl", "transglobal", "tg",
		"gateways", "gwl", "claimtable", "cl", "backbonetable", "bbt", "dat_cache", "dc", "mcast_flags", "mf",
		"statistics", "s", "ping", "p", "traceroute", "tr", "originators_json", "neighbors_json", "translocal_json",
		"transglobal_json", "gateways_json", "mesh_json", "hardif_json", "hardifs_json", "vlan_json",
		"claimtable_json", "backbonetable_json", "dat_cache_json", "mcast_flags_json", "-h", "-v", NULL };
	static const char *const iproute[] = { "tc", "ip", "bridge", NULL };
	static const char *const wg_reads[] = { "show", "showconf", NULL };
	int i = 1;
	if (!strcmp(argv[0], "sh"))	/* a shell can change anything */
		return 0;
	if (listed(argv[0], iproute))
		return iproute_reads(argc, argv);
	if (!strcmp(argv[0], "wg"))
		return argc == 1 || listed(argv[1], wg_reads);
	while (i + 1 < argc && listed(argv[i], selectors))
		i += 2;
	return i >= argc || i + 1 == argc || (listed(argv[i], tables) && strcmp(argv[i], "interface") && strcmp(argv[i], "if"));
}

/* What a request may run: the program's path (argv then as it is run), or NULL with the
 * refusal written to why and the exit code in *code. Nothing but these programs can be run. */
static const char *request_program(int argc, char **argv, char *why, size_t why_size, int *code)
{
	static const char *const formats[] = { "json", "jsondoc", "dot", NULL };
	*code = 2;
	if (argc > 0 && !strcmp(argv[0], "batadv-vis")) {
		/* batadv-vis reads only: -f FORMAT, against the node's own alfred socket. */
		if (argc != 3 || strcmp(argv[1], "-f") || !listed(argv[2], formats)) {
			snprintf(why, why_size, "batadv-vis takes only -f json|jsondoc|dot");
			return NULL;
		}
		return BATADV_VIS;
	}
	if (argc > 0 && (!strcmp(argv[0], UNPLUG) || !strcmp(argv[0], CAPTURE))) {
		char kind[4], rest;
		int index;
		if (argc != 2 || sscanf(argv[1], "%3[a-z]%d%c", kind, &index, &rest) != 2 ||
		    (strcmp(kind, "vec") && strcmp(kind, "eth")) || index < 2 || index >= BATU_MAX_IFACES) {
			snprintf(why, why_size, "%s takes one hard interface, vecN or ethN with N from 2 to %d", argv[0],
				 BATU_MAX_IFACES - 1);
			return NULL;
		}
		if (!strcmp(argv[0], CAPTURE)) {
			if (on_console)
				snprintf(why, why_size, "capture streams over TCP (run_batctl_wrapper), not the console");
			return on_console ? NULL : CAPTURE;	/* a capture reads: also read-only */
		}
		if (read_only) {
			snprintf(why, why_size, "read-only (run_batctl_wrapper=ro): refusing a request that changes the node");
			*code = 1;
			return NULL;
		}
		return UNPLUG;
	}
	if (argc == 1 && !strcmp(argv[0], KMEMLEAK))
		return KMEMLEAK;	/* a scan reads: also read-only */
	const char *path = argc <= 0                          ? NULL
			   : !strcmp(argv[0], "batctl")        ? BATCTL
			   : !strcmp(argv[0], "tc")            ? TC
			   : !strcmp(argv[0], "ip")            ? IP
			   : !strcmp(argv[0], "bridge")        ? BRIDGE
			   : !strcmp(argv[0], "wg")            ? WG
			   : !strcmp(argv[0], "batctl-legacy") ? BATCTL_LEGACY
			   : !strcmp(argv[0], "sh")            ? SHELL
							       : NULL;
	if (!path) {
		snprintf(why, why_size, "expected \"batctl\\0<args>\\0…\\0\\0\" (or tc, ip, bridge, wg, batctl-legacy, sh, batadv-vis, unplug, kmemleak, capture), got %s",
			 argc > 0 ? argv[0] : "nothing");
		return NULL;
	}
	if (read_only && !only_reads(argc, argv)) {
		snprintf(why, why_size, "read-only (run_batctl_wrapper=ro): refusing a request that changes the node");
		*code = 1;
		return NULL;
	}
	return path;
}

/* kmemleak: scan now (the debug kernel scans only when asked), then copy out what it reports
 * (nothing: no leak). debugfs is mounted on first use. */
static int print_kmemleak(int out)
{
	char buf[4096];
	ssize_t n;
	int fd = open(KMEMLEAK_FILE, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !mount("debugfs", DEBUGFS, "debugfs", 0, NULL))
		fd = open(KMEMLEAK_FILE, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		dprintf(out, "batu batctl service: kmemleak: %s: %s (debug kernels have it: mesh up --debug)\n",
			KMEMLEAK_FILE, strerror(errno));
		return 1;
	}
	if (write(fd, "scan", 4) != 4) {
		dprintf(out, "batu batctl service: kmemleak: scan: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	if ((fd = open(KMEMLEAK_FILE, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(fd);
	return n < 0;
}

/* In a child: run what the request may run with its argv, output to out. */
static void exec_request(int out, int argc, char **argv)
{
	char why[4096 + 128];	/* room for the longest program name a request can hold */
	int code;
	const char *path = request_program(argc, argv, why, sizeof(why), &code);
	if (!path) {
		dprintf(out, "batu batctl service: %s\n", why);
		_exit(code);
	}
	if (!strcmp(path, UNPLUG)) {
		int rc = nl_link_set_down(argv[1]);
		if (rc)
			dprintf(out, "batu batctl service: unplug %s: %s\n", argv[1], strerror(-rc));
		_exit(rc ? 1 : 0);
	}
	if (!strcmp(path, KMEMLEAK))
		_exit(print_kmemleak(out));
	if (!strcmp(path, CAPTURE))
		_exit(capture_main(out, argv[1]));
	char *vis[] = { argv[0], "-u", BATU_ALFRED_SOCKET, "-f", argv[argc > 2 ? 2 : 0], NULL };
	dup2(out, 1);
	dup2(out, 2);
	execv(path, strcmp(path, BATADV_VIS) ? argv : vis);
	dprintf(out, "batu batctl service: cannot run %s%s\n", path,
		!strcmp(path, SHELL) ? ": this image has no shell (the image's shell extra: mesh up --shell)" : "");
	_exit(127);
}

int batctl_service_main(const char *ip, int ro)
{
	read_only = ro;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(BATU_PORT_BATCTL) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || inet_pton(AF_INET, ip, &addr.sin_addr) != 1)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 16)) {
		fail("batctl service cannot listen on %s:%d", ip, BATU_PORT_BATCTL);
		return 1;
	}
	signal(SIGCHLD, SIG_IGN);	/* connections' children reap themselves */
	for (;;) {
		int conn = accept4(fd, NULL, NULL, 0);
		if (conn < 0)
			continue;
		if (fork() == 0) {
			close(fd);
			char buf[4096], *argv[MAX_ARGS + 1];
			alarm(30);
			exec_request(conn, read_request(conn, buf, sizeof(buf), argv), argv);
		}
		close(conn);
	}
}

/* Raw mode: bytes pass unchanged both ways (no echo, no newline translation). */
int batctl_console_raw(const char *tty)
{
	struct termios t;
	int fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &t)) {
		fail("batctl console: cannot open %s", tty);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
	return fd;
}

int batctl_console_main(const char *tty)
{
	int fd = batctl_console_raw(tty);
	on_console = 1;
	if (fd < 0)
		return 1;
	for (;;) {
		char buf[4096], *argv[MAX_ARGS + 1];
		int argc = read_request(fd, buf, sizeof(buf), argv), status;
		pid_t child;
		if (argc < 0) {
			sleep(1);	/* EOF: nobody on the host end (yet) */
			continue;
		}
		child = fork();
		if (child == 0)
			exec_request(fd, argc, argv);
		if (child > 0)
			waitpid(child, &status, 0);
		write(fd, "", 1);
	}
}
