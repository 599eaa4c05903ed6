/* Output files that appear whole or not at all; see outfile.h. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/outfile.h"

/* The named temporary being written, for the signal handlers.  One output
 * at a time per process is all the commands need. */
static char pending_tmp[4096];
static volatile sig_atomic_t pending_set;

static void
pending(const char *tmp)
{
	pending_set = 0;
	if (tmp && strlen(tmp) < sizeof pending_tmp) {
		memcpy(pending_tmp, tmp, strlen(tmp) + 1);
		pending_set = 1;
	}
}

void
cs_outfile_unlink_pending(void)
{
	if (pending_set)
		unlink(pending_tmp); /* async-signal-safe */
}

/* path's folder ("." for a bare name); caller frees. */
static char *
folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	d = strndup(path, (size_t)(slash - path));
	return d;
}

/*
 * Follow symbolic links from path to the name that is really written: the
 * last link's target, which may not exist yet.  NULL with errno ELOOP
 * after 40 links (as the kernel counts), ENOMEM, or readlink's error.
 * Caller frees.
 */
static char *
resolve(const char *path)
{
	char *cur = strdup(path);
	int hops;

	for (hops = 0; cur && hops < 40; hops++) {
		char buf[PATH_MAX], *next, *dir;
		struct stat st;
		ssize_t n;

		if (lstat(cur, &st) || !S_ISLNK(st.st_mode))
			return cur;
		n = readlink(cur, buf, sizeof buf - 1);
		if (n < 0) {
			free(cur);
			return NULL;
		}
		buf[n] = '\0';
		if (buf[0] == '/') {
			next = strdup(buf);
		} else {
			size_t len;

			dir = folder_of(cur);
			len = dir ? strlen(dir) + strlen(buf) + 2 : 0;
			next = dir ? malloc(len) : NULL;
			if (next)
				snprintf(next, len, "%s/%s", dir, buf);
			free(dir);
		}
		free(cur);
		cur = next;
	}
	if (cur) {
		free(cur);
		errno = ELOOP;
	} else {
		errno = ENOMEM;
	}
	return NULL;
}

static mode_t
umask_mode(void)
{
	mode_t m = umask(0);

	umask(m);
	return 0666 & ~m;
}

static cs_status
io_error(cs_error *err, const char *path, const char *what, int e)
{
	return cs_error_set(err, CS_ERR_IO, path, 0, 0, "", "%s: %s", what,
	                    strerror(e));
}

static void
clear(cs_outfile *o)
{
	free(o->target);
	free(o->tmp);
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

cs_status
cs_outfile_open(cs_outfile *o, const char *path, cs_error *err)
{
	struct stat st;
	int exists;
	mode_t mode;
	char *dir;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (!(o->target = resolve(path)))
		return io_error(err, path, "cannot write", errno);
	exists = stat(o->target, &st) == 0;
	if (!exists && errno != ENOENT) {
		int e = errno;

		clear(o);
		return io_error(err, path, "cannot write", e);
	}
	if (exists && S_ISDIR(st.st_mode)) {
		clear(o);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		                    "is a folder; -o wants a file name");
	}
	if (exists && (S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))) {
		clear(o);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		    "is a %s; refusing to write results into it",
		    S_ISBLK(st.st_mode) ? "block device" : "socket");
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* a terminal, /dev/null, a FIFO: write through, rename nothing */
		o->fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (o->fd < 0) {
			int e = errno;

			clear(o);
			return io_error(err, path, "cannot write", e);
		}
		o->through = 1;
		return CS_OK;
	}
	mode = exists ? (st.st_mode & 07777) : umask_mode();
	if (!(dir = folder_of(o->target))) {
		clear(o);
		return io_error(err, path, "cannot write", ENOMEM);
	}
#ifdef O_TMPFILE
	/* unnamed until commit: nothing to leave behind, even on SIGKILL;
	 * linking it in needs /proc */
	if (access("/proc/self/fd", X_OK) == 0) {
		o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		if (o->fd >= 0)
			o->unnamed = 1;
	}
#endif
	free(dir);
	if (o->fd < 0) {
		size_t n = strlen(o->target) + 16;

		if (!(o->tmp = malloc(n))) {
			clear(o);
			return io_error(err, path, "cannot write", ENOMEM);
		}
		snprintf(o->tmp, n, "%s.tmpXXXXXX", o->target);
		o->fd = mkstemp(o->tmp);
		if (o->fd < 0) {
			int e = errno;

			clear(o);
			return io_error(err, path, "cannot write", e);
		}
		fcntl(o->fd, F_SETFD, FD_CLOEXEC);
		pending(o->tmp);
	}
	/* the new file looks like the old one: its mode, and (when we may)
	 * its owner — root replacing a user's file should not take it */
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()))
		if (fchown(o->fd, st.st_uid, st.st_gid)) {
			/* not permitted: the file becomes ours, as cp would do */
		}
	if (fchmod(o->fd, mode)) {
		int e = errno;

		cs_outfile_abort(o);
		return io_error(err, path, "cannot write", e);
	}
	return CS_OK;
}

/* Give the unnamed file o->fd a name beside the target: o->tmp. */
static int
name_unnamed(cs_outfile *o)
{
	char proc[64];
	size_t n = strlen(o->target) + 24;
	unsigned long r = (unsigned long)getpid() ^ (unsigned long)time(NULL);
	int tries;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	if (!(o->tmp = malloc(n))) {
		errno = ENOMEM;
		return -1;
	}
	for (tries = 0; tries < 100; tries++) {
		r = r * 6364136223846793005UL + 1442695040888963407UL;
		snprintf(o->tmp, n, "%s.tmp%06lx", o->target, (r >> 40) & 0xffffff);
		pending(o->tmp);
		if (!linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW))
			return 0;
		pending(NULL);
		if (errno != EEXIST)
			break;
	}
	free(o->tmp);
	o->tmp = NULL;
	return -1;
}

cs_status
cs_outfile_commit(cs_outfile *o, cs_error *err)
{
	cs_status s = CS_OK;
	int e = 0;

	if (o->fd < 0) {
		clear(o);
		return CS_OK;
	}
	if (o->through) {
		if (close(o->fd))
			s = io_error(err, o->target, "cannot write", errno);
		o->fd = -1;
		clear(o);
		return s;
	}
	if (fsync(o->fd))
		e = errno;
	if (!e && o->unnamed && name_unnamed(o))
		e = errno;
	if (close(o->fd) && !e)
		e = errno;
	o->fd = -1;
	if (!e && rename(o->tmp, o->target))
		e = errno;
	if (e) {
		s = io_error(err, o->target, "cannot write", e);
		if (o->tmp)
			unlink(o->tmp);
	} else {
		/* the rename itself on disk */
		char *dir = folder_of(o->target);
		int dfd = dir ? open(dir, O_RDONLY | O_CLOEXEC) : -1;

		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	pending(NULL);
	clear(o);
	return s;
}

void
cs_outfile_abort(cs_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp && !o->through)
		unlink(o->tmp);
	pending(NULL);
	clear(o);
}

bool
cs_outfile_same(const char *path, const char *other)
{
	struct stat a, b;

	return path && other && !stat(path, &a) && !stat(other, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
