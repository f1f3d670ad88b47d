/* Parser of the kernel command line: one table maps parameter names to handlers, each
 * a few lines; every error names the parameter and the value. */
#include "cmdline.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void error(struct batu_config *cfg, const char *fmt, ...)
{
	va_list ap;
	if (cfg->nerrors >= BATU_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(cfg->errors[cfg->nerrors++], BATU_MAX_TEXT, fmt, ap);
	va_end(ap);
}

/* A decimal number in [min, max], the whole string. */
static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < min || v > max || end - s > 10)
		return -1;
	*out = v;
	return 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char extra;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1]))
			return -1;
		mac[i] = (unsigned char)b[i];
	}
	return 0;
}

/* "eth12" → 12 when `name` is prefix + digits only, else -1. */
static int iface_index(const char *name, const char *prefix)
{
	long n;
	size_t len = strlen(prefix);
	if (strncmp(name, prefix, len) || parse_int(name + len, 0, BATU_MAX_IFACES - 1, &n))
		return -1;
	if (name[len] == '0' && name[len + 1])	/* no leading zeros: eth02 is not eth2 */
		return -1;
	return (int)n;
}

typedef void handler_fn(struct batu_config *cfg, const char *name, const char *value);

/* ethN / vecN: one interface per N; UML itself reports a value it cannot use. */
static void take_iface(struct batu_config *cfg, int i, char kind, const char *name, const char *value)
{
	if (i < 0)
		error(cfg, "bad parameter %s=%s: expected ethN or vecN with N in 0..%d", name, value ? value : "", BATU_MAX_IFACES - 1);
	else if (cfg->iface_kind[i])
		error(cfg, "bad parameter %s=%s: interface %d is given more than once", name, value ? value : "", i);
	else
		cfg->iface_kind[i] = kind;
}

static void on_eth(struct batu_config *cfg, const char *name, const char *value)
{
	take_iface(cfg, iface_index(name, "eth"), 'e', name, value);
}

static void on_mtu(struct batu_config *cfg, const char *name, const char *value)
{
	int i = iface_index(name, "mtu_eth");
	long mtu;
	if (i < 0)
		error(cfg, "bad parameter %s=%s: expected mtu_ethN with N in 0..%d", name, value ? value : "", BATU_MAX_IFACES - 1);
	else if (!value || parse_int(value, BATU_MTU_MIN, BATU_MTU_MAX, &mtu))
		error(cfg, "bad parameter %s=%s: expected an MTU from %d to %d", name, value ? value : "", BATU_MTU_MIN, BATU_MTU_MAX);
	else
		cfg->mtu[i] = (int)mtu;
}

static void on_bat0_hwaddr(struct batu_config *cfg, const char *name, const char *value)
{
	unsigned char mac[6];
	if (!value || parse_mac(value, mac))
		error(cfg, "bad parameter %s=%s: expected a MAC address like ca:fe:00:00:00:01", name, value ? value : "");
	else if (mac[0] & 1)
		error(cfg, "bad parameter %s=%s: a multicast MAC address cannot name an interface", name, value);
	else {
		memcpy(cfg->bat0_hwaddr, mac, sizeof(mac));
		cfg->has_bat0_hwaddr = 1;
	}
}

static void on_service_ip(struct batu_config *cfg, const char *name, const char *value)
{
	char ip[32];
	const char *slash = value ? strchr(value, '/') : NULL;
	long prefix = 24;
	struct in_addr addr;
	size_t len = slash ? (size_t)(slash - value) : (value ? strlen(value) : 0);
	if (!value || len >= sizeof(ip) || (slash && parse_int(slash + 1, 1, 32, &prefix))) {
		error(cfg, "bad parameter %s=%s: expected an IPv4 address with an optional /prefix (1-32)", name, value ? value : "");
		return;
	}
	memcpy(ip, value, len);
	ip[len] = 0;
	if (inet_pton(AF_INET, ip, &addr) != 1) {
		error(cfg, "bad parameter %s=%s: expected an IPv4 address with an optional /prefix (1-32)", name, value);
		return;
	}
	cfg->has_service_ip = 1;
	cfg->service_ip = addr.s_addr;
	cfg->service_prefix = (int)prefix;
}

static void on_routing_algo(struct batu_config *cfg, const char *name, const char *value)
{
	if (value && (!strcmp(value, "BATMAN_IV") || !strcmp(value, "BATMAN_V")))
		snprintf(cfg->routing_algo, sizeof(cfg->routing_algo), "%s", value);
	else
		error(cfg, "bad parameter %s=%s: expected BATMAN_IV or BATMAN_V", name, value ? value : "");
}

static void on_run_alfred(struct batu_config *cfg, const char *name, const char *value)
{
	if (value && !strcmp(value, "slave"))
		cfg->alfred = BATU_ALFRED_SLAVE;
	else if (value && !strcmp(value, "master"))
		cfg->alfred = BATU_ALFRED_MASTER;
	else
		error(cfg, "bad parameter %s=%s: expected slave or master", name, value ? value : "");
}

static void flag(struct batu_config *cfg, const char *name, const char *value, int *out)
{
	if (value)
		error(cfg, "bad parameter %s=%s: %s is a flag and takes no value", name, value, name);
	else
		*out = 1;
}

