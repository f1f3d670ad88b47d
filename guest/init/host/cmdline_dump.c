/* Host build of the init's parser: prints what it made of a command line as JSON, so
 * tests can check that the init accepts exactly what lib/cmdline renders.
 *   cmdline_dump 'service_ip=10.0.0.2 run_u9fs …' */
#include "../cmdline.h"

#include <arpa/inet.h>
#include <stdio.h>

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	static struct batu_config cfg;
	char ip[INET_ADDRSTRLEN] = "";
	const char *alfred[] = { "off", "slave", "master" };
	batu_parse_cmdline(argc > 1 ? argv[1] : "", &cfg);
	printf("{\"interfaces\":{");
	for (int i = 0, first = 1; i < BATU_MAX_IFACES; i++) {
		if (!cfg.iface_kind[i] && !cfg.mtu[i])
			continue;
		printf("%s\"%d\":{\"kind\":\"%s\",\"mtu\":%d}", first ? "" : ",", i,
		       cfg.iface_kind[i] == 'v' ? "vec" : cfg.iface_kind[i] == 'e' ? "eth" : "absent", cfg.mtu[i]);
		first = 0;
	}
	printf("},\"bat0_hwaddr\":");
	if (cfg.has_bat0_hwaddr)
		printf("\"%02x:%02x:%02x:%02x:%02x:%02x\"", cfg.bat0_hwaddr[0], cfg.bat0_hwaddr[1], cfg.bat0_hwaddr[2],
		       cfg.bat0_hwaddr[3], cfg.bat0_hwaddr[4], cfg.bat0_hwaddr[5]);
	else
		printf("null");
	if (cfg.has_service_ip)
		inet_ntop(AF_INET, &cfg.service_ip, ip, sizeof(ip));
	printf(",\"service_ip\":");
	if (cfg.has_service_ip)
		printf("\"%s/%d\"", ip, cfg.service_prefix);
	else
		printf("null");
	printf(",\"routing_algo\":");
	json_string(cfg.routing_algo);
	printf(",\"alfred\":\"%s\",\"run_u9fs\":%s,\"run_batctl_wrapper\":%s,\"run_batctl_console\":%s,\"writes\":[", alfred[cfg.alfred],
	       cfg.run_u9fs == 2 ? "\"ro\"" : cfg.run_u9fs ? "true" : "false", cfg.run_batctl_wrapper == 2 ? "\"ro\"" : cfg.run_batctl_wrapper ? "true" : "false", cfg.run_batctl_console ? "true" : "false");
	for (int i = 0; i < cfg.nwrites; i++) {
		printf("%s{\"path\":", i ? "," : "");
		json_string(cfg.writes[i].path);
		printf(",\"value\":");
		json_string(cfg.writes[i].value);
		printf("}");
	}
	printf("],\"errors\":[");
	for (int i = 0; i < cfg.nerrors; i++) {
		printf("%s", i ? "," : "");
		json_string(cfg.errors[i]);
	}
	printf("]}\n");
	return 0;
}
