/* libFuzzer target for the init's command-line parser:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined fuzz_cmdline.c ../cmdline.c */
#include "../cmdline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct batu_config cfg;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	batu_parse_cmdline(text, &cfg);
	for (int i = 0; i < BATU_MAX_IFACES; i++) {
		char name[16];
		batu_iface_name(&cfg, i, name, sizeof(name));
	}
	free(text);
	return 0;
}
