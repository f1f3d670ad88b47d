/* simcal: the calendar of a mesh in simulated time, and its wire.
 *
 *   simcal CALENDAR_SOCKET FD_SOCKET SEED [LOOKAHEAD_NS]
 *
 * UML nodes started with time-travel=ext:K:CALENDAR_SOCKET hand their clock to simcal
 * (include/uapi/linux/um_timetravel.h): exactly one node runs at a time, always the one
 * whose requested time is earliest (ties: the lower K), so a scenario replays exactly.
 *
 * Every descriptor a node has besides its calendar link comes from simcal: a node fetches
 * them with fdwire's client (`fdwire exec FD_SOCKET N=P:0`, pair P = K*16 + slot). Slot 0 is
 * its console (con0), slot 1 its batctl console (con1), slots 2.. its mesh interfaces
 * (vector transport=fd). simcal keeps the other end of each, so it is the wire: after a
 * node's turn it reads what the node wrote, stamps it with the node's time, and a frame
 * goes through its link's model (loss, rate, delay, jitter; a seeded PRNG) into the
 * receiver's queue; it is written into the receiver's socket just before the receiver's
 * next turn. UML runs a plain descriptor's interrupt only on its next turn, so a frame is
 * taken in at the receiver's first wakeup at or after its arrival time. A node whose kernel
 * turns such an interrupt into an event at the calendar's time (`wakes K`: batu's
 * line-sim-wake.patch and vector-sim-wake.patch in recipes/linux/patches/offload) is woken
 * for it instead: at the frame's arrival, or at a console command.
 *
 * Commands on stdin (one per line, obeyed between runs):
 *   node K                  node K is starting: runs wait until it has registered
 *   wakes K                 node K's frames and console input wake it (see above)
 *   link L A SA B SB        link L joins slot SA of node A and slot SB of node B
 *   shape L DELAY JITTER LOSS_PPM RATE   nanoseconds, nanoseconds, parts per million, bit/s (0: unlimited)
 *   cut L | restore L       drop everything sent into link L / carry it again
 *   send K HEX              write bytes into node K's batctl console
 *   capture L HEXPATH       write every frame sent into link L (both ways, before its loss)
 *                           to the file (pcap, nanoseconds, stamped with simulated time since
 *                           EPOCH_NS: one seed, one capture); `capture L` alone stops it
 *   kill K                  forget node K (the controller kills its process)
 *   run T                   run until simulated time T (ns)
 * Lines on stdout: `ready`; `joined K shared|plain` (which protocol node K speaks);
 * `out K SLOT T HEX` (console output, stamped with the node's time); `gone K T`;
 * `at T MESSAGES FRAMES TURNS` when a run is done; `error TEXT`.
 * With SIMCAL_TRACE=FILE in its environment it writes every turn, frame and delivery to
 * FILE: two runs of one seed that part show where, in a diff of their traces. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { ACK, START, REQUEST, WAIT, GET, UPDATE, RUN, FREE_UNTIL, GET_TOD, BROADCAST };
struct msg {
	uint32_t op, seq;
	uint64_t time;
};

/* The shared-memory schedule (Linux 6.11+, struct um_timetravel_schedshm): a node with it
 * keeps its request here instead of sending REQUEST, runs freely until free_until, and
 * neither RUN nor WAIT is acknowledged: two messages a turn instead of eight. Older
 * kernels ignore the descriptor and speak the plain protocol; simcal serves both. */
#define SHM_VERSION 2
#define CAP_TIME_SHARE 1
#define FLAG_REQ_RUN 1
struct shm_client {
	union {
		struct {
			uint32_t capa, flags;
			uint64_t req_time, name;
		};
		char reserve[128];
	};
};
struct schedshm {
	union {
		struct {
			uint32_t version, len;
			uint64_t free_until, current_time;
			uint16_t running_id, max_clients;
		};
		char hdr[4096];
	};
	struct shm_client clients[];
};

#define MAX_NODES 4096
#define SLOTS 16
#define MAX_LINKS 16384
/* The guests' wall clock: 2026-01-01T00:00:00Z plus simulated time. */
#define EPOCH_NS 1767225600000000000ULL

struct frame {
	struct frame *next;
	uint64_t arrival;
	size_t len;
	unsigned char data[];
};

