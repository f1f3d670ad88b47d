/*
 * ptrace-cost: what one trap of a traced process costs this host, the way UML traps its
 * guest processes: a syscall stop and resume (PTRACE_SYSCALL + waitpid), then also reading
 * the XSAVE area (PTRACE_GETREGSET NT_X86_XSTATE), then also writing it back (SETREGSET).
 * Modes alternate for 3 rounds; prints one JSON line of medians in µs per stop (wall, and
 * the tracer's CPU). Built and run by bench/xstate.ts.
 *
 *   ptrace-cost [STOPS]
 */
#define _GNU_SOURCE
#include <linux/elf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int stops = argc > 1 ? atoi(argv[1]) : 20000, status;
	static char area[65536];
	struct iovec iov = { area, sizeof(area) };
	double wall[3][3], cpu[3][3];
	pid_t child = fork();

	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		for (;;)
			syscall(SYS_getppid);
	}
	waitpid(child, &status, 0);
	if (ptrace(PTRACE_GETREGSET, child, NT_X86_XSTATE, &iov)) {
		perror("ptrace-cost: GETREGSET");
		return 1;
	}
	size_t bytes = iov.iov_len;

	for (int round = 0; round < 3; round++)
		for (int mode = 0; mode < 3; mode++) {
			double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);

			for (int i = 0; i < stops; i++) {
				ptrace(PTRACE_SYSCALL, child, 0, 0);
				waitpid(child, &status, 0);
				iov.iov_len = bytes;
				if (mode >= 1 && ptrace(PTRACE_GETREGSET, child, NT_X86_XSTATE, &iov))
					return perror("ptrace-cost: GETREGSET"), 1;
				if (mode >= 2 && ptrace(PTRACE_SETREGSET, child, NT_X86_XSTATE, &iov))
					return perror("ptrace-cost: SETREGSET"), 1;
			}
			wall[mode][round] = (seconds(CLOCK_MONOTONIC) - w0) / stops * 1e6;
			cpu[mode][round] = (seconds(CLOCK_PROCESS_CPUTIME_ID) - c0) / stops * 1e6;
		}
	kill(child, SIGKILL);
	for (int mode = 0; mode < 3; mode++) {
		qsort(wall[mode], 3, sizeof(double), by_value);
		qsort(cpu[mode], 3, sizeof(double), by_value);
	}
	printf("{\"xstate_bytes\":%zu,\"stops\":%d,"
	       "\"stop_us\":%.2f,\"stop_get_us\":%.2f,\"stop_get_set_us\":%.2f,"
	       "\"stop_cpu_us\":%.2f,\"stop_get_cpu_us\":%.2f,\"stop_get_set_cpu_us\":%.2f}\n",
	       bytes, stops, wall[0][1], wall[1][1], wall[2][1], cpu[0][1], cpu[1][1], cpu[2][1]);
	return 0;
}
