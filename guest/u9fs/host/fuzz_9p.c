/* libFuzzer target for u9fs's 9P2000.L decoder and dispatcher: an input is a run of
 * messages (size[4] type[1] tag[2] fields…, as a client sends them on one connection),
 * each answered by the server's own respond() against a scratch export. Run it inside a
 * sandbox that can write nothing else (scripts/fuzz.sh: bwrap, as nobody, the file system
 * read-only but for /tmp/export):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined fuzz_9p.c */
#define main u9fs_main
#include "../u9fs.c"
#undef main

#include <ftw.h>

#define EXPORT "/tmp/export"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

/* A fresh connection: no fids, no export attached, msize back to the maximum. */
static void reset(void)
{
	for (size_t i = 0; i < nfids; i++)
		if (fids[i].path)
			fid_release(&fids[i]);
	free(fids);
	fids = NULL;
	nfids = 0;
	free(export_root);
	free(export_name);
	export_root = export_name = NULL;
	msize = MAX_MSIZE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long inputs;
	if (inputs++ % 256 == 0)	/* what earlier inputs made goes, now and then */
		nftw(EXPORT, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	read_only = size > 0 && (data[0] & 0x80);
	for (size_t off = 1; off + 4 <= size;) {
		uint32_t len = data[off] | data[off + 1] << 8 | data[off + 2] << 16 | (uint32_t)data[off + 3] << 24;
		if (len < HEADER || len > msize || len > size - off)
			break;	/* serve() closes the connection here */
		memcpy(in, data + off, len);
		size_t reply = respond(len);
		if (reply < HEADER || reply > sizeof(out))
			abort();
		off += len;
	}
	reset();
	return 0;
}
