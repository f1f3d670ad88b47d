#ifndef BATU_CAPTURE_H
#define BATU_CAPTURE_H
/* Stream IFACE's frames to out as pcap until out's peer closes; 0 then, 1 (with a line to out) if it cannot. */
int capture_main(int out, const char *ifname);
#endif
