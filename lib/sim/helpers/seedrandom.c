/* seedrandom.so: LD_PRELOAD into a UML kernel run in simulated time, so that it draws no
 * host entropy. UML's kernel takes host randomness two ways: getrandom(2) (its arch random
 * source and its boot seed) and its hw_random driver, which reads the host's /dev/random
 * and mixes what it reads into the pool. Here getrandom returns a splitmix64 stream seeded
 * by BATU_SIM_SEED, and /dev/random cannot be opened (the driver then stays away). A node
 * so boots with the same entropy, and makes the same choices, whenever its scenario runs
 * with that seed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t state;
static int seeded;

static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	if (!seeded) {
		const char *seed = getenv("BATU_SIM_SEED");
		state = seed ? strtoull(seed, NULL, 0) : 0;
		seeded = 1;
	}
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = next();
		memcpy((char *)buf + i, &v, len - i < 8 ? len - i : 8);
	}
	return len;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	if (!strcmp(path, "/dev/random") || !strcmp(path, "/dev/urandom") || !strcmp(path, "/dev/hwrng")) {
		errno = ENOENT;
		return -1;
	}
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}