/* A service: bare to run it, =ro to run it read-only (2). */
static void service(struct batu_config *cfg, const char *name, const char *value, int *out)
{
	if (value && strcmp(value, "ro"))
		error(cfg, "bad parameter %s=%s: expected %s or %s=ro (read-only)", name, value, name, name);
	else
		*out = value ? 2 : 1;
}

static void on_run_u9fs(struct batu_config *cfg, const char *name, const char *value)
{
	service(cfg, name, value, &cfg->run_u9fs);
}

static void on_run_batctl_wrapper(struct batu_config *cfg, const char *name, const char *value)
{
	service(cfg, name, value, &cfg->run_batctl_wrapper);
}

static void on_run_batctl_console(struct batu_config *cfg, const char *name, const char *value)
{
	flag(cfg, name, value, &cfg->run_batctl_console);
}

/* run_script=/host/dir/file: absolute, no .., no trailing slash. */
static void on_run_script(struct batu_config *cfg, const char *name, const char *value)
{
	size_t len = value ? strlen(value) : 0;
	if (!len || value[0] != '/' || value[len - 1] == '/' || strstr(value, "/../") || len >= 200 ||
	    (len >= 3 && !strcmp(value + len - 3, "/..")))
		error(cfg, "bad parameter %s=%s: expected an absolute host path of a file (no .., under 200 characters)", name, value ? value : "");
	else
		snprintf(cfg->run_script, sizeof(cfg->run_script), "%s", value);
}

static void on_write(struct batu_config *cfg, const char *name, const char *value)
{
	struct batu_write *w;
	if (!value || strstr(name, "/../") || strlen(name) >= BATU_MAX_TEXT || strlen(value) >= BATU_MAX_TEXT) {
		error(cfg, "bad parameter %s=%s: expected /absolute/path=value (no .., each under %d characters)", name, value ? value : "", BATU_MAX_TEXT);
		return;
	}
	if (!strcmp(name, "/proc/sysrq-trigger")) {
		error(cfg, "bad parameter %s=%s: it would crash or halt the node", name, value);
		return;
	}
	if (cfg->nwrites >= BATU_MAX_WRITES) {
		error(cfg, "bad parameter %s=%s: more than %d file writes", name, value, BATU_MAX_WRITES);
		return;
	}
	w = &cfg->writes[cfg->nwrites++];
	snprintf(w->path, sizeof(w->path), "%s", name);
	snprintf(w->value, sizeof(w->value), "%s", value);
}

static const struct {
	const char *name;	/* exact name, or a prefix when it ends in '*' */
	handler_fn *fn;
} handlers[] = {
	{ "eth*", on_eth },
	{ "mtu_eth*", on_mtu },
	{ "bat0_hwaddr", on_bat0_hwaddr },
	{ "service_ip", on_service_ip },
	{ "routing_algo", on_routing_algo },
	{ "run_alfred", on_run_alfred },
	{ "run_u9fs", on_run_u9fs },
	{ "run_batctl_wrapper", on_run_batctl_wrapper },
	{ "run_batctl_console", on_run_batctl_console },
	{ "run_script", on_run_script },
	{ "/*", on_write },
};

static void dispatch(struct batu_config *cfg, char *token)
{
	char *eq = strchr(token, '=');
	const char *value = NULL;
	/* vecN:transport=…: UML's vector driver; its name ends at the colon. */
	if (!strncmp(token, "vec", 3)) {
		char *colon = strchr(token, ':');
		if (colon && (!eq || colon < eq)) {
			*colon = 0;
			take_iface(cfg, iface_index(token, "vec"), 'v', token, colon + 1);
			return;
		}
	}
	if (eq) {
		*eq = 0;
		value = eq + 1;
	}
	for (size_t h = 0; h < sizeof(handlers) / sizeof(handlers[0]); h++) {
		const char *n = handlers[h].name;
		size_t len = strlen(n);
		int match = n[len - 1] == '*' ? !strncmp(token, n, len - 1) : !strcmp(token, n);
		if (match) {
			handlers[h].fn(cfg, token, value);
			return;
		}
	}
	/* Anything else belongs to the kernel (mem=, initrd=, umid=, …): not ours. */
}

void batu_parse_cmdline(const char *cmdline, struct batu_config *cfg)
{
	char token[2 * BATU_MAX_TEXT + 2];
	const char *p = cmdline;
	memset(cfg, 0, sizeof(*cfg));
	while (*p) {
		size_t len = 0;
		int quoted = 0, too_long = 0;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		/* The kernel's rule: spaces inside double quotes do not split; quotes are dropped. */
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (len < sizeof(token) - 1)
				token[len++] = *p;
			else
				too_long = 1;
		}
		token[len] = 0;
		if (too_long)
			error(cfg, "bad parameter %.40s…: longer than %zu characters", token, sizeof(token) - 2);
		else
			dispatch(cfg, token);
	}
}

void batu_iface_name(const struct batu_config *cfg, int i, char *buf, int len)
{
	snprintf(buf, (size_t)len, "%s%d", cfg->iface_kind[i] == 'v' ? "vec" : "eth", i);
}
