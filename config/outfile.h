/*
 * Output files that appear whole or not at all, and never destroy what
 * they replace.
 *
 * The destination is resolved first: a symbolic link is followed, so the
 * link stays and its target is replaced.  Then:
 *  - a regular file, or nothing yet: the output goes to an unnamed
 *    temporary file in the destination's folder (O_TMPFILE; a named
 *    mkstemp file where the file system lacks it) and is renamed into
 *    place on commit.  A replaced file keeps its mode (and, for root, its
 *    owner); a new one gets 0666 less the umask, as open(2) would give.
 *  - a character device or a FIFO (/dev/null, /dev/stdout, a pipe the
 *    user made): written straight through; nothing is renamed over it.
 *  - a directory, a block device or a socket: refused.
 *
 * A named temporary is recorded so that a signal handler can remove it
 * (cs_outfile_unlink_pending); an unnamed one vanishes with the process,
 * even on SIGKILL.
 */
#ifndef CS_OUTFILE_H
#define CS_OUTFILE_H

#include <stdbool.h>

#include "capsim.h"

typedef struct cs_outfile {
	int fd;          /* write here; -1 when closed */
	char *target;    /* the resolved destination */
	char *tmp;       /* a named temporary file, or NULL */
	int unnamed;     /* fd is an O_TMPFILE file: linked in on commit */
	int through;     /* fd is the destination itself (a device or FIFO) */
} cs_outfile;

/* Open the output for path.  On failure err says why (CS_ERR_IO) and o
 * holds nothing to free. */
cs_status cs_outfile_open(cs_outfile *o, const char *path, cs_error *err);

/* Sync, close and put the output in place; the temporary is gone whatever
 * happens.  CS_ERR_IO (err says why) if any step failed: the destination
 * is then as it was. */
cs_status cs_outfile_commit(cs_outfile *o, cs_error *err);

/* Close and remove the temporary; the destination is as it was.  A no-op
 * on an outfile already committed or aborted. */
void cs_outfile_abort(cs_outfile *o);

/* Remove the named temporary of the output being written, if any.
 * Async-signal-safe: for SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers. */
void cs_outfile_unlink_pending(void);

/* Does path name the same file as other (after links)?  For refusing an
 * output that would overwrite an input.  false when either is missing. */
bool cs_outfile_same(const char *path, const char *other);

#endif
