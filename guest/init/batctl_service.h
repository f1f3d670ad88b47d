#ifndef BATU_BATCTL_SERVICE_H
#define BATU_BATCTL_SERVICE_H
/* ro: only requests that read (run_batctl_wrapper=ro). */
int batctl_service_main(const char *ip, int ro);
int batctl_console_main(const char *tty);
int batctl_console_raw(const char *tty);
#define BATCTL_CONSOLE "/dev/tty1"
#endif
