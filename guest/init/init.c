/* batu's init: PID 1 of a UML guest. Mount, configure from the kernel command line,
 * supervise the daemons, reap, power off. Boring on purpose. */
#include "contract.h"
#include "batctl_service.h"
#include "cmdline.h"
#include "log.h"
#include "netlink.h"
#include "services.h"
#include "settings.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>


int batu_errors;
static struct batu_config cfg;
static struct service services[8];
static int nservices;
static char service_ip[INET_ADDRSTRLEN];

static void mount_all(void)
{
	static const struct { const char *src, *dir, *type; } mounts[] = {
		{ "proc", "/proc", "proc" }, { "sysfs", "/sys", "sysfs" }, { "devtmpfs", "/dev", "devtmpfs" },
		{ "tmpfs", "/tmp", "tmpfs" }, { "tmpfs", "/run", "tmpfs" },
	};
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		mkdir(mounts[i].dir, 0755);
		if (mount(mounts[i].src, mounts[i].dir, mounts[i].type, 0, NULL) && errno != EBUSY)
			fail("mount %s on %s: %s", mounts[i].type, mounts[i].dir, strerror(errno));
	}
}

/* Out-of-tree modules the image carries (e.g. a batman-adv release instead of the
 * kernel's own), loaded before bat0 is made. */
static void load_modules(void)
{
	DIR *dir = opendir("/lib/modules");
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		char path[300];
		size_t len = strlen(e->d_name);
		if (len < 4 || strcmp(e->d_name + len - 3, ".ko"))
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
			fail("load module %s: %s", path, strerror(errno));
		else
			say("loaded module %s", e->d_name);
		if (fd >= 0)
			close(fd);
	}
	if (dir)
		closedir(dir);
}

static void read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (fd >= 0)
		close(fd);
}

static void write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, value, strlen(value)) < 0)
			fail("write %s: %s", path, strerror(errno));
		close(fd);
	}
}

/* A hostfs root (shared, read-only) is read a page at a time as programs touch it: with the
 * kernel's readahead every file a program maps lands whole in the node's page cache (all of
 * libc's 1.9 MB for alfred), and a node's page cache is its own memory, never shared. */
static void hostfs_read_what_is_touched(void)
{
	DIR *dir = opendir("/sys/class/bdi");
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		char path[300];
		if (strncmp(e->d_name, "hostfs-", 7))
			continue;
		snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", e->d_name);
		write_file(path, "0");
	}
	if (dir)
		closedir(dir);
}

/* Report a failed step naming what it was for; returns rc unchanged. */
static int check(int rc, const char *what, const char *iface)
{
	if (rc)
		fail("%s %s: %s", what, iface, strerror(-rc));
	return rc;
}

/* The `/path=value` parameters, in order: bat0's own settings (mesh_only) as soon as bat0
 * exists, so that e.g. orig_interval holds from the first OGM (batman-adv schedules it
 * when a hard interface joins); the rest once networking is up. */
enum { ALL_WRITES, MESH_WRITES, HARDIF_WRITES };

static void apply_writes(int which, int again)
{
	static char done[BATU_MAX_WRITES];
	for (int i = 0; i < cfg.nwrites; i++) {
		const char *path = cfg.writes[i].path;
		if ((done[i] && !again) || (which == MESH_WRITES && !is_mesh_setting(path)) ||
		    (which == HARDIF_WRITES && !is_hardif_setting(path)))
			continue;
		done[i] = 1;
		if (apply_write(cfg.writes[i].path, cfg.writes[i].value) == 0)
			say("wrote %s=%s", cfg.writes[i].path, cfg.writes[i].value);
	}
}

/* bat0 over rtnetlink, or, where batman-adv has no rtnetlink kind (releases before 2017,
 * e.g. compat 14 "batman-adv-legacy"), the sysfs way: a hard interface joining makes it. */
static int legacy_batman;

