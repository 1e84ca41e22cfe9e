/*
 * blob_fs.c - the directory backend of the blob store (DESIGN.md section 3).
 *
 * Layout under the root:  tmp/            temp files being written
 *                         ab/cd/abcd...   a blob, named by its SHA-256 in hex
 * A put writes a temp file, fsyncs it, link()s it to its final name (EEXIST means
 * another writer got there first: the size is checked and the copy dropped), then
 * fsyncs the fan-out directory so the name itself is durable.  link() is atomic on
 * local filesystems and on NFS/CephFS, and temp names carry host, pid and a counter,
 * so several nodes can share one root.  On Linux the temp file is an unnamed
 * O_TMPFILE when the filesystem supports it, so a killed writer leaves nothing behind.
 *
 * list() walks the two fan-out levels (gc and verify use it through blob_list).
 *
 * Exports blob_backend_fs.
 */
#include "blob-private.h"

#include "base/buf.h"
#include "base/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct blob_fs {
	char *root;
	char host[64];
	uint64_t temp_seq;
	uint64_t fsyncs;
	int no_tmpfile; /* O_TMPFILE unsupported here: use named temp files */
	/* Running as root on a root owned by the service user (cairnctl import, gc):
	   give what we create to that owner, so the daemons can still write there. */
	int chown_new;
	uid_t owner_uid;
	gid_t owner_gid;
};

#define BLOB_FS_PATH_MAX (PATH_MAX + 1)

static void blob_fs_path(const struct blob_fs *fs, const struct blob_id *id, char *path_r)
{
	char hex[BLOB_HEX_LEN + 1];
	blob_id_hex(id, hex);
	snprintf(path_r, BLOB_FS_PATH_MAX, "%s/%.2s/%.2s/%s", fs->root, hex, hex + 2, hex);
}

static int blob_fs_fsync_path(struct blob_fs *fs, const char *path, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		*error_r = store_errorf("blob store: open %s: %s", path, strerror(errno));
		return -1;
	}
	fs->fsyncs++;
	int r = fsync(fd);
	int saved = errno;
	close(fd);
	if (r < 0) {
		*error_r = store_errorf("blob store: fsync %s: %s", path, strerror(saved));
		return -1;
	}
	return 0;
}

