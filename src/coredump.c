/* --core-dump: an ELF core file of a leaking process. */

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cleanup.h"
#include "coredump.h"

#define PAGE 4096u
#define MAX_MAPPINGS 8192
/* Mappings larger than this (sanitizer shadow, huge reservations) are described but not
 * copied, and copying stops once the file holds CORE_MAX bytes: the stack and the code
 * around the leak are what matter. */
#define MAPPING_MAX (256ull << 20)
#define CORE_MAX (1ull << 30)

struct mapping {
	uint64_t start, end, offset;
	bool readable, writable, executable;
	char path[256]; /* "" for anonymous or [special] mappings */
};

/* A growing buffer for the notes. */
struct buf {
	uint8_t *data;
	size_t len, cap;
};

static int buf_put(struct buf *b, const void *p, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;

	if (b->len + padded > b->cap) {
		size_t cap = (b->cap + padded) * 2;
		uint8_t *d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	memset(b->data + b->len + n, 0, padded - n);
	b->len += padded;
	return 0;
}

/* One ELF note (name "CORE"), its name and descriptor padded to 4 bytes. */
static int note(struct buf *b, uint32_t type, const void *desc, size_t size)
{
	Elf64_Nhdr h = { .n_namesz = 5, .n_descsz = (Elf64_Word)size, .n_type = type };
	int rc = buf_put(b, &h, sizeof(h));

	if (rc == 0)
		rc = buf_put(b, "CORE", 5);
	if (rc == 0)
		rc = buf_put(b, desc, size);
	return rc;
}

static size_t read_maps(pid_t tgid, struct mapping *maps, size_t max)
{
	char path[64], line[512], perms[8];
	_cleanup_fclose_ FILE *f = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
	f = fopen(path, "re");
	while (f && n < max && fgets(line, sizeof(line), f)) {
		struct mapping m = { 0 };
		int name_at = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", &m.start, &m.end,
			   perms, &m.offset, &name_at) < 4)
			continue;
		m.readable = perms[0] == 'r';
		m.writable = perms[1] == 'w';
		m.executable = perms[2] == 'x';
		if (name_at > 0 && line[name_at] == '/') {
			snprintf(m.path, sizeof(m.path), "%s", line + name_at);
			m.path[strcspn(m.path, "\n")] = '\0';
		}
		/* The vsyscall page cannot be read with process_vm_readv. */
		if (strstr(line, "[vsyscall]"))
			continue;
		maps[n++] = m;
	}
	return n;
}

/* NT_FILE: count, page size, then (start, end, offset in pages) per file mapping, then the
 * names (linux/fs/binfmt_elf.c fill_files_note()). */
static int file_note(struct buf *b, const struct mapping *maps, size_t n)
{
	struct buf d = { 0 };
	uint64_t count = 0, page = PAGE;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		count += maps[i].path[0] != '\0';
	rc = buf_put(&d, &count, 8);
	if (rc == 0)
		rc = buf_put(&d, &page, 8);
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint64_t e[3] = { maps[i].start, maps[i].end, maps[i].offset / PAGE };
		if (maps[i].path[0])
			rc = buf_put(&d, e, sizeof(e));
	}
	/* The names follow unpadded, each NUL-terminated. */
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len = strlen(maps[i].path) + 1;
		uint8_t *p;
		if (!maps[i].path[0])
			continue;
		if (d.len + len + 4 > d.cap) {
			p = realloc(d.data, (d.cap + len + 4) * 2);
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			d.data = p;
			d.cap = (d.cap + len + 4) * 2;
		}
		memcpy(d.data + d.len, maps[i].path, len);
		d.len += len;
	}
	if (rc == 0)
		rc = note(b, 0x46494c45 /* NT_FILE */, d.data, d.len);
	free(d.data);
	return rc;
}

