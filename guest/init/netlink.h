/* Interface configuration over rtnetlink: what `ip link`/`ip addr` would do. Each call
 * returns 0 or a negative errno. */
#ifndef BATU_NETLINK_H
#define BATU_NETLINK_H

#include <stdint.h>

int nl_link_create(const char *name, const char *kind, const char *batadv_algo);
int nl_link_set_up(const char *name);
int nl_link_set_down(const char *name);
int nl_link_set_mtu(const char *name, int mtu);
int nl_link_set_mac(const char *name, const unsigned char mac[6]);
int nl_link_set_master(const char *name, const char *master);
int nl_addr_add(const char *name, uint32_t ip_be, int prefix);

/* A non-blocking socket that hears about links appearing and changing. */
int nl_monitor_links(void);
/* Drain it; fills `names` with links that are down and have no master. Returns how many. */
int nl_read_unenslaved_links(int fd, char names[][16], int max);

#endif
