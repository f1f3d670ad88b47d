/* One console line per event, prefixed batu-init:. */
#ifndef BATU_LOG_H
#define BATU_LOG_H
#include <stdio.h>
#define say(...) do { printf("batu-init: " __VA_ARGS__); putchar('\n'); fflush(stdout); } while (0)
#define BATCTL "/usr/sbin/batctl"
#endif
