/* The table of the threads --attach traces, by tid. */

#include <stdio.h>
#include <stdlib.h>

#include "tasks.h"

static size_t slot_of(const struct taskset *t, pid_t tid)
{
	size_t i = ((size_t)tid * 2654435761u) & (t->size - 1);

	while (t->slots[i].tid && t->slots[i].tid != tid)
		i = (i + 1) & (t->size - 1);
	return i;
}

struct task *task_find(const struct taskset *t, pid_t tid)
{
	struct task *k;

	if (!t->size)
		return NULL;
	k = &t->slots[slot_of(t, tid)];
	return k->tid ? k : NULL;
}

bool taskset_add(struct taskset *t, pid_t tid)
{
	struct task *k;

	if ((t->count + 1) * 2 > t->size) {
		struct taskset bigger = { .size = t->size ? t->size * 2 : 64 };
		bigger.slots = calloc(bigger.size, sizeof(struct task));
		if (!bigger.slots) {
			perror("sockstrace: task table");
			abort();
		}
		for (size_t j = 0; j < t->size; j++)
			if (t->slots[j].tid)
				bigger.slots[slot_of(&bigger, t->slots[j].tid)] = t->slots[j];
		bigger.count = t->count;
		free(t->slots);
		*t = bigger;
	}
	k = &t->slots[slot_of(t, tid)];
	if (k->tid)
		return false;
	*k = (struct task){ .tid = tid };
	t->count++;
	return true;
}

void taskset_remove(struct taskset *t, pid_t tid)
{
	struct task *k = task_find(t, tid);
	size_t i, j;

	if (!k)
		return;
	*k = (struct task){ 0 };
	t->count--;
	/* Backward-shift the probe chain so lookups never stop early. */
	i = (size_t)(k - t->slots);
	for (j = (i + 1) & (t->size - 1); t->slots[j].tid; j = (j + 1) & (t->size - 1)) {
		struct task moved = t->slots[j];
		t->slots[j] = (struct task){ 0 };
		t->slots[slot_of(t, moved.tid)] = moved;
	}
}