struct end {
	int fd; /* simcal's end of the node's socketpair, or -1 */
	int link; /* the link this interface is on, or -1 */
	struct frame *head, *tail; /* frames on their way to the node, by arrival */
};

struct node {
	int conn; /* calendar connection, or -1 */
	int expected, registered;
	int requested;
	uint64_t request, time;
	/* Its kernel takes a frame or console input at once (`wakes K`); how far its clock may
	 * have run in its last turn (free_until): it is not woken before that. */
	int wakes;
	uint64_t bound;
	/* Shared-memory protocol: its clock is ours minus offset (our time when it joined). */
	int shared;
	uint64_t offset;
	struct end slot[SLOTS];
};

struct direction {
	uint64_t busy_until, last_arrival;
};

struct link {
	int used, cut;
	int node[2], slot[2];
	uint64_t delay, jitter, rate;
	uint32_t loss_ppm;
	struct direction dir[2];
	FILE *pcap; /* capture L */
};

static struct node nodes[MAX_NODES];
static struct link links[MAX_LINKS];
static uint64_t now, messages, frames, turns, rng;
static int top; /* nodes 0..top-1 have been named */
static int devnull = -1, shm_fd = -1;
static volatile struct schedshm *shm;
static uint64_t lookahead = 1000000; /* ns */
static FILE *trace;

