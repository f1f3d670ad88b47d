/* tapfd N=TAP[,vnet]… -- COMMAND ARGS…: open each host tap as descriptor N, then exec COMMAND.
 * Lets the runner (root) hand a node its taps as vector `transport=fd` descriptors, so the
 * node itself can run unprivileged with exactly those devices and nothing else. ",vnet"
 * opens the tap with virtio-net headers (for the vector driver's vnet=1). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		char *eq = strchr(argv[i], '='), *flag = eq ? strchr(eq, ',') : NULL;
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
		int want = eq ? atoi(argv[i]) : -1, fd;
		if (flag && !strcmp(flag, ",vnet")) {
			ifr.ifr_flags |= IFF_VNET_HDR;
			*flag = '\0';
		}
		if (!eq || want < 3 || strlen(eq + 1) >= IFNAMSIZ || strchr(eq + 1, ',')) {
			fprintf(stderr, "tapfd: bad argument %s (expected N=TAP[,vnet], N >= 3)\n", argv[i]);
			return 2;
		}
		strcpy(ifr.ifr_name, eq + 1);
		fd = open("/dev/net/tun", O_RDWR);
		if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
			fprintf(stderr, "tapfd: cannot open tap %s: %s\n", eq + 1, strerror(errno));
			return 1;
		}
		if (fd != want && (dup2(fd, want) < 0 || close(fd) < 0)) {
			fprintf(stderr, "tapfd: dup2 to %d: %s\n", want, strerror(errno));
			return 1;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: tapfd N=TAP[,vnet]... -- COMMAND [ARGS...]\n");
		return 2;
	}
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "tapfd: cannot run %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
}
