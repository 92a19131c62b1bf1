/*
 * What unwinding needs from the ELF files mapped into a tracee: the search table of their
 * .eh_frame (their symbols, source lines and debug files are libdwfl's: symbols.c). Read
 * with bounds checks everywhere, in the tracer itself: the files are the tracee's and may
 * be crafted to crash whoever parses them (libunwind-ptrace's own ELF readers trust
 * e_phoff, e_shoff and PT_GNU_EH_FRAME, which is why we do not use them).
 *
 * gcc passes --eh-frame-hdr to the linker only for dynamic links, so a default `gcc -static`
 * binary has CFI in .eh_frame but no .eh_frame_hdr table; the table built here is the one
 * .eh_frame_hdr would hold, for every file alike. No I/O besides reading the given file
 * descriptor, no printing. x86_64 ELF files only.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One row of the table: the layout of .eh_frame_hdr's table and of libunwind's
 * struct table_entry. */
struct eh_entry {
	int32_t start; /* first pc the FDE covers, relative to the table's segbase */
	int32_t fde;   /* address of the FDE in the tracee, relative to segbase */
};

/* The FDEs of one loaded ELF file. */
struct eh_table {
	uint64_t segbase;         /* runtime address of .eh_frame: rows are relative to it */
	uint64_t start_ip;        /* lowest pc that a row covers */
	uint64_t end_ip;          /* first pc past the highest covered one */
	struct eh_entry *entries; /* n rows sorted by start, malloc'd; NULL when n == 0 */
	size_t n;                 /* number of rows */
};

/* What one loaded ELF file offers the unwinder. */
struct elf_info {
	struct eh_table eh; /* .eh_frame search table; empty without .eh_frame */
};

/*
 * Indexes an .eh_frame section image: sec (size bytes, at most 256 MiB are read) is loaded
 * at runtime address sec_addr, in a file loaded with bias (added to absolute pointers).
 * Fills *ret (rows relative to sec_addr) and returns the number of rows (>= 0), or
 * -ENOMEM. Malformed records end the walk or are skipped; they never fail it.
 */
int eh_frame_index(const uint8_t *sec, size_t size, uint64_t sec_addr, uint64_t bias,
		   struct eh_table *ret);

/*
 * Reads the x86_64 ELF file open at fd, one of whose mappings places file offset
 * pc_offset at runtime address pc (which gives the load bias, for static-pie and shared
 * objects). Returns 0 and fills *ret, with the table when the file has one; -ENOEXEC when
 * it is not a usable ELF file, -EIO when it cannot be read, -ENOMEM.
 * *ret is always valid for elf_info_free().
 */
int elf_info_from_fd(int fd, uint64_t pc, uint64_t pc_offset, struct elf_info *ret);

/* The same from a file image in memory (tests and fuzzing). */
int elf_info_from_image(const void *image, size_t size, uint64_t pc, uint64_t pc_offset,
			struct elf_info *ret);

/* Frees what *e holds; *e is left empty. */
void elf_info_free(struct elf_info *e);