static int create_bat0(void)
{
	char name[16], path[96];
	int rc = nl_link_create("bat0", "batadv", cfg.routing_algo);
	if (rc != -EOPNOTSUPP)
		return check(rc, "create", "bat0");
	if (*cfg.routing_algo)
		write_file("/sys/module/batman_adv/parameters/routing_algo", cfg.routing_algo);
	for (int i = 2; i < BATU_MAX_IFACES; i++) {
		if (!cfg.iface_kind[i])
			continue;
		batu_iface_name(&cfg, i, name, sizeof(name));
		snprintf(path, sizeof(path), "/sys/class/net/%s/batman_adv/mesh_iface", name);
		write_file(path, "bat0");
	}
	if (access("/sys/class/net/bat0", F_OK))
		return check(rc, "create", "bat0");
	legacy_batman = 1;
	say("bat0 made through batman-adv's sysfs (a release without rtnetlink)");
	return 0;
}

/* bat0 with its MAC, its own settings (before any hard interface joins), its hard
 * interfaces, up. `again`: bat0 was removed while the node ran; its settings are made anew
 * and it rejoins bat0br. Returns 0 once bat0 exists. */
static int bat0_made;

static int make_bat0(int again)
{
	char name[16];
	if (create_bat0())
		return -1;
	bat0_made = 1;
	if (!legacy_batman)
		apply_writes(MESH_WRITES, again);
	write_file("/proc/sys/net/ipv6/conf/bat0/accept_dad", "0");
	if (cfg.has_bat0_hwaddr)
		check(nl_link_set_mac("bat0", cfg.bat0_hwaddr), "set bat0_hwaddr of", "bat0");
	for (int i = 2; i < BATU_MAX_IFACES; i++) {
		if (!cfg.iface_kind[i])
			continue;
		batu_iface_name(&cfg, i, name, sizeof(name));
		if (legacy_batman || !check(nl_link_set_master(name, "bat0"), "add to bat0:", name))
			check(nl_link_set_up(name), "bring up", name);
	}
	check(nl_link_set_up("bat0"), "bring up", "bat0");
	if (again) {
		apply_writes(HARDIF_WRITES, 1);
		check(nl_link_set_master("bat0", "bat0br"), "add to bat0br:", "bat0");
	}
	return 0;
}

static void setup_network(void)
{
	char name[16];
	check(nl_link_set_up("lo"), "bring up", "lo");
	for (int i = 0; i < BATU_MAX_IFACES; i++) {
		if (cfg.mtu[i] && !cfg.iface_kind[i]) {
			fail("bad parameter mtu_eth%d=%d: no interface %d on the command line", i, cfg.mtu[i], i);
			continue;
		}
		if (!cfg.iface_kind[i])
			continue;
		batu_iface_name(&cfg, i, name, sizeof(name));
		if (cfg.mtu[i] && check(nl_link_set_mtu(name, cfg.mtu[i]), "set MTU of", name))
			fail("bad parameter mtu_eth%d=%d: %s refused it", i, cfg.mtu[i], name);
		if (i >= 2)	/* hard interfaces join bat0 below, once it exists */
			continue;
		check(nl_link_set_up(name), "bring up", name);
	}
	if (cfg.has_service_ip) {
		if (!cfg.iface_kind[0])
			fail("bad parameter service_ip=%s: there is no eth0 to put it on", service_ip);
		else {
			batu_iface_name(&cfg, 0, name, sizeof(name));
			check(nl_addr_add(name, cfg.service_ip, cfg.service_prefix), "add service_ip to", name);
		}
	}

	if (make_bat0(0))
		return;

	/* bat0br joins bat0 and the host-facing eth1: the host tap sees the mesh. DAD off, so
	 * the link-local address alfred needs is usable at once. */
	if (check(nl_link_create("bat0br", "bridge", NULL), "create", "bat0br"))
		return;
	write_file("/proc/sys/net/ipv6/conf/bat0br/accept_dad", "0");
	check(nl_link_set_master("bat0", "bat0br"), "add to bat0br:", "bat0");
	if (cfg.iface_kind[1]) {
		batu_iface_name(&cfg, 1, name, sizeof(name));
		check(nl_link_set_master(name, "bat0br"), "add to bat0br:", name);
	}
	check(nl_link_set_up("bat0br"), "bring up", "bat0br");
}

