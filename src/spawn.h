/* Starting the program: its namespaces, its seccomp filter, and the hand-over of the filter's
 * user-notification listener to sockstrace. */
#pragma once

#include <seccomp.h>
#include <stdbool.h>
#include <sys/types.h>

#include "compare.h"
#include "netns.h"

/* The started program, as sockstrace sees it. */
struct spawned {
	pid_t child;      /* sockstrace's child: exits with the program's status once the whole
			   * tree is gone */
	pid_t init;       /* the tree's reaper (the PID namespace's init, or child itself):
			   * killing it kills the tree when pidns */
	bool pidns;       /* the tree has a PID namespace of its own */
	struct netns_id netns; /* its network namespace (the kernel layer); ino 0: none */
	int netns_unavailable; /* why it has none although one was asked for (-errno), or 0 */
	int listener;     /* the seccomp user-notification listener */
	int error_fd;     /* says why the program could not be started (spawn_failure) */
};

/*
 * Forks the program's supervisor child. It enters a new user namespace, the network
 * namespace of plan (unless plan->mode is off; with auto, a system that refuses one is no
 * error: ret->netns_unavailable says why), and a PID
 * namespace whose init reaps the tree; the program itself loads filter (exported with
 * libseccomp, loaded with seccomp(2) with SECCOMP_FILTER_FLAG_NEW_LISTENER and
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) and sends the listener before its execve().
 * Returns 0 with *ret filled once the listener has arrived, or -errno with a message in err
 * (ret->child, when not 0, must still be waited for).
 */
int spawn_program(scmp_filter_ctx filter, const struct netns_plan *plan,
		  struct compare *cmp, char *const argv[], struct spawned *ret,
		  char *err, size_t errlen);

/* When the program never got to its execve(): the status to exit with (125, 126, 127) and
 * the reason in err; 0 when it did get there. */
int spawn_failure(struct spawned *sp, const char *program, char *err, size_t errlen);

/* Sends sig to the program (through its init, which forwards it). */
void spawn_signal(const struct spawned *sp, int sig);

/* Kills every process of the tree: the PID namespace's init (the kernel then kills the
 * whole namespace), else each descendant of the reaper, again until there is none. */
void spawn_kill_tree(const struct spawned *sp);

/* True when pid (as the program names it) is a process of the tree. */
bool spawn_in_tree(const struct spawned *sp, pid_t pid);
