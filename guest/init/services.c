#include "services.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void service_start(struct service *s)
{
	sigset_t none;
	pid_t pid = fork();
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		execv(s->argv[0], (char *const *)s->argv);
		fail("cannot start %s (%s): %s", s->name, s->argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		fail("cannot fork for %s: %s", s->name, strerror(errno));
		s->restart_at = time(NULL) + 1;
		return;
	}
	s->pid = pid;
	s->started = time(NULL);
	s->restart_at = 0;
	say("started %s (pid %d)", s->name, (int)pid);
}

void service_reaped(struct service *list, int n, pid_t pid, int status)
{
	for (int i = 0; i < n; i++) {
		struct service *s = &list[i];
		int delay;
		if (s->pid != pid)
			continue;
		s->pid = 0;
		if (time(NULL) - s->started > 30)
			s->restarts = 0;	/* it ran a good while: start over with short delays */
		delay = 1 << (s->restarts < 5 ? s->restarts : 5);
		if (delay > 30)
			delay = 30;
		s->restarts++;
		s->restart_at = time(NULL) + delay;
		if (WIFSIGNALED(status))
			say("%s (pid %d) killed by signal %d; restarting in %d s", s->name, (int)pid, WTERMSIG(status), delay);
		else
			say("%s (pid %d) exited with status %d; restarting in %d s", s->name, (int)pid, WEXITSTATUS(status), delay);
		return;
	}
}

int services_tick(struct service *list, int n)
{
	time_t now = time(NULL);
	int next = -1;
	for (int i = 0; i < n; i++) {
		if (!list[i].restart_at)
			continue;
		if (list[i].restart_at <= now)
			service_start(&list[i]);
		else if (next < 0 || list[i].restart_at - now < next)
			next = (int)(list[i].restart_at - now);
	}
	return next;
}
