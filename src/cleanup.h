/* Scope-bound cleanup helpers (after systemd and bubblewrap). */
#pragma once

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void cleanup_fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void cleanup_closedirp(DIR **d) { if (*d) closedir(*d); }

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))

/* Hands ownership out of a cleanup-managed variable. */
#define steal_ptr(p) ({ __typeof__(p) steal_tmp_ = (p); (p) = NULL; steal_tmp_; })
#define steal_fd(fd) ({ int steal_tmp_ = (fd); (fd) = -1; steal_tmp_; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