/* splitmix64: one stream for the whole run, drawn in the calendar's (deterministic) order. */
static uint64_t draw(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void die(const char *what)
{
	printf("error %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static void hex_out(int k, int slot, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	printf("out %d %d %" PRIu64 " ", k, slot, now);
	for (size_t i = 0; i < len; i++) {
		putchar(digits[data[i] >> 4]);
		putchar(digits[data[i] & 15]);
	}
	putchar('\n');
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	strcpy(addr.sun_path, path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 256))
		die(path);
	return fd;
}

static void send_msg(struct node *n, uint32_t op, uint32_t seq, uint64_t time)
{
	struct msg m = { op, seq, time };
	messages++;
	if (write(n->conn, &m, sizeof(m)) != sizeof(m)) {
		/* A node that died mid-turn: its EOF is read next. */
	}
}

/* START is answered with the shared schedule and the node's slot in it (ID = K), plus
 * /dev/null as the unused log descriptor. (UML reads this ACK with recvmsg into an
 * uninitialised descriptor array: descriptors must come, or it closes whatever was there.) */
/* One CPU for the calendar and its nodes: only one of them runs at a time, and a turn is a
 * handful of hand-overs between two processes, each a wakeup; on one CPU a wakeup is a
 * context switch, across two an interrupt to a CPU that went idle meanwhile (10 idle nodes:
 * 37x real time pinned, 23x not). The CPU is the one simcal started on, where the host put
 * it. A node is pinned when it registers, before it starts its own processes (they inherit). */
static cpu_set_t cpu;

static void pin(pid_t pid)
{
	if (CPU_COUNT(&cpu))
		sched_setaffinity(pid, sizeof(cpu), &cpu);
}

static void ack_start(int conn, uint32_t seq, int k)
{
	struct msg m = { ACK, seq, (uint64_t)k };
	char space[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = space, .msg_controllen = sizeof(space) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
	int fds[2] = { shm_fd, devnull };
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	messages++;
	/* It maps the schedule now and takes our current time as its zero. */
	shm->current_time = now;
	shm->clients[k].capa = shm->clients[k].flags = 0;
	nodes[k].offset = now;
	sendmsg(conn, &mh, 0);
}

/* A shared-memory node's request, after it waited. */
static void read_request(struct node *n, int k)
{
	if (!n->shared && (shm->clients[k].capa & CAP_TIME_SHARE))
		n->shared = 1;
	if (n->shared && (shm->clients[k].flags & FLAG_REQ_RUN)) {
		n->requested = 1;
		n->request = shm->clients[k].req_time;
	}
}

static void drop_queue(struct end *e)
{
	while (e->head) {
		struct frame *f = e->head;
		e->head = f->next;
		free(f);
	}
	e->tail = NULL;
}

static void forget(int k)
{
	struct node *n = &nodes[k];
	if (n->conn >= 0)
		close(n->conn);
	n->conn = -1;
	n->expected = n->registered = n->requested = n->shared = 0;
	for (int s = 0; s < SLOTS; s++) {
		if (n->slot[s].fd >= 0)
			close(n->slot[s].fd);
		n->slot[s].fd = -1;
		drop_queue(&n->slot[s]);
	}
}

/* Bytes for a node's slot, written into its socket at its first turn from `arrival` on. */
static void queue(struct end *to, uint64_t arrival, const void *data, size_t len)
{
	struct frame *f = malloc(sizeof(*f) + len);
	if (!f)
		die("malloc");
	f->next = NULL;
	f->arrival = arrival;
	f->len = len;
	memcpy(f->data, data, len);
	if (to->tail)
		to->tail->next = f;
	else
		to->head = f;
	to->tail = f;
}

/* pcap with nanosecond time stamps (magic a1b23c4d), Ethernet frames. */
static void pcap_header(FILE *f)
{
	uint32_t h[6] = { 0xa1b23c4d, 2 | (4 << 16), 0, 0, 65535, 1 };
	fwrite(h, sizeof(h), 1, f);
}

static void pcap_frame(FILE *f, const unsigned char *data, size_t len)
{
	uint64_t t = EPOCH_NS + now;
	uint32_t caplen = len > 65535 ? 65535 : (uint32_t)len;
	uint32_t r[4] = { (uint32_t)(t / 1000000000ULL), (uint32_t)(t % 1000000000ULL), caplen, (uint32_t)len };
	fwrite(r, sizeof(r), 1, f);
	fwrite(data, caplen, 1, f);
}

/* A frame node k sent on slot s at `now`: through its link's model into the peer's queue. */
static void carry(int k, int s, const unsigned char *data, size_t len)
{
	struct end *from = &nodes[k].slot[s];
	if (from->link < 0)
		return;
	struct link *l = &links[from->link];
	int side = l->node[0] == k && l->slot[0] == s ? 0 : 1;
	int peer = l->node[1 - side], peer_slot = l->slot[1 - side];
	struct direction *d = &l->dir[side];
	struct end *to = &nodes[peer].slot[peer_slot];
	frames++;
	if (l->pcap && !l->cut)
		pcap_frame(l->pcap, data, len);
	if (l->cut || to->fd < 0 || !nodes[peer].registered)
		return;
	if (l->loss_ppm && draw() % 1000000 < l->loss_ppm)
		return;
	uint64_t start = now > d->busy_until ? now : d->busy_until;
	uint64_t tx = l->rate ? (uint64_t)len * 8 * 1000000000ULL / l->rate : 0;
	d->busy_until = start + tx;
	uint64_t arrival = start + tx + l->delay;
	if (l->jitter) {
		uint64_t j = draw() % (2 * l->jitter + 1);
		arrival = arrival + j >= l->jitter ? arrival + j - l->jitter : 0;
	}
	/* One direction of a link keeps its order, as a cable does. */
	if (arrival < d->last_arrival)
		arrival = d->last_arrival;
	d->last_arrival = arrival;
	if (trace) {
		uint64_t h = 1469598103934665603ULL;
		for (size_t i = 0; i < len; i++)
			h = (h ^ data[i]) * 1099511628211ULL;
		fprintf(trace, "  frame %d.%d -> %d.%d len %zu at %" PRIu64 " hash %016" PRIx64 "\n", k, s, peer, peer_slot, len, arrival, h);
	}
	queue(to, arrival, data, len);
}

/* After node k's turn: everything it wrote, stamped with its time (one poll finds which). */
static void drain(int k)
{
	static unsigned char buf[65536 + 64];
	struct pollfd p[SLOTS];
	int slot[SLOTS], np = 0;
	for (int s = 0; s < SLOTS; s++)
		if (nodes[k].slot[s].fd >= 0) {
			p[np] = (struct pollfd){ .fd = nodes[k].slot[s].fd, .events = POLLIN };
			slot[np++] = s;
		}
	if (poll(p, np, 0) <= 0)
		return;
	for (int i = 0; i < np; i++) {
		ssize_t len;
		if (!(p[i].revents & POLLIN))
			continue;
		while ((len = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			if (slot[i] < 2)
				hex_out(k, slot[i], buf, len);
			else
				carry(k, slot[i], buf, len);
		}
	}
}

/* Before node k's turn at `now`: frames (and console input) that have arrived by then.
 * Returns how many reached the node. */
static int deliver(int k)
{
	int written = 0;
	for (int s = 1; s < SLOTS; s++) {
		struct end *e = &nodes[k].slot[s];
		while (e->head && e->head->arrival <= now) {
			struct frame *f = e->head;
			/* A full receive queue drops the frame, as a full NIC ring would. */
			written += send(e->fd, f->data, f->len, MSG_DONTWAIT) == (ssize_t)f->len;
			if (trace)
				fprintf(trace, " deliver %d.%d len %zu\n", k, s, f->len);
			e->head = f->next;
			free(f);
		}
		if (!e->head)
			e->tail = NULL;
	}
	return written;
}

/* One message from node k, answered. Returns the op, or -1 when the node is gone. */
static int handle(int k)
{
	struct node *n = &nodes[k];
	struct msg m;
	ssize_t got = read(n->conn, &m, sizeof(m));
	if (got != sizeof(m)) {
		printf("gone %d %" PRIu64 "\n", k, now);
		forget(k);
		return -1;
	}
	messages++;
	switch (m.op) {
	case START:
		ack_start(n->conn, m.seq, k);
		return START;
	case WAIT:
		read_request(n, k);
		if (n->shared)
			return WAIT; /* not acknowledged in the shared-memory protocol */
		break;
	case REQUEST:
		n->request = m.time;
		n->requested = 1;
		break;
	case UPDATE:
		if (m.time > n->time)
			n->time = m.time;
		break;
	case GET:
		send_msg(n, ACK, m.seq, n->time);
		return GET;
	case GET_TOD:
		send_msg(n, ACK, m.seq, EPOCH_NS + n->time);
		return GET_TOD;
	case ACK:
		return ACK;
	}
	send_msg(n, ACK, m.seq, 0);
	return m.op;
}

/* When node k runs next: at its request; a node that wakes for what arrives (`wakes K`) also
 * at the arrival of the first frame or console input queued for it, though not before the
 * clock it may have run to in its last turn (its time must never go back). UINT64_MAX: not
 * until something changes. */
static uint64_t wake_time(const struct node *n)
{
	uint64_t t = n->requested ? n->request : UINT64_MAX;
	if (!n->wakes)
		return t;
	for (int s = 1; s < SLOTS; s++)
		if (n->slot[s].head) {
			uint64_t a = n->slot[s].head->arrival > n->bound ? n->slot[s].head->arrival : n->bound;
			if (a < t)
				t = a;
		}
	return t;
}

/* Node k's turn: RUN at its requested time, then answer it until it waits again. A
 * shared-memory node may move its own clock without asking up to free_until: the next
 * other node's turn, the next frame for it or the end of the run, at most `lookahead` ahead
 * (the many tiny steps of a UML clock, each read of which costs time, then need no round
 * trip). What it sends is stamped with its clock when it waits (a sim-wake kernel ends its
 * free run when it sends, and reports that clock; other kernels' output gets the turn's time). */
static void turn(int k, uint64_t until)
{
	struct node *n = &nodes[k];
	uint64_t wake = wake_time(n);
	int early = !n->requested || wake < n->request;
	now = wake > now ? wake : now;
	/* The turn is set up before anything is written into the node's sockets: the interrupt
	 * handler of a node that wakes for a frame runs in its SIGIO, before it reads RUN, reads
	 * the time and writes its request into the shared page, and must find the turn as it
	 * will stay (what it finds does not depend on when the host delivers the signal). */
	if (n->shared) {
		uint64_t free_until = now + lookahead < until ? now + lookahead : until;
		for (int o = 0; o < top; o++)
			if (o != k && nodes[o].registered) {
				uint64_t w = wake_time(&nodes[o]);
				if (w < free_until)
					free_until = w;
			}
		for (int s = 1; s < SLOTS; s++)
			if (n->slot[s].head && n->slot[s].head->arrival > now && n->slot[s].head->arrival < free_until)
				free_until = n->slot[s].head->arrival;
		/* Whatever else is due now, it may finish this instant: a frame it sends now
		 * reaches others at now at the earliest, and they run after it. */
		if (free_until <= now)
			free_until = now + 1;
		shm->current_time = now;
		shm->clients[k].flags &= ~FLAG_REQ_RUN;
		shm->running_id = k;
		shm->free_until = free_until;
	}
	/* Woken before its request, a node must get something: without that interrupt's event
	 * its kernel would find itself at a time no event of its own asked for. */
	if (!deliver(k) && early) {
		shm->running_id = 0;
		shm->free_until = now;
		return;
	}
	if (trace)
		fprintf(trace, "turn %d at %" PRIu64 " req %d %" PRIu64 " early %d\n", k, now, n->requested, n->request, early);
	n->time = n->bound = now;
	n->requested = 0;
	turns++;
	send_msg(n, RUN, 0, n->shared ? now - n->offset : now);
	for (int op = 0; op != WAIT;)
		if ((op = handle(k)) < 0)
			break;
	if (trace)
		fprintf(trace, " wait %d clock %" PRIu64 " req %d %" PRIu64 "\n", k, (uint64_t)shm->current_time, n->requested, n->request);
	/* Its clock as it waits: the time of what it sent, and the earliest it can be woken. */
	if (n->shared && shm->current_time > now)
		now = n->bound = shm->current_time;
	/* Between turns nobody may run ahead: free_until is now (a node's bound is free_until
	 * minus its offset, which must not wrap below zero for one that joined at now). */
	shm->running_id = 0;
	shm->free_until = now;
	drain(k);
}

static int next_node(uint64_t until)
{
	int best = -1;
	uint64_t best_wake = UINT64_MAX;
	for (int k = 0; k < top; k++) {
		uint64_t w = nodes[k].registered ? wake_time(&nodes[k]) : UINT64_MAX;
		if (w < until && w < best_wake) {
			best = k;
			best_wake = w;
		}
	}
	return best;
}

static void run(uint64_t until)
{
	for (int k; (k = next_node(until)) >= 0;)
		turn(k, until);
	if (until > now)
		now = shm->free_until = until;
	for (int l = 0; l < MAX_LINKS; l++)
		if (links[l].pcap)
			fflush(links[l].pcap); /* whole frames on disk whenever the controller sees a run end */
	printf("at %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", now, messages, frames, turns);
	fflush(stdout);
}

/* A node's descriptor request (fdwire's client protocol): "P E" → a fresh socketpair's end 0. */
static void serve_fd(int listener)
{
	int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC), p, e;
	char req[32] = "";
	if (conn < 0)
		return;
	ssize_t got = read(conn, req, sizeof(req) - 1);
	int k = 0, s = 0, pair[2];
	if (got > 0 && sscanf(req, "%d %d", &p, &e) == 2 && e == 0 && p >= 0 && (k = p / SLOTS) < MAX_NODES) {
		s = p % SLOTS;
		if (socketpair(AF_UNIX, (s < 2 ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0, pair))
			die("socketpair");
		int size = 4 << 20;
		for (int i = 0; i < 2; i++)
			setsockopt(pair[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		struct end *end = &nodes[k].slot[s];
		if (end->fd >= 0)
			close(end->fd);
		drop_queue(end);
		end->fd = pair[1];
		fcntl(pair[1], F_SETFL, O_NONBLOCK);
		char space[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec iov = { .iov_base = "k", .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = space, .msg_controllen = sizeof(space) };
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &pair[0], sizeof(int));
		sendmsg(conn, &mh, 0);
		close(pair[0]);
	} else if (got > 0) {
		dprintf(conn, "simcal: no descriptor %s (pair K*16+slot, end 0)\n", req);
	}
	close(conn);
}

static char *hex_in(const char *text, size_t *len)
{
	size_t n = strlen(text) / 2;
	char *out = malloc(n + 1);
	for (size_t i = 0; out && i < n; i++)
		sscanf(text + 2 * i, "%2hhx", (unsigned char *)&out[i]);
	if (out)
		out[n] = 0; /* a path's end */
	*len = n;
	return out;
}

static int valid_node(int k)
{
	return k >= 0 && k < MAX_NODES;
}

static int valid_link(int l)
{
	return l >= 0 && l < MAX_LINKS;
}

/* Obey one controller line; returns the time to run to, or 0. */
static uint64_t command(char *line)
{
	int k, l, a, sa, b, sb;
	uint64_t t, delay, jitter, rate;
	uint32_t loss;
	char hex[1 << 16];
	if (sscanf(line, "node %d", &k) == 1 && valid_node(k)) {
		/* Its descriptors it fetches afresh; its calendar link it makes anew. */
		if (nodes[k].conn >= 0)
			close(nodes[k].conn);
		nodes[k].conn = -1;
		nodes[k].registered = nodes[k].requested = nodes[k].wakes = 0;
		nodes[k].bound = now;
		nodes[k].expected = 1;
		nodes[k].time = now;
		if (k >= top)
			top = k + 1;
	} else if (sscanf(line, "wakes %d", &k) == 1 && valid_node(k)) {
		nodes[k].wakes = 1;
	} else if (sscanf(line, "link %d %d %d %d %d", &l, &a, &sa, &b, &sb) == 5 && valid_link(l) && valid_node(a) &&
		   valid_node(b) && sa >= 2 && sa < SLOTS && sb >= 2 && sb < SLOTS) {
		links[l] = (struct link){ .used = 1, .node = { a, b }, .slot = { sa, sb } };
		nodes[a].slot[sa].link = nodes[b].slot[sb].link = l;
	} else if (sscanf(line, "shape %d %" SCNu64 " %" SCNu64 " %" SCNu32 " %" SCNu64, &l, &delay, &jitter, &loss,
			  &rate) == 5 &&
		   valid_link(l) && links[l].used) {
		links[l].delay = delay;
		links[l].jitter = jitter;
		links[l].loss_ppm = loss;
		links[l].rate = rate;
	} else if (sscanf(line, "cut %d", &l) == 1 && valid_link(l) && links[l].used) {
		links[l].cut = 1;
	} else if (sscanf(line, "restore %d", &l) == 1 && valid_link(l) && links[l].used) {
		links[l].cut = 0;
	} else if (sscanf(line, "send %d %65535s", &k, hex) == 2 && valid_node(k) && nodes[k].slot[1].fd >= 0) {
		size_t len;
		char *bytes = hex_in(hex, &len);
		if (bytes && nodes[k].wakes)
			queue(&nodes[k].slot[1], now, bytes, len); /* written at its turn, which it wakes for */
		else if (!bytes || send(nodes[k].slot[1].fd, bytes, len, MSG_DONTWAIT) != (ssize_t)len)
			printf("error send %d: %s\n", k, strerror(errno));
		free(bytes);
	} else if (sscanf(line, "capture %d %65535s", &l, hex) >= 1 && valid_link(l) && links[l].used) {
		size_t len;
		char *path = strchr(line + 8, ' ') ? hex_in(hex, &len) : NULL;
		if (links[l].pcap)
			fclose(links[l].pcap);
		links[l].pcap = path ? fopen(path, "we") : NULL;
		if (path && !links[l].pcap)
			printf("error capture %d: %s: %s\n", l, path, strerror(errno));
		else if (links[l].pcap)
			pcap_header(links[l].pcap);
		free(path);
	} else if (sscanf(line, "kill %d", &k) == 1 && valid_node(k)) {
		forget(k);
	} else if (sscanf(line, "run %" SCNu64, &t) == 1) {
		return t ? t : 1;
	} else {
		printf("error bad command: %s\n", line);
	}
	fflush(stdout);
	return 0;
}

static int unregistered(void)
{
	for (int k = 0; k < top; k++)
		if (nodes[k].expected && !nodes[k].registered)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: simcal CALENDAR_SOCKET FD_SOCKET SEED [LOOKAHEAD_NS]\n");
		return 2;
	}
	/* Two descriptors per interface and console, one calendar link per node. */
	struct rlimit nofile;
	if (!getrlimit(RLIMIT_NOFILE, &nofile)) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	rng = strtoull(argv[3], NULL, 0);
	int here = sched_getcpu();
	if (here >= 0) {
		CPU_SET(here, &cpu);
		pin(0);
	}
	if (getenv("SIMCAL_TRACE"))
		trace = fopen(getenv("SIMCAL_TRACE"), "w");
	if (argc == 5)
		lookahead = strtoull(argv[4], NULL, 0);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	size_t shm_len = sizeof(struct schedshm) + MAX_NODES * sizeof(struct shm_client);
	shm_fd = memfd_create("batu-simcal", MFD_CLOEXEC);
	if (shm_fd < 0 || ftruncate(shm_fd, shm_len))
		die("memfd");
	shm = mmap(NULL, shm_len, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		die("mmap");
	shm->version = SHM_VERSION;
	shm->len = shm_len;
	shm->max_clients = MAX_NODES;
	/* Slot 0 is simcal's: "running" between turns, able to take requests in memory. */
	shm->clients[0].capa = CAP_TIME_SHARE;
	for (int k = 0; k < MAX_NODES; k++) {
		nodes[k].conn = -1;
		for (int s = 0; s < SLOTS; s++)
			nodes[k].slot[s] = (struct end){ .fd = -1, .link = -1 };
	}
	int calendar = listen_on(argv[1]), fds = listen_on(argv[2]);
	/* Calendar links not yet known to be whose (before START). */
	int anonymous[MAX_NODES], nanon = 0;
	static char input[1 << 17];
	size_t have = 0;
	uint64_t pending_run = 0;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (pending_run && !unregistered()) {
			run(pending_run);
			pending_run = 0;
			continue;
		}
		/* Between runs: the controller, descriptor requests, and nodes registering. */
		static struct pollfd p[3 + 2 * MAX_NODES];
		int np = 0, who[3 + 2 * MAX_NODES];
		p[np] = (struct pollfd){ .fd = 0, .events = POLLIN }, who[np++] = -1;
		p[np] = (struct pollfd){ .fd = calendar, .events = POLLIN }, who[np++] = -2;
		p[np] = (struct pollfd){ .fd = fds, .events = POLLIN }, who[np++] = -3;
		for (int i = 0; i < nanon; i++)
			p[np] = (struct pollfd){ .fd = anonymous[i], .events = POLLIN }, who[np++] = -4 - i;
		for (int k = 0; k < top; k++)
			if (nodes[k].conn >= 0 && !nodes[k].registered)
				p[np] = (struct pollfd){ .fd = nodes[k].conn, .events = POLLIN }, who[np++] = k;
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (who[i] == -1) {
				ssize_t got = read(0, input + have, sizeof(input) - 1 - have);
				if (got <= 0)
					return 0;
				have += got;
				char *nl;
				while ((nl = memchr(input, '\n', have))) {
					*nl = 0;
					uint64_t t = command(input);
					if (t)
						pending_run = t;
					have -= nl + 1 - input;
					memmove(input, nl + 1, have);
				}
			} else if (who[i] == -2) {
				int conn = accept4(calendar, NULL, NULL, SOCK_CLOEXEC);
				if (conn >= 0 && nanon < MAX_NODES)
					anonymous[nanon++] = conn;
			} else if (who[i] == -3) {
				serve_fd(fds);
			} else if (who[i] <= -4) {
				/* START names the node: its ID is K. */
				int idx = -4 - who[i], conn = anonymous[idx];
				struct msg m = { 0 };
				anonymous[idx] = anonymous[--nanon];
				if (read(conn, &m, sizeof(m)) != sizeof(m) || m.op != START || m.time >= MAX_NODES ||
				    !nodes[m.time].expected || nodes[m.time].conn >= 0) {
					printf("error calendar link refused (op %u id %" PRIu64 ")\n", m.op, m.time);
					close(conn);
					break;
				}
				messages++;
				nodes[m.time].conn = conn;
				struct ucred peer;
				socklen_t peer_len = sizeof(peer);
				if (!getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len))
					pin(peer.pid);
				ack_start(conn, m.seq, (int)m.time);
				break; /* the descriptor lists changed */
			} else {
				/* Registering: answered as they come, until its first WAIT. */
				int k = who[i];
				if (nodes[k].conn >= 0 && handle(k) == WAIT) {
					nodes[k].registered = 1;
					printf("joined %d %s\n", k, nodes[k].shared ? "shared" : "plain");
					drain(k);
				}
			}
		}
		fflush(stdout);
	}
}
