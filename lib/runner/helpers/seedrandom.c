/* seedrandom.so: LD_PRELOAD into a UML kernel run in simulated time. UML's kernel draws
 * host randomness through getrandom(2) (its arch random source and its boot seed); here
 * those bytes come from a splitmix64 stream seeded by BATU_SIM_SEED, so a node boots with
 * the same entropy, and makes the same choices, whenever its scenario runs with that seed. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

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
