/* capture IFACE: the batctl service's one streaming request. Every frame the interface sends
 * or receives, as a pcap stream (Ethernet, µs stamps of the guest's clock), until the client
 * closes its end. For links no host device sees (socketpair links, L2TPv3 links to other
 * hosts): `batu mesh capture` reads the stream from the node at one end. */
#include "capture.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A GSO frame (the offload option) is carried whole: up to 64 KB and its Ethernet header. */
#define SNAPLEN 262144

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

int capture_main(int out, const char *ifname)
{
	static unsigned char frame[SNAPLEN];
	struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	/* libpcap's file header: magic, version 2.4, zone 0, accuracy 0, snap length, LINKTYPE_ETHERNET. */
	const uint32_t header[6] = { 0xa1b2c3d4, 2 | (4u << 16), 0, 0, SNAPLEN, 1 };
	int fd;
	alarm(0);	/* a capture runs until the client closes, past the service's 30 s */
	signal(SIGPIPE, SIG_IGN);
	addr.sll_ifindex = (int)if_nametoindex(ifname);
	if (!addr.sll_ifindex) {
		dprintf(out, "batu batctl service: capture: no interface %s in this node\n", ifname);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		dprintf(out, "batu batctl service: capture %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	if (write_all(out, header, sizeof(header)))
		return 1;
	for (;;) {
		/* The client's end readable means it closed (it sends nothing more): stop. */
		struct pollfd fds[2] = { { .fd = fd, .events = POLLIN }, { .fd = out, .events = POLLIN } };
		struct timespec now;
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fds[1].revents)
			return 0;
		ssize_t n = recv(fd, frame, sizeof(frame), MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &now);
		uint32_t incl = (size_t)n < sizeof(frame) ? (uint32_t)n : sizeof(frame);
		const uint32_t record[4] = { (uint32_t)now.tv_sec, (uint32_t)(now.tv_nsec / 1000), incl, (uint32_t)n };
		if (write_all(out, record, sizeof(record)) || write_all(out, frame, incl))
			return 0;	/* the client went away */
	}
}
