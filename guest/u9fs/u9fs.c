/* u9fs: the guest's 9P2000.L file server behind run_u9fs, so the host can mount or copy
 * the guest's files. Small on purpose (a node's memory is the budget): static, one
 * process per connection, a fid is a path, no authentication (it listens on the
 * management link only). A connection's export is the directory its first attach names
 * (the aname, default /): the process chroots there, so neither .. nor a symlink leads out.
 *
 *   u9fs [-r] -l ADDR:PORT   listen, one child per connection (-r: read-only, EROFS)
 *   u9fs [-r]                serve the connection on stdin/stdout (inetd style)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_MSIZE (64 * 1024 + 24)
#define HEADER 7	/* size[4] type[1] tag[2] */
#define NOFID 0xffffffffu

enum {
	Rlerror = 7, Tstatfs = 8, Tlopen = 12, Tlcreate = 14, Tsymlink = 16, Tmknod = 18, Trename = 20,
	Treadlink = 22, Tgetattr = 24, Tsetattr = 26, Txattrwalk = 30, Txattrcreate = 32, Treaddir = 40,
	Tfsync = 50, Tlock = 52, Tgetlock = 54, Tlink = 70, Tmkdir = 72, Trenameat = 74, Tunlinkat = 76,
	Tversion = 100, Tauth = 102, Tattach = 104, Tflush = 108, Twalk = 110, Tread = 116, Twrite = 118,
	Tclunk = 120, Tremove = 122,
};

/* Tsetattr's valid bits. */
enum { SET_MODE = 1, SET_UID = 2, SET_GID = 4, SET_SIZE = 8, SET_ATIME = 16, SET_MTIME = 32,
	SET_ATIME_SET = 128, SET_MTIME_SET = 256 };

struct fid {
	uint32_t id;
	char *path;
	int fd;		/* -1 until opened */
	DIR *dir;	/* made on the first readdir */
};

static struct fid *fids;
static size_t nfids;
/* The export: a connection is confined to the first aname it attaches (chroot, so neither
 * .. nor a symlink leads out); without the privilege for chroot, .. still stops at it. */
static char *export_root, *export_name;
static int read_only;	/* -r: every request that would change a file gets EROFS */
static uint32_t msize = MAX_MSIZE;
static unsigned char in[MAX_MSIZE], out[MAX_MSIZE];

/* --- message fields: reads past the end mark the message bad instead of overrunning --- */

struct reader { unsigned char *p, *end; int bad; };

static uint64_t get(struct reader *r, int bytes)
{
	uint64_t v = 0;
	if (r->end - r->p < bytes) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += bytes;
	return v;
}

/* A string field as a C string (into buf); names with '/' or NUL are marked bad. */
static char *get_str(struct reader *r, char *buf, size_t len)
{
	size_t n = (size_t)get(r, 2);
	if (r->bad || (size_t)(r->end - r->p) < n || n >= len) {
		r->bad = 1;
		buf[0] = 0;
		return buf;
	}
	memcpy(buf, r->p, n);
	buf[n] = 0;
	r->p += n;
	if (strlen(buf) != n)
		r->bad = 1;
	return buf;
}

static size_t used = HEADER;

static void put(uint64_t v, int bytes)
{
	for (int i = 0; i < bytes && used < sizeof(out); i++)
		out[used++] = (unsigned char)(v >> (8 * i));
}

static void put_str(const char *s)
{
	size_t n = strlen(s);
	put(n, 2);
	if (used + n <= sizeof(out)) {
		memcpy(out + used, s, n);
		used += n;
	}
}

static void put_qid(const struct stat *st)
{
	put(S_ISDIR(st->st_mode) ? 0x80 : S_ISLNK(st->st_mode) ? 0x02 : 0, 1);
	put((uint32_t)st->st_mtime ^ (uint32_t)st->st_size, 4);
	put(st->st_ino, 8);
}

/* --- fids --- */

static struct fid *fid_find(uint32_t id)
{
	for (size_t i = 0; i < nfids; i++)
		if (fids[i].path && fids[i].id == id)
			return &fids[i];
	return NULL;
}