/* mkdir path; when it was created, fsync its parent so the new entry is durable. */
static int blob_fs_mkdir(struct blob_fs *fs, const char *path, const char **error_r)
{
	if (mkdir(path, 0750) < 0) {
		if (errno == EEXIST)
			return 0;
		*error_r = store_errorf("blob store: mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	if (fs->chown_new && chown(path, fs->owner_uid, fs->owner_gid) < 0) {
		*error_r = store_errorf("blob store: chown %s: %s", path, strerror(errno));
		return -1;
	}
	char parent[BLOB_FS_PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent)
		*slash = '\0';
	return blob_fs_fsync_path(fs, parent, error_r);
}

static void *blob_fs_open(const char *location, const char **error_r)
{
	if (location[0] == '\0' || strlen(location) > PATH_MAX - 100) {
		*error_r = store_errorf("blob store: bad root '%s'", location);
		return NULL;
	}
	struct blob_fs *fs = xcalloc(1, sizeof(*fs));
	fs->root = xstrdup(location);
	size_t n = strlen(fs->root);
	while (n > 1 && fs->root[n - 1] == '/')
		fs->root[--n] = '\0';
	if (gethostname(fs->host, sizeof(fs->host) - 1) < 0 || fs->host[0] == '\0')
		snprintf(fs->host, sizeof(fs->host), "localhost");
	for (char *p = fs->host; *p; p++)
		if (*p == '/' || *p == '.')
			*p = '_';
	char tmp[BLOB_FS_PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/tmp", fs->root);
	int ok = blob_fs_mkdir(fs, fs->root, error_r) == 0;
	struct stat st;
	if (ok && geteuid() == 0 && stat(fs->root, &st) == 0 && st.st_uid != 0) {
		fs->chown_new = 1;
		fs->owner_uid = st.st_uid;
		fs->owner_gid = st.st_gid;
	}
	if (!ok || blob_fs_mkdir(fs, tmp, error_r) < 0) {
		free(fs->root);
		free(fs);
		return NULL;
	}
	return fs;
}

static void blob_fs_close(void *ctx)
{
	struct blob_fs *fs = ctx;
	free(fs->root);
	free(fs);
}

static int blob_fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A unique temp name: unique across nodes sharing the root (host), processes, calls. */
static void blob_fs_temp_name(struct blob_fs *fs, char *path_r)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(path_r, BLOB_FS_PATH_MAX, "%s/tmp/%s.%ld.%llu.%lx", fs->root, fs->host,
	         (long)getpid(), (unsigned long long)++fs->temp_seq, (unsigned long)ts.tv_nsec);
}

/*
 * Write data into a new temp file and fsync it.  Returns the fd; *temp_r is the
 * named temp path, or "" for an O_TMPFILE.
 */
static int blob_fs_write_temp(struct blob_fs *fs, const void *data, size_t len, char *temp_r,
                              const char **error_r)
{
	int fd = -1;
	temp_r[0] = '\0';
	if (!fs->no_tmpfile) {
		char dir[BLOB_FS_PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/tmp", fs->root);
		fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640);
		if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
			fs->no_tmpfile = 1;
	}
	if (fd < 0) {
		blob_fs_temp_name(fs, temp_r);
		fd = open(temp_r, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	}
	if (fd < 0) {
		*error_r = store_errorf("blob store: create temp file in %s/tmp: %s", fs->root,
		                        strerror(errno));
		return -1;
	}
	fs->fsyncs++;
	if ((fs->chown_new && fchown(fd, fs->owner_uid, fs->owner_gid) < 0) ||
	    blob_fs_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		*error_r = store_errorf("blob store: write temp file: %s", strerror(errno));
		close(fd);
		if (temp_r[0])
			unlink(temp_r);
		return -1;
	}
	return fd;
}

/* link the temp (named or O_TMPFILE fd) to path: 0, or -1 with errno. */
static int blob_fs_link(int fd, const char *temp, const char *path)
{
	if (temp[0])
		return link(temp, path);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

/*
 * The name exists already.  Same size: another writer stored these bytes (SHA-256
 * names them), done.  Other size: a damaged copy; replace it atomically with ours.
 */
static int blob_fs_existing(struct blob_fs *fs, int fd, char *temp, const char *path, size_t len,
                            int *created_r, const char **error_r)
{
	struct stat st;
	if (stat(path, &st) == 0 && (uint64_t)st.st_size == (uint64_t)len) {
		*created_r = 0;
		return 0;
	}
	if (temp[0] == '\0') {
		blob_fs_temp_name(fs, temp);
		if (blob_fs_link(fd, "", temp) < 0) {
			*error_r = store_errorf("blob store: link temp: %s", strerror(errno));
			temp[0] = '\0';
			return -1;
		}
	}
	if (rename(temp, path) < 0) {
		*error_r = store_errorf("blob store: replace %s: %s", path, strerror(errno));
		return -1;
	}
	temp[0] = '\0';
	return 0;
}

/* Create root/ab and root/ab/cd (dir), each fsynced into its parent when new. */
static int blob_fs_fanout(struct blob_fs *fs, const char *path, char *dir, const char **error_r)
{
	size_t rootlen = strlen(fs->root);
	snprintf(dir, BLOB_FS_PATH_MAX, "%.*s", (int)(rootlen + 3), path);
	if (blob_fs_mkdir(fs, dir, error_r) < 0)
		return -1;
	snprintf(dir, BLOB_FS_PATH_MAX, "%.*s", (int)(rootlen + 6), path);
	return blob_fs_mkdir(fs, dir, error_r);
}

/*
 * Link the written temp file to path.  The fan-out directories are made only when
 * the link finds them missing: in a store in use they exist, and two mkdir calls
 * per blob would be wasted.
 */
static int blob_fs_link_new(struct blob_fs *fs, int fd, char *temp, const char *path, size_t len,
                            int *created_r, const char **error_r)
{
	char dir[BLOB_FS_PATH_MAX];
	int r = blob_fs_link(fd, temp, path);
	if (r < 0 && errno == ENOENT) {
		if (blob_fs_fanout(fs, path, dir, error_r) < 0)
			return -1;
		r = blob_fs_link(fd, temp, path);
	}
	*created_r = 1;
	if (r == 0)
		return 0;
	if (errno == EEXIST)
		return blob_fs_existing(fs, fd, temp, path, len, created_r, error_r);
	*error_r = store_errorf("blob store: link %s: %s", path, strerror(errno));
	return -1;
}

static int blob_fs_put(void *ctx, const struct blob_id *id, const void *data, size_t len,
                       int *created_r, const char **error_r)
{
	struct blob_fs *fs = ctx;
	char path[BLOB_FS_PATH_MAX], temp[BLOB_FS_PATH_MAX];
	blob_fs_path(fs, id, path);
	int fd = blob_fs_write_temp(fs, data, len, temp, error_r);
	if (fd < 0)
		return -1;
	int r = blob_fs_link_new(fs, fd, temp, path, len, created_r, error_r);
	close(fd);
	if (temp[0])
		unlink(temp);
	/*
	 * The new name is durable only once its directory is.  Also after EEXIST: the
	 * writer that linked it may not have fsynced the directory yet.
	 */
	if (r == 0) {
		char *slash = strrchr(path, '/');
		*slash = '\0';
		r = blob_fs_fsync_path(fs, path, error_r);
	}
	return r;
}

static int blob_fs_read(void *ctx, const struct blob_id *id, uint64_t offset, size_t len,
                        struct buf *out, const char **error_r)
{
	struct blob_fs *fs = ctx;
	char path[BLOB_FS_PATH_MAX];
	blob_fs_path(fs, id, path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*error_r = store_errorf("blob store: open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	uint64_t size = (uint64_t)st.st_size;
	uint64_t want = offset >= size ? 0 : size - offset;
	if (want > len)
		want = len;
	buf_reserve(out, (size_t)want);
	while (want > 0) {
		ssize_t n = pread(fd, out->data + out->len, (size_t)want, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = store_errorf("blob store: read %s: %s", path,
			                        n < 0 ? strerror(errno) : "short file");
			close(fd);
			out->data[out->len] = '\0';
			return -1;
		}
		out->len += (size_t)n;
		offset += (uint64_t)n;
		want -= (uint64_t)n;
	}
	out->data[out->len] = '\0';
	close(fd);
	return 0;
}

static int blob_fs_stat(void *ctx, const struct blob_id *id, uint64_t *size_r, const char **error_r)
{
	struct blob_fs *fs = ctx;
	char path[BLOB_FS_PATH_MAX];
	struct stat st;
	blob_fs_path(fs, id, path);
	if (stat(path, &st) < 0) {
		*error_r = store_errorf("blob store: stat %s: %s", path, strerror(errno));
		return -1;
	}
	*size_r = (uint64_t)st.st_size;
	return 0;
}

static int blob_fs_delete(void *ctx, const struct blob_id *id, const char **error_r)
{
	struct blob_fs *fs = ctx;
	char path[BLOB_FS_PATH_MAX];
	blob_fs_path(fs, id, path);
	if (unlink(path) < 0 && errno != ENOENT) {
		*error_r = store_errorf("blob store: unlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t blob_fs_fsync_count(const void *ctx)
{
	return ((const struct blob_fs *)ctx)->fsyncs;
}

static int blob_fs_hexdir(const char *name)
{
	return strlen(name) == 2 && strspn(name, "0123456789abcdef") == 2;
}

/* Walk one DIR/ab/cd leaf directory. */
static int blob_fs_list_leaf(const char *path, blob_list_cb cb, void *ctx)
{
	DIR *d = opendir(path);
	if (d == NULL)
		return 0; /* vanished under us: nothing to report */
	struct dirent *de;
	struct buf file = BUF_INIT;
	int r = 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		struct blob_id id;
		struct stat st;
		if (blob_id_parse(de->d_name, &id) < 0)
			continue;
		buf_reset(&file);
		buf_printf(&file, "%s/%s", path, de->d_name);
		if (stat(buf_cstr(&file), &st) == 0 && S_ISREG(st.st_mode))
			r = cb(ctx, &id, (uint64_t)st.st_size);
	}
	closedir(d);
	buf_free(&file);
	return r;
}

/* Walk DIR/ab: its cd leaves. */
static int blob_fs_list_mid(const char *path, blob_list_cb cb, void *ctx)
{
	DIR *d = opendir(path);
	struct dirent *de;
	struct buf leaf = BUF_INIT;
	int r = 0;
	while (r == 0 && d && (de = readdir(d)) != NULL) {
		if (!blob_fs_hexdir(de->d_name))
			continue;
		buf_reset(&leaf);
		buf_printf(&leaf, "%s/%s", path, de->d_name);
		r = blob_fs_list_leaf(buf_cstr(&leaf), cb, ctx);
	}
	if (d)
		closedir(d);
	buf_free(&leaf);
	return r;
}

/* Every blob file: DIR/ab/cd/<hex>, skipping tmp/ and anything not named like a blob. */
static int blob_fs_list(void *ctx, blob_list_cb cb, void *cb_ctx, const char **error_r)
{
	const struct blob_fs *fs = ctx;
	DIR *top = opendir(fs->root);
	if (top == NULL) {
		*error_r = store_errorf("blob store %s: %s", fs->root, strerror(errno));
		return -1;
	}
	struct dirent *de;
	struct buf mid = BUF_INIT;
	int r = 0;
	while (r == 0 && (de = readdir(top)) != NULL) {
		if (!blob_fs_hexdir(de->d_name))
			continue;
		buf_reset(&mid);
		buf_printf(&mid, "%s/%s", fs->root, de->d_name);
		r = blob_fs_list_mid(buf_cstr(&mid), cb, cb_ctx);
	}
	closedir(top);
	buf_free(&mid);
	return r;
}

const struct blob_backend blob_backend_fs = {
        .scheme = "fs",
        .open = blob_fs_open,
        .close = blob_fs_close,
        .put = blob_fs_put,
        .read = blob_fs_read,
        .stat = blob_fs_stat,
        .delete = blob_fs_delete,
        .fsync_count = blob_fs_fsync_count,
        .list = blob_fs_list,
};
