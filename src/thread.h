/* Helper threads of the tracer: emulation workers, the DNS responder. */
#pragma once

/* Starts fn(arg) in a detached thread that takes no signals (they are the event loop's).
 * Returns 0 or -errno. */
int thread_spawn_detached(void *(*fn)(void *), void *arg);