/* alfred serves nothing if started before bat0br's link-local address is usable. */
static void wait_for_link_local(const char *iface)
{
	for (int tries = 0; tries < 60; tries++) {
		char line[256], addr[40], name[32];
		unsigned int idx, plen, scope, flags;
		FILE *f = fopen("/proc/net/if_inet6", "re");
		int ready = 0;
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%39s %x %x %x %x %31s", addr, &idx, &plen, &scope, &flags, name) == 6 &&
			    !strcmp(name, iface) && scope == 0x20 && !(flags & 0x40 /* IFA_F_TENTATIVE */))
				ready = 1;
		if (f)
			fclose(f);
		if (ready)
			return;
		usleep(50000);
	}
	fail("%s has no usable link-local address after 3 s; starting alfred anyway", iface);
}

static struct service *add_service(const char *name)
{
	struct service *s = &services[nservices++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	return s;
}

static void start_services(char *self)
{
	static char listen[64], socat_listen[96];
	int need_ip = cfg.run_u9fs || cfg.run_batctl_wrapper;
	if (need_ip && !cfg.has_service_ip)
		fail("%s needs service_ip; not started", cfg.run_u9fs ? "run_u9fs" : "run_batctl_wrapper");
	if (cfg.run_batctl_wrapper && cfg.has_service_ip) {
		struct service *s = add_service("batctl-service");
		s->argv[0] = self; s->argv[1] = "batctl-service"; s->argv[2] = service_ip;
		s->argv[3] = cfg.run_batctl_wrapper == 2 ? "ro" : NULL;
	}
	/* Raw before ready (a host request must never be echoed); PID 1 keeps the tty open. */
	if (cfg.run_batctl_console && batctl_console_raw(BATCTL_CONSOLE) >= 0) {
		struct service *s = add_service("batctl-console");
		s->argv[0] = self; s->argv[1] = "batctl-console"; s->argv[2] = BATCTL_CONSOLE;
	}
	if (cfg.run_u9fs && cfg.has_service_ip) {
		struct service *s = add_service("u9fs");
		snprintf(listen, sizeof(listen), "%s:%d", service_ip, BATU_PORT_9P);
		const char *rw[] = { "/usr/sbin/u9fs", "-l", listen, NULL };
		const char *ro[] = { "/usr/sbin/u9fs", "-r", "-l", listen, NULL };
		if (cfg.run_u9fs == 2)
			memcpy(s->argv, ro, sizeof(ro));
		else
			memcpy(s->argv, rw, sizeof(rw));
	}
	if (cfg.alfred != BATU_ALFRED_OFF) {
		struct service *s = add_service("alfred");
		wait_for_link_local("bat0br");
		const char *argv[] = { "/usr/sbin/alfred", "-i", "bat0br", "-b", "bat0", "-u", BATU_ALFRED_SOCKET,
			cfg.alfred == BATU_ALFRED_MASTER ? "-m" : NULL, NULL };
		memcpy(s->argv, argv, sizeof(argv));
		s = add_service("batadv-vis");
		const char *vis[] = { "/usr/sbin/batadv-vis", "-i", "bat0", "-s", "-u", BATU_ALFRED_SOCKET, NULL };
		memcpy(s->argv, vis, sizeof(vis));
		if (cfg.has_service_ip) {
			s = add_service("socat");
			snprintf(socat_listen, sizeof(socat_listen), "TCP-LISTEN:%d,bind=%s,reuseaddr,fork", BATU_PORT_ALFRED, service_ip);
			const char *so[] = { "/usr/bin/socat", socat_listen, "UNIX-CLIENT:" BATU_ALFRED_SOCKET, NULL };
			memcpy(s->argv, so, sizeof(so));
		}
	}
	for (int i = 0; i < nservices; i++)
		service_start(&services[i]);
}

/* Ready means reachable: wait for alfred's socket and until each TCP service listens. */
static int tcp_listening(unsigned int port)
{
	char line[256];
	unsigned int local_port, state;
	int found = 0;
	FILE *f = fopen("/proc/net/tcp", "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x", &local_port, &state) == 2 && local_port == port && state == 0x0A)
			found = 1;
	if (f)
		fclose(f);
	return found;
}

