/* One console line per event, prefixed batu-init:. */
#ifndef BATU_LOG_H
#define BATU_LOG_H
#include <stdio.h>
#define say(...) do { printf("batu-init: " __VA_ARGS__); putchar('\n'); fflush(stdout); } while (0)
/* An error line; counted for the ready summary. */
extern int batu_errors;
#define fail(...) do { batu_errors++; say("error: " __VA_ARGS__); } while (0)
#define BATCTL "/usr/sbin/batctl"
#define TC "/sbin/tc"
#define IP "/bin/ip"       /* ip, bridge and wg: tunnels that end in the node (recipes/tunnel-tools.ts) */
#define BRIDGE "/sbin/bridge"
#define WG "/usr/bin/wg"
#define BATCTL_LEGACY "/usr/sbin/batctl-legacy" /* compat 14 images only (recipes/batctl-legacy.ts) */
#define BATADV_VIS "/usr/sbin/batadv-vis"
#define SHELL "/bin/sh"    /* images with the shell extra only (recipes/busybox.ts) */
#endif
