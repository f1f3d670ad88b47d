/* The kernel command line contract of batu's init (lib/cmdline's zod schema is its
 * source of truth; this parser accepts exactly what its renderer produces). */
#ifndef BATU_CMDLINE_H
#define BATU_CMDLINE_H

#include <stdint.h>

#define BATU_MAX_IFACES 32
#define BATU_MAX_WRITES 64
#define BATU_MAX_ERRORS 32
#define BATU_MAX_TEXT 256
/* MTUs the schema allows (lib/cmdline/schema.ts Mtu; a unit test holds the two together). */
#define BATU_MTU_MIN 576
#define BATU_MTU_MAX 65534

enum batu_alfred { BATU_ALFRED_OFF, BATU_ALFRED_SLAVE, BATU_ALFRED_MASTER };

struct batu_write {
	char path[BATU_MAX_TEXT];
	char value[BATU_MAX_TEXT];
};

struct batu_config {
	char iface_kind[BATU_MAX_IFACES];	/* 0 = absent, 'e' = ethN (tuntap), 'v' = vecN */
	int mtu[BATU_MAX_IFACES];		/* 0 = not given */
	int has_bat0_hwaddr;
	unsigned char bat0_hwaddr[6];
	int has_service_ip;
	uint32_t service_ip;			/* network byte order */
	int service_prefix;
	char routing_algo[32];			/* empty = kernel default */
	enum batu_alfred alfred;
	int run_u9fs;			/* 0 off, 1 on, 2 read-only (=ro) */
	int run_batctl_wrapper;		/* 0 off, 1 on, 2 read-only (=ro) */
	int run_batctl_console;	/* batctl requests on /dev/tty1 (UML con1) */
	char run_script[BATU_MAX_TEXT];	/* a host file run with /bin/sh once ready; empty: none */
	int nwrites;
	struct batu_write writes[BATU_MAX_WRITES];
	int nerrors;
	char errors[BATU_MAX_ERRORS][BATU_MAX_TEXT];
};

/* Parse a whole command line. Never fails: a bad parameter becomes one entry in
 * cfg->errors, naming it, and is otherwise ignored. */
void batu_parse_cmdline(const char *cmdline, struct batu_config *cfg);

/* "eth3" or "vec3" for interface index i (as given on the command line). */
void batu_iface_name(const struct batu_config *cfg, int i, char *buf, int len);

#endif
