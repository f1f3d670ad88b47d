/* Minimal rtnetlink client: one request, one acknowledgement, per call. */
#include "netlink.h"

#include <errno.h>
#include <net/if.h>
#include <linux/batman_adv.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct request {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
	};
	char attrs[512];
};

static struct rtattr *add_attr(struct request *req, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void end_nest(struct request *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)req + req->nh.nlmsg_len - (char *)nest);
}

static int transact(struct request *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char reply[4096];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t n;
	int rc = -EIO;
	if (fd < 0)
		return -errno;
	req->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nh.nlmsg_seq = 1;
	if (sendto(fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		rc = -errno;
	} else if ((n = recv(fd, reply, sizeof(reply), 0)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)reply;
		if (NLMSG_OK(h, (unsigned int)n) && h->nlmsg_type == NLMSG_ERROR)
			rc = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	close(fd);
	return rc;
}

static int link_request(struct request *req, const char *name, unsigned short type, unsigned short flags)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req->nh.nlmsg_type = type;
	req->nh.nlmsg_flags = flags;
	req->ifi.ifi_family = AF_UNSPEC;
	if (type == RTM_NEWLINK && (flags & NLM_F_CREATE)) {
		add_attr(req, IFLA_IFNAME, name, strlen(name) + 1);
		return 0;
	}
	req->ifi.ifi_index = (int)if_nametoindex(name);
	return req->ifi.ifi_index ? 0 : -ENODEV;
}

int nl_link_create(const char *name, const char *kind, const char *batadv_algo)
{
	struct request req;
	struct rtattr *info, *data;
	link_request(&req, name, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	info = add_attr(&req, IFLA_LINKINFO, NULL, 0);
	add_attr(&req, IFLA_INFO_KIND, kind, strlen(kind));
	if (batadv_algo && *batadv_algo) {
		data = add_attr(&req, IFLA_INFO_DATA, NULL, 0);
		add_attr(&req, IFLA_BATADV_ALGO_NAME, batadv_algo, strlen(batadv_algo) + 1);
		end_nest(&req, data);
	}
	end_nest(&req, info);
	return transact(&req);
}

static int link_set_flag(const char *name, unsigned int flag, int on)
{
	struct request req;
	int rc = link_request(&req, name, RTM_NEWLINK, 0);
	if (rc)
		return rc;
	req.ifi.ifi_flags = on ? flag : 0;
	req.ifi.ifi_change = flag;
	return transact(&req);
}

int nl_link_set_up(const char *name)
{
	return link_set_flag(name, IFF_UP, 1);
}

int nl_link_set_down(const char *name)
{
	return link_set_flag(name, IFF_UP, 0);
}

int nl_link_set_mtu(const char *name, int mtu)
{
	struct request req;
	unsigned int value = (unsigned int)mtu;
	int rc = link_request(&req, name, RTM_NEWLINK, 0);
	if (rc)
		return rc;
	add_attr(&req, IFLA_MTU, &value, sizeof(value));
	return transact(&req);
}

int nl_link_set_mac(const char *name, const unsigned char mac[6])
{
	struct request req;
	int rc = link_request(&req, name, RTM_NEWLINK, 0);
	if (rc)
		return rc;
	add_attr(&req, IFLA_ADDRESS, mac, 6);
	return transact(&req);
}

int nl_link_set_master(const char *name, const char *master)
{
	struct request req;
	unsigned int index = if_nametoindex(master);
	int rc = link_request(&req, name, RTM_NEWLINK, 0);
	if (rc)
		return rc;
	if (!index)
		return -ENODEV;
	add_attr(&req, IFLA_MASTER, &index, sizeof(index));
	return transact(&req);
}

int nl_addr_add(const char *name, uint32_t ip_be, int prefix)
{
	struct request req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = (unsigned char)prefix;
	req.ifa.ifa_index = if_nametoindex(name);
	if (!req.ifa.ifa_index)
		return -ENODEV;
	add_attr(&req, IFA_LOCAL, &ip_be, 4);
	add_attr(&req, IFA_ADDRESS, &ip_be, 4);
	return transact(&req);
}

int nl_monitor_links(void)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local))) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int nl_read_unenslaved_links(int fd, char names[][IFNAMSIZ], int max)
{
	char buf[8192];
	int found = 0;
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			struct ifinfomsg *ifi = NLMSG_DATA(h);
			int len = (int)IFLA_PAYLOAD(h), has_master = 0;
			const char *name = NULL;
			if (h->nlmsg_type != RTM_NEWLINK)
				continue;
			for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
				if (a->rta_type == IFLA_IFNAME)
					name = RTA_DATA(a);
				if (a->rta_type == IFLA_MASTER)
					has_master = 1;
			}
			/* Down: a device just plugged (a running one that left bat0 is not taken back). */
			if (name && !has_master && !(ifi->ifi_flags & IFF_UP) && found < max) {
				int dup = 0;
				for (int i = 0; i < found; i++)
					dup |= !strcmp(names[i], name);
				if (!dup)
					snprintf(names[found++], IFNAMSIZ, "%s", name);
			}
		}
	}
	return found;
}
