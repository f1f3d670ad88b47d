#ifndef BATU_BATCTL_SERVICE_H
#define BATU_BATCTL_SERVICE_H
int batctl_service_main(const char *ip);
#endif