static int build_notes(struct buf *b, pid_t tgid, pid_t tid, const struct user_regs_struct *regs,
		       const char *comm, const struct mapping *maps, size_t n)
{
	struct elf_prstatus st = { 0 };
	struct elf_prpsinfo ps = { 0 };
	uint8_t auxv[4096];
	char path[64];
	ssize_t auxv_len = 0;
	int rc;

	st.pr_pid = tid;
	memcpy(&st.pr_reg, regs, sizeof(st.pr_reg) < sizeof(*regs) ? sizeof(st.pr_reg) : sizeof(*regs));
	ps.pr_pid = tgid;
	ps.pr_sname = 'R';
	snprintf(ps.pr_fname, sizeof(ps.pr_fname), "%s", comm);
	snprintf(ps.pr_psargs, sizeof(ps.pr_psargs), "%s", comm);
	snprintf(path, sizeof(path), "/proc/%d/auxv", tgid);
	{
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			auxv_len = read(fd, auxv, sizeof(auxv));
	}
	rc = note(b, NT_PRSTATUS, &st, sizeof(st));
	if (rc == 0)
		rc = note(b, NT_PRPSINFO, &ps, sizeof(ps));
	if (rc == 0 && auxv_len > 0)
		rc = note(b, NT_AUXV, auxv, (size_t)auxv_len);
	if (rc == 0)
		rc = file_note(b, maps, n);
	return rc;
}

/* Copies [start, end) of the tracee to fd at off; unreadable pages are left as holes. */
static int copy_memory(int fd, pid_t tgid, uint64_t start, uint64_t end, off_t off)
{
	static uint8_t chunk[1 << 20];

	for (uint64_t a = start; a < end;) {
		size_t n = end - a < sizeof(chunk) ? (size_t)(end - a) : sizeof(chunk);
		struct iovec local = { chunk, n };
		struct iovec remote = { (void *)(uintptr_t)a, n };
		ssize_t got = process_vm_readv(tgid, &local, 1, &remote, 1, 0);

		if (got <= 0)
			got = PAGE; /* skip an unreadable page */
		else if (pwrite(fd, chunk, (size_t)got, off + (off_t)(a - start)) != got)
			return -errno;
		a += (uint64_t)got;
	}
	return 0;
}

int coredump_write(const char *path, pid_t tgid, pid_t tid, const struct user_regs_struct *regs,
		   const char *comm)
{
	_cleanup_free_ struct mapping *maps = calloc(MAX_MAPPINGS, sizeof(*maps));
	_cleanup_close_ int fd = -1;
	struct buf notes = { 0 };
	Elf64_Ehdr eh = { 0 };
	size_t n, n_load = 0;
	off_t off;
	int rc;

	if (!maps)
		return -ENOMEM;
	n = read_maps(tgid, maps, MAX_MAPPINGS);
	for (size_t i = 0; i < n; i++)
		n_load += maps[i].readable;
	rc = build_notes(&notes, tgid, tid, regs, comm, maps, n);
	if (rc < 0) {
		free(notes.data);
		return rc;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(notes.data);
		return -errno;
	}
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)(1 + n_load);
	rc = pwrite(fd, &eh, sizeof(eh), 0) == sizeof(eh) ? 0 : -errno;
	off = (off_t)(sizeof(eh) + (1 + n_load) * sizeof(Elf64_Phdr));
	if (rc == 0) {
		Elf64_Phdr ph = { .p_type = PT_NOTE, .p_offset = (Elf64_Off)off,
				  .p_filesz = notes.len, .p_align = 4 };
		if (pwrite(fd, &ph, sizeof(ph), sizeof(eh)) != sizeof(ph) ||
		    pwrite(fd, notes.data, notes.len, off) != (ssize_t)notes.len)
			rc = -errno;
	}
	free(notes.data);
	off = (off_t)(((uint64_t)off + notes.len + PAGE - 1) & ~(uint64_t)(PAGE - 1));
	for (size_t i = 0, k = 1; i < n && rc == 0; i++) {
		const struct mapping *m = &maps[i];
		uint64_t size = m->end - m->start;
		bool copy = size <= MAPPING_MAX && (uint64_t)off + size <= CORE_MAX;
		Elf64_Phdr ph = { .p_type = PT_LOAD, .p_offset = (Elf64_Off)off, .p_vaddr = m->start,
				  .p_filesz = copy ? size : 0, .p_memsz = size, .p_align = PAGE,
				  .p_flags = PF_R | (m->writable ? PF_W : 0) | (m->executable ? PF_X : 0) };
		if (!m->readable)
			continue;
		if (pwrite(fd, &ph, sizeof(ph), (off_t)(sizeof(eh) + k * sizeof(ph))) != sizeof(ph))
			rc = -errno;
		if (rc == 0 && copy) {
			rc = copy_memory(fd, tgid, m->start, m->end, off);
			off += (off_t)size;
		}
		k++;
	}
	if (rc == 0 && ftruncate(fd, off) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(path);
	return rc;
}
