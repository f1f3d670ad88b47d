/* Supervised daemons: started once, restarted with backoff when they exit. */
#ifndef BATU_SERVICES_H
#define BATU_SERVICES_H
#include <sys/types.h>
#include <time.h>

struct service {
	const char *name;
	const char *argv[16];
	pid_t pid;
	int restarts;
	time_t started;
	time_t restart_at;	/* 0: running or stopped for good */
};

void service_start(struct service *s);
/* A child exited: if it was a service, log it and schedule its restart. */
void service_reaped(struct service *list, int n, pid_t pid, int status);
/* Start what is due; returns seconds until the next restart, or -1 if none is pending. */
int services_tick(struct service *list, int n);
#endif