static void fid_release(struct fid *f)
{
	if (f->dir)
		closedir(f->dir);
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	*f = (struct fid){ .fd = -1 };
}

/* Bind id to path (taking it), replacing what id held. */
static int fid_bind(uint32_t id, char *path)
{
	struct fid *f = fid_find(id);
	if (!path)
		return -ENOMEM;
	if (f)
		fid_release(f);
	for (size_t i = 0; !f && i < nfids; i++)
		if (!fids[i].path)
			f = &fids[i];
	if (!f) {
		struct fid *more = realloc(fids, (nfids + 16) * sizeof(*fids));
		if (!more) {
			free(path);
			return -ENOMEM;
		}
		fids = more;
		for (size_t i = nfids; i < nfids + 16; i++)
			fids[i] = (struct fid){ .fd = -1 };
		f = &fids[nfids];
		nfids += 16;
	}
	*f = (struct fid){ .id = id, .path = path, .fd = -1 };
	return 0;
}

static char *join(const char *dir, const char *name)
{
	char *path;
	if (!strcmp(name, ".."))	/* at the export's root, .. is the root itself */
		return export_root && strcmp(dir, export_root) && strcmp(dir, "/") ? strndup(dir, (size_t)(strrchr(dir, '/') - dir) ?: 1) : strdup(dir);
	return asprintf(&path, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0 ? NULL : path;
}

/* A name a client may create or remove in a directory. */
static int bad_name(const char *name)
{
	return !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..");
}

/* --- requests: each returns 0 with the reply's fields put, or a negative errno --- */

static int version(struct reader *r)
{
	char v[32];
	uint32_t want = (uint32_t)get(r, 4);
	get_str(r, v, sizeof(v));
	if (r->bad)
		return -EPROTO;
	for (size_t i = 0; i < nfids; i++)
		if (fids[i].path)
			fid_release(&fids[i]);
	msize = want < MAX_MSIZE ? want : MAX_MSIZE;
	put(msize, 4);
	put_str(strncmp(v, "9P2000.L", 8) ? "unknown" : "9P2000.L");
	return 0;
}

static int attach(struct reader *r)
{
	char uname[256], aname[4096];
	struct stat st;
	uint32_t fid = (uint32_t)get(r, 4);
	get(r, 4);	/* afid: no authentication */
	get_str(r, uname, sizeof(uname));
	get_str(r, aname, sizeof(aname));
	if (r->bad)
		return -EPROTO;
	if (!*aname)
		strcpy(aname, "/");
	if (export_name) {	/* one export per connection: the one it attached first */
		if (strcmp(aname, export_name))
			return -EPERM;
	} else {
		if (aname[0] != '/' || strstr(aname, "/.."))
			return -EINVAL;
		if (lstat(aname, &st))
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		if (!chroot(aname) && !chdir("/"))
			export_root = strdup("/");
		else if (errno == EPERM)
			export_root = strdup(aname);
		else
			return -errno;
		export_name = strdup(aname);
		if (!export_root || !export_name)
			return -ENOMEM;
	}
	if (lstat(export_root, &st))
		return -errno;
	int rc = fid_bind(fid, strdup(export_root));
	if (!rc)
		put_qid(&st);
	return rc;
}

static int walk(struct reader *r)
{
	char name[256];
	struct stat st;
	struct fid *f = fid_find((uint32_t)get(r, 4));
	uint32_t newfid = (uint32_t)get(r, 4);
	unsigned n = (unsigned)get(r, 2);
	if (r->bad || n > 16)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (newfid == f->id && n == 0) {	/* a no-op: the fid stays as it is, open or not */
		put(0, 2);
		return 0;
	}
	if (f->fd >= 0 && newfid == f->id)
		return -EBUSY;
	char *path = strdup(f->path);
	size_t count = used;
	put(0, 2);	/* nwqid, set below */
	unsigned done = 0;
	for (; path && done < n; done++) {
		char *next = join(path, get_str(r, name, sizeof(name)));
		if (r->bad || strchr(name, '/') || !next || lstat(next, &st)) {
			int err = r->bad || strchr(name, '/') ? EINVAL : next ? errno : ENOMEM;
			free(next);
			if (done == 0) {
				free(path);
				return -err;
			}
			break;
		}
		free(path);
		path = next;
		put_qid(&st);
	}
	out[count] = (unsigned char)done;
	out[count + 1] = 0;
	if (done < n) {	/* partial: the qids so far, newfid not made */
		free(path);
		return 0;
	}
	return fid_bind(newfid, path);
}

/* Linux open(2) flags a client may ask for (9P2000.L uses Linux's values). */
static int open_flags(uint32_t flags)
{
	return (int)(flags & (O_ACCMODE | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | O_SYNC)) | O_CLOEXEC | O_NOCTTY;
}

static int lopen(struct reader *r)
{
	struct stat st;
	struct fid *f = fid_find((uint32_t)get(r, 4));
	uint32_t flags = (uint32_t)get(r, 4);
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (f->fd >= 0)
		return -EBUSY;
	if (read_only && ((flags & O_ACCMODE) != O_RDONLY || flags & O_TRUNC))
		return -EROFS;
	f->fd = open(f->path, open_flags(flags));
	if (f->fd < 0 || fstat(f->fd, &st))
		return -errno;
	put_qid(&st);
	put(0, 4);	/* iounit: msize - 24 */
	return 0;
}

static int lcreate(struct reader *r)
{
	char name[256];
	struct stat st;
	struct fid *f = fid_find((uint32_t)get(r, 4));
	get_str(r, name, sizeof(name));
	uint32_t flags = (uint32_t)get(r, 4), mode = (uint32_t)get(r, 4);
	get(r, 4);	/* gid */
	if (r->bad || bad_name(name))
		return r->bad ? -EPROTO : -EINVAL;
	if (!f)
		return -EBADF;
	char *path = join(f->path, name);
	int fd = path ? open(path, open_flags(flags) | O_CREAT, mode & 07777) : -1;
	if (fd < 0 || fstat(fd, &st)) {
		int err = path ? errno : ENOMEM;
		free(path);
		if (fd >= 0)
			close(fd);
		return -err;
	}
	free(f->path);
	f->path = path;	/* the fid now stands for the new, open file */
	f->fd = fd;
	put_qid(&st);
	put(0, 4);
	return 0;
}

static int do_read(struct reader *r)
{
	struct fid *f = fid_find((uint32_t)get(r, 4));
	uint64_t offset = get(r, 8);
	uint32_t count = (uint32_t)get(r, 4);
	if (r->bad)
		return -EPROTO;
	if (!f || f->fd < 0)
		return -EBADF;
	if (count > msize - HEADER - 4)
		count = msize - HEADER - 4;
	ssize_t n = pread(f->fd, out + used + 4, count, (off_t)offset);
	if (n < 0)
		return -errno;
	put((uint64_t)n, 4);
	used += (size_t)n;
	return 0;
}

static int do_write(struct reader *r)
{
	struct fid *f = fid_find((uint32_t)get(r, 4));
	uint64_t offset = get(r, 8);
	uint32_t count = (uint32_t)get(r, 4);
	if (r->bad || (size_t)(r->end - r->p) < count)
		return -EPROTO;
	if (!f || f->fd < 0)
		return -EBADF;
	ssize_t n = pwrite(f->fd, r->p, count, (off_t)offset);
	if (n < 0)
		return -errno;
	put((uint64_t)n, 4);
	return 0;
}

static int getattr(struct fid *f)
{
	struct stat st;
	if (lstat(f->path, &st))
		return -errno;
	put(0x7ff, 8);	/* valid: the basic set */
	put_qid(&st);
	put(st.st_mode, 4); put(st.st_uid, 4); put(st.st_gid, 4);
	put(st.st_nlink, 8); put(st.st_rdev, 8); put((uint64_t)st.st_size, 8);
	put((uint64_t)st.st_blksize, 8); put((uint64_t)st.st_blocks, 8);
	put((uint64_t)st.st_atim.tv_sec, 8); put((uint64_t)st.st_atim.tv_nsec, 8);
	put((uint64_t)st.st_mtim.tv_sec, 8); put((uint64_t)st.st_mtim.tv_nsec, 8);
	put((uint64_t)st.st_ctim.tv_sec, 8); put((uint64_t)st.st_ctim.tv_nsec, 8);
	put(0, 8); put(0, 8); put(0, 8); put(0, 8);	/* btime, gen, data_version */
	return 0;
}

static int setattr(struct fid *f, struct reader *r)
{
	uint32_t valid = (uint32_t)get(r, 4), mode = (uint32_t)get(r, 4);
	uint32_t uid = (uint32_t)get(r, 4), gid = (uint32_t)get(r, 4);
	uint64_t size = get(r, 8);
	struct timespec times[2];
	for (int i = 0; i < 2; i++) {
		times[i].tv_sec = (time_t)get(r, 8);
		times[i].tv_nsec = (long)get(r, 8);
	}
	if (r->bad)
		return -EPROTO;
	if ((valid & SET_MODE) && chmod(f->path, mode & 07777))
		return -errno;
	if ((valid & (SET_UID | SET_GID)) && lchown(f->path, valid & SET_UID ? uid : (uid_t)-1, valid & SET_GID ? gid : (gid_t)-1))
		return -errno;
	if ((valid & SET_SIZE) && truncate(f->path, (off_t)size))
		return -errno;
	if (valid & (SET_ATIME | SET_MTIME)) {
		if (!(valid & SET_ATIME))
			times[0].tv_nsec = UTIME_OMIT;
		else if (!(valid & SET_ATIME_SET))
			times[0].tv_nsec = UTIME_NOW;
		if (!(valid & SET_MTIME))
			times[1].tv_nsec = UTIME_OMIT;
		else if (!(valid & SET_MTIME_SET))
			times[1].tv_nsec = UTIME_NOW;
		if (utimensat(AT_FDCWD, f->path, times, AT_SYMLINK_NOFOLLOW))
			return -errno;
	}
	return 0;
}

/* Entries from the directory cookie `offset` on, as many as fit in count bytes. */
static int readdir_(struct fid *f, struct reader *r)
{
	uint64_t offset = get(r, 8);
	uint32_t count = (uint32_t)get(r, 4);
	struct dirent *de;
	if (r->bad)
		return -EPROTO;
	if (f->fd < 0)
		return -EBADF;
	if (!f->dir) {
		int fd = dup(f->fd);
		if (fd < 0 || !(f->dir = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			return -errno;
		}
	}
	if (count > msize - HEADER - 4)
		count = msize - HEADER - 4;
	if (offset)
		seekdir(f->dir, (long)offset);
	else
		rewinddir(f->dir);
	size_t start = used;
	put(0, 4);	/* count, set below */
	while ((de = readdir(f->dir))) {
		size_t len = strlen(de->d_name);
		if (used - start - 4 + 13 + 8 + 1 + 2 + len > count)
			break;
		put(de->d_type == DT_DIR ? 0x80 : de->d_type == DT_LNK ? 0x02 : 0, 1);
		put(0, 4);
		put(de->d_ino, 8);
		put((uint64_t)de->d_off, 8);
		put(de->d_type, 1);
		put_str(de->d_name);
	}
	uint32_t n = (uint32_t)(used - start - 4);
	memcpy(out + start, (unsigned char[]){ n, n >> 8, n >> 16, n >> 24 }, 4);
	return 0;
}

/* Make `name` in directory fid `dir` (mkdir, symlink, mknod), reply its qid. */
static int make(struct reader *r, int type)
{
	char name[256], target[4096];
	struct stat st;
	struct fid *dir = fid_find((uint32_t)get(r, 4));
	uint32_t mode = 0, major = 0, minor = 0;
	get_str(r, name, sizeof(name));
	if (type == Tsymlink)
		get_str(r, target, sizeof(target));
	else
		mode = (uint32_t)get(r, 4);
	if (type == Tmknod) {
		major = (uint32_t)get(r, 4);
		minor = (uint32_t)get(r, 4);
	}
	get(r, 4);	/* gid */
	if (r->bad || bad_name(name))
		return r->bad ? -EPROTO : -EINVAL;
	if (!dir)
		return -EBADF;
	char *path = join(dir->path, name);
	int rc = !path ? -ENOMEM
		: type == Tmkdir ? mkdir(path, mode & 07777)
		: type == Tsymlink ? symlink(target, path)
		: mknod(path, mode, makedev(major, minor));
	if (!rc && lstat(path, &st))
		rc = -1;
	if (rc == -1)
		rc = -errno;
	free(path);
	if (!rc)
		put_qid(&st);
	return rc;
}

/* Trenameat, Tunlinkat and Tlink: directory fid + name(s). */
static int dir_op(struct reader *r, int type)
{
	char name[256], newname[256];
	struct fid *a = fid_find((uint32_t)get(r, 4)), *b = NULL;
	uint32_t flags = 0;
	if (type == Tlink)
		b = fid_find((uint32_t)get(r, 4));
	get_str(r, name, sizeof(name));
	if (type == Trenameat) {
		b = fid_find((uint32_t)get(r, 4));
		get_str(r, newname, sizeof(newname));
	}
	if (type == Tunlinkat)
		flags = (uint32_t)get(r, 4);
	if (r->bad || bad_name(name) || (type == Trenameat && bad_name(newname)))
		return r->bad ? -EPROTO : -EINVAL;
	if (!a || (type != Tunlinkat && !b))
		return -EBADF;
	char *path = join(a->path, name), *other = type == Trenameat ? join(b->path, newname) : NULL;
	int rc = !path || (type == Trenameat && !other) ? -ENOMEM
		: type == Tunlinkat ? unlinkat(AT_FDCWD, path, flags & AT_REMOVEDIR)
		: type == Trenameat ? rename(path, other)
		: link(b->path, path);
	if (rc == -1)
		rc = -errno;
	free(path);
	free(other);
	return rc;
}

static int handle(int type, struct reader *r)
{
	if (read_only)
		switch (type) {
		case Tlcreate: case Twrite: case Tmkdir: case Tsymlink: case Tmknod:
		case Trenameat: case Tunlinkat: case Tlink: case Tsetattr: case Trename:
			return -EROFS;
		}
	switch (type) {
	case Tversion:
		return version(r);
	case Tattach:
		return attach(r);
	case Twalk:
		return walk(r);
	case Tlopen:
		return lopen(r);
	case Tlcreate:
		return lcreate(r);
	case Tread:
		return do_read(r);
	case Twrite:
		return do_write(r);
	case Tflush:	/* requests are answered in order: nothing is ever pending */
		return 0;
	case Tmkdir: case Tsymlink: case Tmknod:
		return make(r, type);
	case Trenameat: case Tunlinkat: case Tlink:
		return dir_op(r, type);
	case Tauth:	/* what diod's clients take as "no authentication needed" */
		return -ENOENT;
	case Txattrwalk: case Txattrcreate:
		return -EOPNOTSUPP;
	}

	/* The rest act on one fid, named first. */
	struct fid *f = fid_find((uint32_t)get(r, 4));
	struct statfs sfs;
	char buf[4096], name[256];
	ssize_t n;
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	switch (type) {
	case Tclunk:
		fid_release(f);
		return 0;
	case Tremove: {
		int rc = read_only ? -EROFS : remove(f->path) ? -errno : 0;
		fid_release(f);	/* clunked even when the remove fails */
		return rc;
	}
	case Tgetattr:
		return getattr(f);
	case Tsetattr:
		return setattr(f, r);
	case Treaddir:
		return readdir_(f, r);
	case Tfsync:
		return f->fd >= 0 && fsync(f->fd) ? -errno : 0;
	case Treadlink:
		if ((n = readlink(f->path, buf, sizeof(buf) - 1)) < 0)
			return -errno;
		buf[n] = 0;
		put_str(buf);
		return 0;
	case Tstatfs:
		if (statfs(f->path, &sfs))
			return -errno;
		put((uint64_t)sfs.f_type, 4); put((uint64_t)sfs.f_bsize, 4);
		put(sfs.f_blocks, 8); put(sfs.f_bfree, 8); put(sfs.f_bavail, 8);
		put(sfs.f_files, 8); put(sfs.f_ffree, 8);
		put((uint64_t)(uint32_t)sfs.f_fsid.__val[0] | (uint64_t)(uint32_t)sfs.f_fsid.__val[1] << 32, 8);
		put((uint64_t)sfs.f_namelen, 4);
		return 0;
	case Tlock:	/* advisory locks are the guest's business: always granted */
		put(0, 1);
		return 0;
	case Tgetlock: {
		get(r, 1);
		uint64_t start = get(r, 8), length = get(r, 8);
		uint32_t proc = (uint32_t)get(r, 4);
		get_str(r, name, sizeof(name));
		put(F_UNLCK, 1); put(start, 8); put(length, 8); put(proc, 4); put_str(name);
		return 0;
	}
	case Trename: {
		struct fid *dir = fid_find((uint32_t)get(r, 4));
		get_str(r, name, sizeof(name));
		if (r->bad || bad_name(name))
			return r->bad ? -EPROTO : -EINVAL;
		char *path = dir ? join(dir->path, name) : NULL;
		if (!path)
			return dir ? -ENOMEM : -EBADF;
		if (rename(f->path, path)) {
			free(path);
			return -errno;
		}
		free(f->path);
		f->path = path;
		return 0;
	}
	}
	return -EOPNOTSUPP;
}

static int read_full(int fd, unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Answer the message of `size` bytes in `in` (HEADER <= size <= msize) into `out`; returns the reply's length. */
static size_t respond(uint32_t size)
{
	struct reader r = { in + HEADER, in + size, 0 };
	int type = in[4];
	used = HEADER;
	int rc = handle(type, &r);
	if (rc < 0) {
		used = HEADER;
		put((uint32_t)-rc, 4);
	}
	out[4] = (unsigned char)(rc < 0 ? Rlerror : type + 1);
	out[5] = in[5];
	out[6] = in[6];
	memcpy(out, (unsigned char[]){ used, used >> 8, used >> 16, used >> 24 }, 4);
	return used;
}

/* One connection, until the peer closes it or breaks the protocol. */
static int serve(int in_fd, int out_fd)
{
	for (;;) {
		if (read_full(in_fd, in, 4))
			return 0;
		uint32_t size = in[0] | in[1] << 8 | in[2] << 16 | (uint32_t)in[3] << 24;
		if (size < HEADER || size > msize || read_full(in_fd, in + 4, size - 4)) {
			fprintf(stderr, "u9fs: bad message of %u bytes; closing the connection\n", size);
			return 1;
		}
		if (write_full(out_fd, out, respond(size)))
			return 1;
	}
}

static int listen_on(const char *spec)
{
	char host[64];
	unsigned port;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, fd;
	if (sscanf(spec, "%63[^:]:%u", host, &port) != 2 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "u9fs: bad listen address %s (want IPV4:PORT)\n", spec);
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		fprintf(stderr, "u9fs: cannot listen on %s: %s\n", spec, strerror(errno));
		return 1;
	}
	signal(SIGCHLD, SIG_IGN);	/* children reap themselves */
	for (;;) {
		int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				fprintf(stderr, "u9fs: accept: %s\n", strerror(errno));
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(fd);
			_exit(serve(conn, conn));
		}
		if (pid < 0)
			fprintf(stderr, "u9fs: fork: %s\n", strerror(errno));
		close(conn);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "-r")) {
		read_only = 1;
		argc--, argv++;
	}
	if (argc == 3 && !strcmp(argv[1], "-l"))
		return listen_on(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: u9fs [-r] [-l IPV4:PORT]\n");
		return 2;
	}
	return serve(0, 1);
}
