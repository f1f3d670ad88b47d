#include "settings.h"
#include "log.h"
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* sysfs knob (/sys/class/net/bat0/mesh/<knob>) → batctl meshif command. */
static const struct {
	const char *knob;
	const char *command;
	const char *mode;	/* gw_bandwidth / gw_sel_class: `gw_mode <mode> <value>` */
	int inverted;		/* multicast_mode=1 is multicast_forceflood=0 */
} mesh_knobs[] = {
	{ "aggregated_ogms", "aggregation", NULL, 0 },
	{ "ap_isolation", "ap_isolation", NULL, 0 },
	{ "bonding", "bonding", NULL, 0 },
	{ "bridge_loop_avoidance", "bridge_loop_avoidance", NULL, 0 },
	{ "distributed_arp_table", "distributed_arp_table", NULL, 0 },
	{ "fragmentation", "fragmentation", NULL, 0 },
	{ "gw_mode", "gw_mode", NULL, 0 },
	{ "gw_bandwidth", "gw_mode", "server", 0 },
	{ "gw_sel_class", "gw_mode", "client", 0 },
	{ "hop_penalty", "hop_penalty", NULL, 0 },
	{ "isolation_mark", "isolation_mark", NULL, 0 },
	{ "log_level", "loglevel", NULL, 0 },
	{ "multicast_fanout", "multicast_fanout", NULL, 0 },
	{ "multicast_mode", "multicast_forceflood", NULL, 1 },
	{ "network_coding", "network_coding", NULL, 0 },
	{ "orig_interval", "orig_interval", NULL, 0 },
};

/* /sys/class/net/<hardif>/batman_adv/<knob> → batctl hardif command. */
static const struct {
	const char *knob;
	const char *command;
} hardif_knobs[] = {
	{ "elp_interval", "elp_interval" },
	{ "hop_penalty", "hop_penalty" },
	{ "throughput_override", "throughput_override" },
};

int batctl_capture(const char *const args[], char *out, int outlen)
{
	const char *argv[16] = { "batctl" };
	int pipefd[2], status, n, used = 0;
	pid_t pid;
	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execv(BATCTL, (char *const *)argv);
		printf("cannot run %s: %s\n", BATCTL, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && (n = (int)read(pipefd[0], out + used, (size_t)(outlen - 1 - used))) > 0)
		used += n;
	close(pipefd[0]);
	out[used] = 0;
	while (used > 0 && out[used - 1] == '\n')
		out[--used] = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int batctl_setting(const char *path, const char *value, const char *const args[])
{
	char out[512];
	if (batctl_capture(args, out, sizeof(out)) == 0)
		return 0;
	fail("bad parameter %s=%s: batctl refused it: %s", path, value, out);
	return -1;
}

static int mesh_setting(const char *path, const char *mesh, const char *knob, const char *value)
{
	for (size_t i = 0; i < sizeof(mesh_knobs) / sizeof(mesh_knobs[0]); i++) {
		if (strcmp(knob, mesh_knobs[i].knob))
			continue;
		if (mesh_knobs[i].inverted) {
			if (strcmp(value, "0") && strcmp(value, "1")) {
				fail("bad parameter %s=%s: expected 0 or 1", path, value);
				return -1;
			}
			value = value[0] == '0' ? "1" : "0";
		}
		const char *args[] = { "meshif", mesh, mesh_knobs[i].command,
			mesh_knobs[i].mode ? mesh_knobs[i].mode : value, mesh_knobs[i].mode ? value : NULL, NULL };
		return batctl_setting(path, value, args);
	}
	fail("bad parameter %s=%s: unknown batman-adv setting %s", path, value, knob);
	return -1;
}

static int hardif_setting(const char *path, const char *hardif, const char *knob, const char *value)
{
	if (!strcmp(knob, "mesh_iface")) {	/* the old sysfs way of adding a hard interface */
		int rc = strcmp(value, "none") ? nl_link_set_master(hardif, value) : -EINVAL;
		if (rc)
			fail("bad parameter %s=%s: %s", path, value, strerror(-rc));
		return rc ? -1 : 0;
	}
	for (size_t i = 0; i < sizeof(hardif_knobs) / sizeof(hardif_knobs[0]); i++) {
		if (strcmp(knob, hardif_knobs[i].knob))
			continue;
		const char *args[] = { "hardif", hardif, hardif_knobs[i].command, value, NULL };
		return batctl_setting(path, value, args);
	}
	fail("bad parameter %s=%s: unknown batman-adv interface setting %s", path, value, knob);
	return -1;
}

#define MESH_KNOB "/sys/class/net/%31[^/]/mesh/%63[^/]%c"
#define HARDIF_KNOB "/sys/class/net/%31[^/]/batman_adv/%63[^/]%c"

/* A batman-adv sysfs knob: format MESH_KNOB or HARDIF_KNOB. */
static int is_knob(const char *path, const char *format, char iface[32], char knob[64])
{
	char rest;
	return sscanf(path, format, iface, knob, &rest) == 2;
}

/* A knob to translate into a batctl setting: batman-adv's sysfs files are written as they
 * are where a release still has them (compat 14); a netlink-only batman-adv has none. */
static int translated(const char *path, const char *format, char iface[32], char knob[64])
{
	return access(path, F_OK) && is_knob(path, format, iface, knob);
}

/* Either way a knob is applied in its phase (bat0's before hard interfaces join, so that
 * e.g. orig_interval holds from the first OGM, also where it is a sysfs file). */
int is_mesh_setting(const char *path)
{
	char iface[32], knob[64];
	return is_knob(path, MESH_KNOB, iface, knob);
}

int is_hardif_setting(const char *path)
{
	char iface[32], knob[64];
	return is_knob(path, HARDIF_KNOB, iface, knob);
}

int apply_write(const char *path, const char *value)
{
	char iface[32], knob[64];
	int fd, ok;
	if (translated(path, MESH_KNOB, iface, knob))
		return mesh_setting(path, iface, knob, value);
	if (translated(path, HARDIF_KNOB, iface, knob))
		return hardif_setting(path, iface, knob, value);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);	/* /etc/hosts=x leaves just x */
	ok = fd >= 0 && write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	if (!ok)
		fail("bad parameter %s=%s: cannot write it: %s", path, value, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}