static void wait_for_listeners(void)
{
	unsigned int ports[3];
	int n = 0;
	if (cfg.run_batctl_wrapper && cfg.has_service_ip)
		ports[n++] = BATU_PORT_BATCTL;
	if (cfg.run_u9fs && cfg.has_service_ip)
		ports[n++] = BATU_PORT_9P;
	if (cfg.alfred != BATU_ALFRED_OFF && cfg.has_service_ip)
		ports[n++] = BATU_PORT_ALFRED;
	for (int tries = 0; cfg.alfred != BATU_ALFRED_OFF && access(BATU_ALFRED_SOCKET, F_OK); tries++) {
		if (tries >= 150) {
			fail("alfred has not made %s after 3 s", BATU_ALFRED_SOCKET);
			break;
		}
		usleep(20000);
	}
	for (int i = 0, tries = 0; i < n; tries++) {
		if (tcp_listening(ports[i])) {
			i++;
			continue;
		}
		if (tries >= 150) {
			fail("nothing listens on TCP port %u after 3 s", ports[i]);
			i++;
		}
		usleep(20000);
	}
}

static void print_ready(void)
{
	static const char *roles[] = { "management", "bat0-tap" };
	char name[16], path[64], mac[32], mtu[16], algo[32];
	printf("batu-init: ready {\"interfaces\":[");
	for (int i = 0, first = 1; i < BATU_MAX_IFACES; i++) {
		if (!cfg.iface_kind[i])
			continue;
		batu_iface_name(&cfg, i, name, sizeof(name));
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
		read_file(path, mac, sizeof(mac));
		snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", name);
		read_file(path, mtu, sizeof(mtu));
		printf("%s{\"name\":\"%s\",\"role\":\"%s\",\"mac\":\"%s\",\"mtu\":%s}", first ? "" : ",", name,
		       i < 2 ? roles[i] : "hard", mac, *mtu ? mtu : "0");
		first = 0;
	}
	read_file("/sys/class/net/bat0/address", mac, sizeof(mac));
	read_file("/sys/class/net/bat0/mtu", mtu, sizeof(mtu));
	if (*cfg.routing_algo)
		snprintf(algo, sizeof(algo), "%s", cfg.routing_algo);
	else
		read_file("/sys/module/batman_adv/parameters/routing_algo", algo, sizeof(algo));
	printf("],\"bat0\":{\"mac\":\"%s\",\"mtu\":%s,\"routing_algo\":\"%s\"},\"service_ip\":", mac, *mtu ? mtu : "0", algo);
	if (cfg.has_service_ip)
		printf("\"%s/%d\"", service_ip, cfg.service_prefix);
	else
		printf("null");
	printf(",\"services\":[");
	for (int i = 0; i < nservices; i++)
		printf("%s\"%s\"", i ? "," : "", services[i].name);
	printf("],\"errors\":%d}\n", batu_errors);
	fflush(stdout);
}

static void power_off(void)
{
	say("powering off");
	kill(-1, SIGTERM);
	for (int i = 0; i < 20 && waitpid(-1, NULL, WNOHANG) >= 0; i++)
		usleep(100000);
	kill(-1, SIGKILL);
	sync();
	reboot(RB_POWER_OFF);
	_exit(0);
}

/* An interface hot-plugged with `mconsole config ethN=…` (N ≥ 2) joins bat0; so does one of
 * the command line's plugged again (the host re-plugs a tunnel whose peer moved: `unplug`
 * through the batctl service, mconsole remove and config), with its MTU and settings. */
static void adopt_hotplugged(int monitor)
{
	char names[8][16];
	int n = nl_read_unenslaved_links(monitor, names, 8);
	for (int i = 0; i < n; i++) {
		int index;
		char kind[4];
		if (sscanf(names[i], "%3[a-z]%d", kind, &index) != 2 || index < 2 || index >= BATU_MAX_IFACES ||
		    (strcmp(kind, "eth") && strcmp(kind, "vec")) || !bat0_made ||
		    !if_nametoindex(names[i]))	/* gone already: the message was about its removal */
			continue;
		int again = cfg.iface_kind[index] != 0;
		if (again && cfg.mtu[index])
			check(nl_link_set_mtu(names[i], cfg.mtu[index]), "set MTU of re-plugged", names[i]);
		/* Up first: a device the node cannot open (not handed to it) stays out of bat0. */
		if (check(nl_link_set_up(names[i]), "bring up hot-plugged", names[i]) ||
		    check(nl_link_set_master(names[i], "bat0"), "add hot-plugged interface to bat0:", names[i]))
			continue;
		if (again)
			apply_writes(HARDIF_WRITES, 1);
		say("%s %s joined bat0", again ? "re-plugged" : "hot-plugged", names[i]);
	}
}

