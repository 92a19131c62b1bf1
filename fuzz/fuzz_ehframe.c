/*
 * Fuzz target: the ELF files a tracee maps, which the tracer itself reads to build the
 * .eh_frame search tables that libunwind unwinds with (src/ehframe.c); the one ELF parser
 * left in the tracer (symbols are read in a sandboxed child, src/symbols.c).
 *
 * Input: the whole input is the file, loaded twice: as a non-PIE executable would be (file
 * offset 0x80 at 0x400080) and as a shared object at 0x7f0000000000; and, as a bare
 * .eh_frame section, indexed directly. Checked besides memory safety: only the documented
 * errors come back, and every table is sorted and consistent with its bounds.
 */

#include <errno.h>
#include <string.h>

#include "ehframe.h"
#include "fuzz.h"

static void check_table(const struct eh_table *t)
{
	FUZZ_ASSERT((t->n == 0) == (t->entries == NULL));
	for (size_t i = 1; i < t->n; i++)
		FUZZ_ASSERT(t->entries[i - 1].start <= t->entries[i].start);
	if (t->n > 0)
		FUZZ_ASSERT(t->start_ip <= t->end_ip);
}

static void load(const uint8_t *data, size_t size, uint64_t pc, uint64_t pc_offset)
{
	struct elf_info e;
	int rc = elf_info_from_image(data, size, pc, pc_offset, &e);

	FUZZ_ASSERT(rc == 0 || rc == -ENOEXEC || rc == -EIO || rc == -ENOMEM);
	if (rc == 0)
		check_table(&e.eh);
	else
		FUZZ_ASSERT(e.eh.n == 0);
	elf_info_free(&e);
	FUZZ_ASSERT(e.eh.n == 0 && e.eh.entries == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eh_table t = { 0 };
	int n;

	load(data, size, 0x400080, 0x80);
	load(data, size, 0x7f0000000080, 0x80);
	n = eh_frame_index(data, size, 0x401000, 0, &t);
	FUZZ_ASSERT(n == -ENOMEM || (n >= 0 && (size_t)n == t.n));
	if (n >= 0)
		check_table(&t);
	free(t.entries);
	return 0;
}