/* run_script: the host file's directory through hostfs, read-only, and the file run by the
 * image's shell once the node is ready; its output on the console, its end said there. */
static pid_t script_pid;

static void start_script(void)
{
	static const char *dir = "/run/batu-script";
	char host_dir[BATU_MAX_TEXT], path[BATU_MAX_TEXT + 32];
	const char *file = cfg.run_script;
	if (!file[0])
		return;
	if (access(SHELL, X_OK)) {
		fail("run_script=%s: this image has no shell (%s; the image's shell extra)", file, SHELL);
		return;
	}
	const char *slash = strrchr(file, '/');
	snprintf(host_dir, sizeof(host_dir), "%.*s", slash == file ? 1 : (int)(slash - file), file);
	snprintf(path, sizeof(path), "%s/%s", dir, slash + 1);
	mkdir(dir, 0755);
	if (mount("none", dir, "hostfs", MS_RDONLY, host_dir)) {
		fail("run_script=%s: cannot mount the host directory %s: %s", file, host_dir, strerror(errno));
		return;
	}
	script_pid = fork();
	if (script_pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		execl(SHELL, "sh", path, (char *)NULL);
		_exit(127);
	}
	if (script_pid < 0)
		fail("run_script=%s: fork: %s", file, strerror(errno));
	else
		say("run_script %s started (pid %d)", file, (int)script_pid);
}

static void supervise(void)
{
	sigset_t set;
	int monitor = nl_monitor_links();
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);	/* ctrl-alt-del (mconsole cad), with RB_DISABLE_CAD */
	int signals = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	for (;;) {
		int next = services_tick(services, nservices);
		struct pollfd fds[2] = { { .fd = signals, .events = POLLIN }, { .fd = monitor, .events = POLLIN } };
		struct signalfd_siginfo info;
		int status;
		poll(fds, monitor >= 0 ? 2 : 1, next < 0 ? -1 : next * 1000 + 10);
		while (read(signals, &info, sizeof(info)) == sizeof(info))
			if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT)
				power_off();
		for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
			if (pid == script_pid && script_pid > 0) {
				script_pid = 0;
				if (WIFSIGNALED(status))
					say("run_script %s killed by signal %d", cfg.run_script, WTERMSIG(status));
				else
					say("run_script %s exited with status %d", cfg.run_script, WEXITSTATUS(status));
			} else
				service_reaped(services, nservices, pid, status);
		}
		if (monitor >= 0 && (fds[1].revents & POLLIN)) {
			/* One request through the batctl service can remove bat0: the mesh must not end with it. */
			if (bat0_made && access("/sys/class/net/bat0", F_OK)) {
				say("bat0 was removed; making it again with its interfaces and settings");
				if (!make_bat0(1))
					say("bat0 is back");
			}
			adopt_hotplugged(monitor);
		}
	}
}

int main(int argc, char **argv)
{
	char cmdline[4096];
	sigset_t set;
	if (argc >= 3 && !strcmp(argv[1], "batctl-service"))
		return batctl_service_main(argv[2], argc >= 4 && !strcmp(argv[3], "ro"));
	if (argc >= 3 && !strcmp(argv[1], "batctl-console"))
		return batctl_console_main(argv[2]);
	if (getpid() != 1) {
		fprintf(stderr, "batu-init: must run as PID 1 (or as: init batctl-service <ip> | batctl-console <tty>)\n");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	reboot(RB_DISABLE_CAD);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	mount_all();
	hostfs_read_what_is_touched();
	read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	batu_parse_cmdline(cmdline, &cfg);
	for (int i = 0; i < cfg.nerrors; i++)
		fail("%s", cfg.errors[i]);
	if (cfg.has_service_ip)
		inet_ntop(AF_INET, &cfg.service_ip, service_ip, sizeof(service_ip));
	load_modules();
	setup_network();
	apply_writes(ALL_WRITES, 0);
	start_services(argv[0]);
	wait_for_listeners();
	print_ready();
	start_script();
	supervise();
}
