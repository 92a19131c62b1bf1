/*
 * Call stacks of stopped tracee threads: libunwind on the tracee's own unwind information,
 * in a child process (unwind-child.c), under a deadline.
 *
 * libunwind does the unwinding (CFI interpretation, register rules, stepping) through its
 * accessor interface, all of it ours:
 * - Unwind info. A default `gcc -static` link has .eh_frame but no .eh_frame_hdr (gcc
 *   passes --eh-frame-hdr only to dynamic links), where libunwind finds nothing. And
 *   libunwind-ptrace's own ELF readers (_UPT_find_proc_info, _UPT_get_proc_name) trust
 *   e_phoff, e_shoff and PT_GNU_EH_FRAME of the mapped file: a crafted binary that runs
 *   fine crashes the tracer. So find_proc_info() builds the search table of each mapped
 *   file's .eh_frame with bounds-checked code (ehframe.c), once per file, and hands it to
 *   libunwind's dwarf_search_unwind_table(), which reads it through access_mem() at a fake
 *   address.
 * - Memory and registers: the registers the tracer took at the thread's ptrace stop, and
 *   pread() on the /proc/TGID/mem descriptor it opened.
 * - Code with no CFI at all (JIT code, hand-written assembly, Go) is left by the frame
 *   pointer chain, and DWARF unwinding resumes from the caller it finds.
 * The CFI is the tracee's: a CFA expression can loop (DW_OP_skip backwards) inside one
 * unw_step(), where no step counter can stop it. So the stepping (unwind_walk()) runs in
 * unwind-child.c's sandboxed child, which the tracer kills past UNWIND_DEADLINE_MS; the
 * frames found until then are kept, and a file whose unwind info timed out (or crashed the
 * child) is then unwound by its frame pointers only.
 * Frames are named afterwards in the tracer, all at once, by symbols.c (libdwfl in its own
 * sandboxed child): the walk only says where each pc is and whether it is a return address.
 * 32-bit tracees have no libunwind here (it is built for one target): their frame pointer
 * chain is followed, in the child too (it reads tracee memory, which may never answer).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libunwind-ptrace.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "cleanup.h"
#include "ehframe.h"
#include "symbols.h"
#include "unwind-child.h"
#include "unwind.h"

/* Exported by libunwind (_Ux86_64_dwarf_search_unwind_table in libunwind-x86_64.so, which
 * libunwind-ptrace itself calls) but declared in none of its public headers (1.6.2). */
#define dwarf_search_unwind_table UNW_OBJ(dwarf_search_unwind_table)
extern int dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
				     unw_proc_info_t *pi, int need_unwind_info, void *arg);

/* Where libunwind reads our search tables: a non-canonical x86_64 address, which no tracee
 * memory can ever occupy, so access_mem() tells the two apart by address. */
#define TABLE_ADDR 0x4000000000000000ULL

/* The frame pointer chain is followed only over frames smaller than this. */
#define FP_MAX_FRAME (1u << 20)
/* How far up the stack a 32-bit frame without a frame pointer is searched for its return
 * address. */
#define FP_SCAN 256u

/* What unwinding needs from one mapped file, read on first use. */
struct ehfile {
	uint64_t dev;         /* device of the file, as /proc/PID/maps gives it */
	uint64_t ino;         /* inode of the file; 0 for a free slot */
	uint64_t base;        /* start - offset of the mapping: where this load of it sits */
	struct elf_info info; /* its .eh_frame table and symbols; empty when unreadable */
};

/* A process whose address space libunwind knows. */
struct space {
	pid_t tgid;              /* the process; 0 for a free slot */
	unw_addr_space_t as;     /* libunwind's address space, caching on */
	uint64_t maps_hash;      /* hash of /proc/TGID/maps when the cache was last valid */
	struct ehfile files[32]; /* its files, kept while they stay mapped alike */
	size_t next_file;        /* the slot of files to reuse when all are taken */
};

/* Enough for the processes that leak at once; the oldest slot is reused. */
static struct space spaces[32];
static size_t next_victim;

/* A file whose unwind info timed out or crashed the child: its frames are left by the frame
 * pointer chain. Marked in the tracer, so that each new child inherits the list. */
struct bad_file {
	uint64_t dev, ino;  /* the file; ino 0 for a free slot */
	char why[384];      /* the reason given for the stack it cut */
	char before[384];   /* the reason given for the stacks after it */
};
static struct bad_file bad[16];
static size_t next_bad;

/* One line of /proc/PID/maps. */
struct mapping {
	uint64_t start, end; /* addresses [start, end) */
	uint64_t offset;     /* file offset mapped at start */
	uint64_t dev;        /* device of the file (makedev()); 0 when anonymous */
	uint64_t ino;        /* inode of the file; 0 when anonymous */
	bool exec;           /* mapped executable */
	bool vdso;           /* the kernel's [vdso] */
	char path[256];      /* file name, "[vdso]", or "" when anonymous or another name */
};

/* The most mappings of a process that are looked at. */
#define MAX_MAPS 4096

/* The mappings of the process being unwound: read by the tracer (take_stack()), in memory
 * it shares with the child (MAP_SHARED, mapped before the first child), which copies them
 * (unwind_walk()). */
static struct mapping *shared_maps;

/* Registers of a frame that the cursor restarts from after a frame pointer step. */
struct regs {
	uint64_t ip; /* return address - 1: looked up as the call instruction, like libunwind */
	uint64_t sp; /* stack pointer after the return */
	uint64_t bp; /* frame pointer of that frame */
};

/* The state of one unwind_stack() call, passed to the accessors as their `arg`. */
struct ctx {
	pid_t tgid;                   /* the thread's process */
	int mem;                      /* its /proc/TGID/mem (walk_request's) */
	const struct user_regs_struct *thread; /* the thread's registers at its stop */
	struct space *space;          /* its cached address space */
	const struct mapping *maps;   /* its mappings, sorted by address */
	size_t n_maps;                /* number of maps */
	const struct eh_table *table; /* served at TABLE_ADDR while libunwind searches it */
	bool no_cfi;                  /* find_proc_info() found no unwind info */
	bool synthetic;               /* registers come from regs, not from the thread */
	struct regs regs;             /* the frame the cursor restarted from */
};

/* Reads /proc/TGID/maps into maps (at most max) and hashes its text (FNV-1a). */
static size_t read_maps(pid_t tgid, struct mapping *maps, size_t max, uint64_t *ret_hash)
{
	char path[64], line[512], perms[8];
	_cleanup_fclose_ FILE *f = NULL;
	uint64_t h = 14695981039346656037ULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		struct mapping m = { 0 };
		unsigned major, minor;
		int name_at = 0;

		for (const char *c = line; *c; c++)
			h = (h ^ (uint8_t)*c) * 1099511628211ULL;
		if (n >= max ||
		    sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &m.start, &m.end, perms, &m.offset, &major, &minor, &m.ino,
			   &name_at) < 7)
			continue;
		m.dev = m.ino ? makedev(major, minor) : 0;
		m.exec = perms[2] == 'x';
		m.vdso = name_at > 0 && strncmp(line + name_at, "[vdso]", 6) == 0;
		if (m.vdso)
			snprintf(m.path, sizeof(m.path), "[vdso]");
		if (name_at > 0 && line[name_at] == '/') {
			snprintf(m.path, sizeof(m.path), "%s", line + name_at);
			m.path[strcspn(m.path, "\n")] = '\0';
		}
		maps[n++] = m;
	}
	*ret_hash = h;
	return n;
}

/* The mapping containing addr, or NULL. */
static const struct mapping *mapping_of(const struct ctx *c, uint64_t addr)
{
	size_t lo = 0, hi = c->n_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < c->maps[mid].start)
			hi = mid;
		else if (addr >= c->maps[mid].end)
			lo = mid + 1;
		else
			return &c->maps[mid];
	}
	return NULL;
}

/* The bad file mapped at m, or NULL. */
static const struct bad_file *bad_of(const struct mapping *m)
{
	for (size_t i = 0; m && m->ino && i < ARRAY_SIZE(bad); i++)
		if (bad[i].ino == m->ino && bad[i].dev == m->dev)
			return &bad[i];
	return NULL;
}

static void ehfile_drop(struct ehfile *f)
{
	elf_info_free(&f->info);
	*f = (struct ehfile){ 0 };
}

/* Drops the tables of files that are no longer mapped where they were built for. */
static void ehfiles_prune(struct space *s, const struct mapping *maps, size_t n_maps)
{
	for (size_t i = 0; i < ARRAY_SIZE(s->files); i++) {
		struct ehfile *f = &s->files[i];
		bool mapped = false;

		for (size_t j = 0; f->ino && j < n_maps && !mapped; j++)
			mapped = maps[j].ino == f->ino && maps[j].dev == f->dev &&
				 maps[j].start - maps[j].offset == f->base;
		if (f->ino && !mapped)
			ehfile_drop(f);
	}
}

static void space_free(struct space *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(s->files); i++)
		ehfile_drop(&s->files[i]);
	if (s->tgid)
		unw_destroy_addr_space(s->as);
	*s = (struct space){ 0 };
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg);
static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg);
static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg);
static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
		      void *arg);
static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
		      void *arg);
static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg);
static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg);

/* libunwind-ptrace's accessors, wrapped: see the functions for what each adds. No
 * get_proc_name: unw_get_proc_name() is never called, symbols.c names the frames. */
static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
};

/* The cached address space of tgid, flushed when its mappings changed. */
static struct space *space_get(pid_t tgid, const struct mapping *maps, size_t n_maps,
			       uint64_t maps_hash)
{
	struct space *s = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(spaces); i++)
		if (spaces[i].tgid == tgid)
			s = &spaces[i];
	if (s) {
		if (s->maps_hash != maps_hash) {
			unw_flush_cache(s->as, 0, 0);
			ehfiles_prune(s, maps, n_maps);
		}
		s->maps_hash = maps_hash;
		return s;
	}
	s = &spaces[next_victim];
	next_victim = (next_victim + 1) % ARRAY_SIZE(spaces);
	space_free(s);
	s->as = unw_create_addr_space(&accessors, 0);
	if (!s->as)
		return NULL;
	unw_set_caching_policy(s->as, UNW_CACHE_GLOBAL);
	s->tgid = tgid;
	s->maps_hash = maps_hash;
	return s;
}

/*
 * Opens the file behind mapping m of tgid for reading: the mapped inode itself through
 * /proc/TGID/map_files (needs CAP_SYS_ADMIN, proc(5)), else the path as the process sees
 * it through /proc/TGID/root. The path may have been replaced since (a symbolic link to a
 * device, a FIFO): it is opened O_PATH first, and opened for reading through
 * /proc/self/fd only when it is the mapped inode and a regular file, so that nothing else
 * is ever opened. Returns the fd, or -errno.
 */
static int open_mapped(pid_t tgid, const struct mapping *m)
{
	char path[64 + sizeof(m->path)];
	_cleanup_close_ int pfd = -1;
	int fd;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, tgid, m->start,
		 m->end);
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0 && m->path[0] == '/') {
		snprintf(path, sizeof(path), "/proc/%d/root%s", tgid, m->path);
		pfd = open(path, O_PATH | O_CLOEXEC);
	}
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_ino != m->ino || st.st_dev != m->dev)
		return -ESTALE; /* not the file that is mapped */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* What the file mapped at m (which contains addr) offers, read on first use; NULL for
 * anonymous memory. */
static const struct elf_info *ehfile_get(struct ctx *c, const struct mapping *m, uint64_t addr)
{
	struct space *s = c->space;
	struct ehfile *f;
	_cleanup_close_ int fd = -1;

	if (!m || !m->ino)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(s->files); i++) {
		f = &s->files[i];
		if (f->ino == m->ino && f->dev == m->dev && f->base == m->start - m->offset)
			return &f->info;
	}
	f = &s->files[s->next_file];
	s->next_file = (s->next_file + 1) % ARRAY_SIZE(s->files);
	ehfile_drop(f);
	*f = (struct ehfile){ .dev = m->dev, .ino = m->ino, .base = m->start - m->offset };
	/* A file that cannot be read stays empty: no retries until its mappings change. */
	fd = open_mapped(c->tgid, m);
	if (fd >= 0)
		elf_info_from_fd(fd, addr, m->offset + (addr - m->start), &f->info);
	return &f->info;
}

/* Looks ip up in table t with libunwind's own search, which reads t through access_mem(). */
static int search_table(struct ctx *c, unw_addr_space_t as, const struct eh_table *t,
			unw_word_t ip, unw_proc_info_t *pi, int need_unwind_info)
{
	unw_dyn_info_t di = {
		.start_ip = t->start_ip,
		.end_ip = t->end_ip,
		.format = UNW_INFO_FORMAT_REMOTE_TABLE,
		.u.rti = {
			.segbase = t->segbase,
			/* in words: two int32_t per row, as in .eh_frame_hdr */
			.table_len = t->n * sizeof(struct eh_entry) / sizeof(unw_word_t),
			.table_data = TABLE_ADDR,
		},
	};
	int64_t rel = (int64_t)(ip - t->segbase);
	int r;

	if (t->n == 0 || ip < t->start_ip || ip >= t->end_ip || rel < INT32_MIN || rel > INT32_MAX)
		return -UNW_ENOINFO;
	memset(pi, 0, sizeof(*pi));
	c->table = t;
	r = dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, c);
	c->table = NULL;
	return r;
}

/* Unwind info for ip from the .eh_frame table of the file mapped there. */
static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct ctx *c = arg;
	const struct mapping *m = mapping_of(c, ip);
	const struct elf_info *e = bad_of(m) ? NULL : ehfile_get(c, m, ip);

	if (e && search_table(c, as, &e->eh, ip, pi, need_unwind_info) >= 0)
		return 0;
	c->no_cfi = true;
	return -UNW_ENOINFO;
}

/* Frees what find_proc_info() had libunwind allocate: libunwind-ptrace's own, which needs
 * no thread. */
static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)arg;
	_UPT_put_unwind_info(as, pi, NULL);
}

/* No dynamically registered unwind info (_U_dyn_register): libunwind-ptrace finds none on
 * x86_64 either. */
static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
	(void)as;
	(void)dilap;
	(void)arg;
	return -UNW_ENOINFO;
}

/* Reads len bytes of tracee memory at addr; false when it cannot. */
static bool peek(const struct ctx *c, uint64_t addr, void *buf, size_t len)
{
	return addr <= (uint64_t)INT64_MAX - len &&
	       pread(c->mem, buf, len, (off_t)addr) == (ssize_t)len;
}

/* Tracee memory, read-only; and the search table during search_table(). */
static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
		      void *arg)
{
	struct ctx *c = arg;
	const struct eh_table *t = c->table;

	if (write)
		return -UNW_EINVAL; /* the unwinder never changes the tracee */
	if (t && addr >= TABLE_ADDR && addr - TABLE_ADDR < t->n * sizeof(struct eh_entry)) {
		size_t off = addr - TABLE_ADDR, len = t->n * sizeof(struct eh_entry) - off;

		*val = 0;
		memcpy(val, (const uint8_t *)t->entries + off,
		       len < sizeof(*val) ? len : sizeof(*val));
		return 0;
	}
	return peek(c, addr, val, sizeof(*val)) ? 0 : -UNW_EINVAL;
}

/* Where libunwind's x86_64 registers are in the kernel's struct user_regs_struct. */
static const size_t reg_offset[] = {
	[UNW_X86_64_RAX] = offsetof(struct user_regs_struct, rax),
	[UNW_X86_64_RDX] = offsetof(struct user_regs_struct, rdx),
	[UNW_X86_64_RCX] = offsetof(struct user_regs_struct, rcx),
	[UNW_X86_64_RBX] = offsetof(struct user_regs_struct, rbx),
	[UNW_X86_64_RSI] = offsetof(struct user_regs_struct, rsi),
	[UNW_X86_64_RDI] = offsetof(struct user_regs_struct, rdi),
	[UNW_X86_64_RBP] = offsetof(struct user_regs_struct, rbp),
	[UNW_X86_64_RSP] = offsetof(struct user_regs_struct, rsp),
	[UNW_X86_64_R8] = offsetof(struct user_regs_struct, r8),
	[UNW_X86_64_R9] = offsetof(struct user_regs_struct, r9),
	[UNW_X86_64_R10] = offsetof(struct user_regs_struct, r10),
	[UNW_X86_64_R11] = offsetof(struct user_regs_struct, r11),
	[UNW_X86_64_R12] = offsetof(struct user_regs_struct, r12),
	[UNW_X86_64_R13] = offsetof(struct user_regs_struct, r13),
	[UNW_X86_64_R14] = offsetof(struct user_regs_struct, r14),
	[UNW_X86_64_R15] = offsetof(struct user_regs_struct, r15),
	[UNW_X86_64_RIP] = offsetof(struct user_regs_struct, rip),
};

/* The thread's registers, read-only; or those of a frame found by the frame pointer. */
static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
		      void *arg)
{
	struct ctx *c = arg;

	if (write)
		return -UNW_EREADONLYREG;
	if (c->synthetic) {
		switch (reg) {
		case UNW_X86_64_RIP:
			*val = c->regs.ip;
			return 0;
		case UNW_X86_64_RSP:
			*val = c->regs.sp;
			return 0;
		case UNW_X86_64_RBP:
			*val = c->regs.bp;
			return 0;
		default:
			return -UNW_EBADREG; /* unknown in a frame found by its frame pointer */
		}
	}
	if (reg < 0 || (size_t)reg >= ARRAY_SIZE(reg_offset))
		return -UNW_EBADREG;
	memcpy(val, (const char *)c->thread + reg_offset[reg], sizeof(*val));
	return 0;
}

/* No floating-point registers: x86_64 CFI never needs them to step. */
static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	(void)as;
	(void)reg;
	(void)val;
	(void)arg;
	return write ? -UNW_EREADONLYREG : -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	return -UNW_EINVAL; /* never: we only look */
}

/*
 * One step up the frame pointer chain from the frame with registers r: the caller's
 * frame pointer is at [bp], the return address at [bp + 8], its stack pointer bp + 16
 * (the x86_64 prologue push %rbp; mov %rsp,%rbp). Refuses a frame pointer below the stack
 * pointer, misaligned or too far from it (so the chain strictly climbs and ends), an
 * unreadable slot, and a return address outside executable memory.
 */
static bool fp_step(struct ctx *c, const struct regs *r, struct regs *ret_next)
{
	unw_word_t bp, ra;
	const struct mapping *m;

	if (r->bp == 0 || r->bp % 8 != 0 || r->bp < r->sp || r->bp - r->sp > FP_MAX_FRAME ||
	    r->bp > UINT64_MAX - 16)
		return false;
	if (!peek(c, r->bp, &bp, sizeof(bp)) || !peek(c, r->bp + 8, &ra, sizeof(ra)))
		return false;
	m = mapping_of(c, ra);
	if (ra == 0 || !m || !m->exec)
		return false;
	*ret_next = (struct regs){ .ip = ra - 1, .sp = r->bp + 16, .bp = bp };
	return true;
}

/* The registers fp_step() starts from. */
static void frame_regs(unw_cursor_t *cur, struct regs *r)
{
	unw_word_t ip = 0, sp = 0, bp = 0;

	unw_get_reg(cur, UNW_REG_IP, &ip);
	unw_get_reg(cur, UNW_REG_SP, &sp);
	if (unw_get_reg(cur, UNW_X86_64_RBP, &bp) < 0)
		bp = 0;
	*r = (struct regs){ .ip = ip, .sp = sp, .bp = bp };
}

/* Fills f with pc and where it is mapped; the name comes later (name_frames()). */
static void place_frame(const struct ctx *c, uint64_t pc, bool caller, struct frame *f)
{
	/* A return address may be the first byte past its function, or past its mapping. */
	const struct mapping *m = mapping_of(c, pc - caller);

	*f = (struct frame){ .pc = pc };
	if (m) {
		snprintf(f->module, sizeof(f->module), "%s", m->path);
		f->module_offset = pc - m->start + m->offset;
	}
}

/* The pc of the cursor's frame. A cursor restarted at a return address - 1 reports the
 * return address, as libunwind does for the frames it steps to. */
static uint64_t frame_pc(unw_cursor_t *cur, bool restarted)
{
	unw_word_t ip = 0;

	unw_get_reg(cur, UNW_REG_IP, &ip);
	return ip + restarted;
}

/*
 * The kernel's vDSO mapping m of tgid, which is no file, copied into a memfd for the
 * symbolizer: the tracer only copies it, the child parses it. Its identity for the name
 * cache (*ret_ino) is a hash (FNV-1a) of its bytes. Returns the fd, or -errno.
 */
static int open_vdso(pid_t tgid, const struct mapping *m, uint64_t *ret_ino)
{
	size_t len = m->end - m->start;
	_cleanup_free_ uint8_t *buf = len <= (1u << 20) ? malloc(len) : NULL;
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)m->start, .iov_len = len };
	_cleanup_close_ int fd = -1;
	uint64_t h = 14695981039346656037ULL;

	if (!buf)
		return -ENOMEM;
	if (process_vm_readv(tgid, &local, 1, &remote, 1, 0) != (ssize_t)len)
		return -EIO;
	fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		return -EIO;
	for (size_t i = 0; i < len; i++)
		h = (h ^ buf[i]) * 1099511628211ULL;
	*ret_ino = h | 1; /* never 0, a free cache slot */
	return steal_fd(fd);
}

/*
 * Names frames[0..n) with symbols.c: the files they point into, opened here (the mapped
 * inodes, see open_mapped(); the vDSO copied, see open_vdso()) and handed to its sandboxed
 * child. caller[i] says that frame i's pc is a return address. Returns the new number of
 * frames (inlined ones added, up to max); *ret_why is set when naming failed.
 */
static size_t name_frames(const struct ctx *c, struct frame *frames, const bool *caller,
			  size_t n, size_t max, const char **ret_why)
{
	struct sym_module mods[SYM_MAX_MODULES] = { 0 };
	struct sym_query q[UNWIND_MAX] = { 0 };
	size_t n_mods = 0;

	for (size_t i = 0; i < n; i++) {
		const struct mapping *m = mapping_of(c, frames[i].pc - caller[i]);
		uint64_t base = m ? m->start - m->offset : 0, ino = m ? m->ino : 0;
		size_t j = 0;

		q[i] = (struct sym_query){ .module = -1, .caller = caller[i] };
		if (!m || (!m->ino && !m->vdso))
			continue;
		while (j < n_mods && !(mods[j].base == base && (m->vdso ? mods[j].dev == 0 :
				       mods[j].ino == ino && mods[j].dev == m->dev)))
			j++;
		if (j == n_mods) {
			int fd = n_mods == ARRAY_SIZE(mods) ? -ENOSPC
				 : m->vdso ? open_vdso(c->tgid, m, &ino) : open_mapped(c->tgid, m);

			if (fd < 0)
				continue;
			mods[n_mods++] = (struct sym_module){ .fd = fd, .base = base, .dev = m->dev,
							      .ino = ino, .path = m->path };
		}
		q[i].module = (int)j;
	}
	n = symbols_name(mods, n_mods, q, frames, n, max, ret_why);
	for (size_t j = 0; j < n_mods; j++)
		close(mods[j].fd);
	return n;
}

const char *const unwind_why[] = {
	"process is gone",
	"out of memory",
	"libunwind cannot start unwinding this thread",
};
const unsigned unwind_n_whys = ARRAY_SIZE(unwind_why);
/* Indexes in unwind_why[]. */
enum { WHY_GONE, WHY_NOMEM, WHY_START };

/* The 64-bit walk: libunwind, and the frame pointer chain where it has no CFI. */
static int walk64(struct ctx *c, size_t max, void (*emit)(void *arg, uint64_t pc, bool caller),
		  void *arg, unsigned *ret_why)
{
	unw_cursor_t cur, prev;
	size_t n = 0;
	bool restarted = false; /* the cursor restarted from a frame pointer step */
	bool resumed = true;    /* the frame's pc is where it was interrupted, not a return */

	if (unw_init_remote(&cur, c->space->as, c) < 0) {
		*ret_why = WHY_START;
		return -EINVAL;
	}
	while (n < max) {
		struct regs r;
		int step;

		emit(arg, frame_pc(&cur, restarted), !resumed);
		n++;
		if (n == max)
			break;
		frame_regs(&cur, &r);
		prev = cur;
		c->no_cfi = false;
		/* The frame a signal frame returns to was interrupted, not calling. */
		resumed = unw_is_signal_frame(&cur) > 0;
		step = unw_step(&cur);
		restarted = false;
		/* With CFI, libunwind's answer stands, the end of the stack included. */
		if (!c->no_cfi && step >= 0) {
			if (step == 0)
				break;
			continue;
		}
		/* No CFI for this frame (libunwind then guesses, or stops), or a failure:
		 * the frame pointer chain, unless libunwind saw a signal frame. */
		if (step > 0 && unw_is_signal_frame(&prev) > 0)
			continue;
		resumed = false;
		if (!fp_step(c, &r, &c->regs)) {
			if (step > 0)
				continue; /* libunwind's guess, then */
			break;
		}
		c->synthetic = true;
		if (unw_init_remote(&cur, c->space->as, c) < 0)
			break;
		restarted = true;
	}
	return (int)n;
}

/* Reads a 32-bit word of the tracee at addr; false when it cannot. */
static bool peek32(const struct ctx *c, uint64_t addr, uint32_t *ret)
{
	return addr <= UINT32_MAX - 3 && peek(c, addr, ret, sizeof(*ret));
}

/*
 * True when ra looks like a return address: in executable file-backed memory, right after
 * a call instruction (e8 rel32; ff /2 with a register, disp8, disp32 or SIB operand).
 */
static bool after_call(const struct ctx *c, uint32_t ra)
{
	static const unsigned back[] = { 2, 3, 6, 7 };
	const struct mapping *m = mapping_of(c, ra - 1);
	uint8_t code[8];

	if (!m || !m->exec || ra < 8 || !peek(c, ra - 8, code, sizeof(code)))
		return false;
	if (code[8 - 5] == 0xe8)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(back); i++)
		if (code[8 - back[i]] == 0xff && ((code[9 - back[i]] >> 3) & 7) == 2)
			return true;
	return false;
}

/* The 32-bit walk, by the frame pointer chain: the frames of code built without frame
 * pointers are skipped, but for the innermost (the vDSO and the libc wrapper of the call). */
static int walk32(const struct ctx *c, size_t max,
		  void (*emit)(void *arg, uint64_t pc, bool caller), void *arg)
{
	/* A 32-bit task's registers, zero-extended into the 64-bit layout. */
	uint32_t pc = (uint32_t)c->thread->rip, sp = (uint32_t)c->thread->rsp;
	uint32_t bp = (uint32_t)c->thread->rbp, w;
	const struct mapping *m = mapping_of(c, pc);
	size_t n = 0;

	emit(arg, pc, false);
	n++;
	/* In __kernel_vsyscall (arch/x86/entry/vdso/vdso32/system_call.S): it pushed ecx,
	 * edx and ebp, so its return address is 12 bytes above the stack pointer and the
	 * caller's ebp is the saved one. */
	if (m && m->vdso && n < max && peek32(c, (uint64_t)sp + 12, &w) && after_call(c, w) &&
	    peek32(c, sp, &bp)) {
		emit(arg, w, true);
		n++;
		sp += 16;
	}
	/* A libc wrapper keeps no frame pointer: its return address is the first one found
	 * on the stack below the frame pointer, which is still its caller's. */
	for (uint32_t a = sp; n < max && a < bp && a - sp < FP_SCAN; a += 4)
		if (peek32(c, a, &w) && after_call(c, w)) {
			emit(arg, w, true);
			n++;
			break;
		}
	/* Then the frame pointer chain: the saved ebp at [ebp], the return address at
	 * [ebp + 4]; it must climb the stack, in steps smaller than FP_MAX_FRAME. */
	while (n < max && bp != 0 && bp % 4 == 0 && bp >= sp && bp - sp <= FP_MAX_FRAME &&
	       peek32(c, bp + 4ULL, &w) && after_call(c, w)) {
		uint32_t next;

		if (!peek32(c, bp, &next))
			break;
		emit(arg, w, true);
		n++;
		sp = bp + 8;
		bp = next;
	}
	return (int)n;
}

int unwind_walk(const struct walk_request *rq, void (*emit)(void *arg, uint64_t pc, bool caller),
		void *arg, unsigned *ret_why)
{
	static struct mapping maps[MAX_MAPS];
	struct ctx c = { .tgid = rq->tgid, .mem = rq->mem, .thread = &rq->regs, .maps = maps };
	size_t max = rq->max < UNWIND_MAX ? rq->max : UNWIND_MAX;
	uint64_t hash = rq->maps_hash;

	/* A copy: the tracer's memory is the tracer's to change (after a deadline, say). */
	c.n_maps = rq->n_maps <= MAX_MAPS && shared_maps ? rq->n_maps : 0;
	memcpy(maps, shared_maps, c.n_maps * sizeof(*maps));
	if (c.n_maps == 0) {
		*ret_why = WHY_GONE;
		return -ESRCH;
	}
	if (max == 0)
		return 0;
	if (rq->i386)
		return walk32(&c, max, emit, arg);
	c.space = space_get(rq->tgid, maps, c.n_maps, hash);
	if (!c.space) {
		*ret_why = WHY_NOMEM;
		return -ENOMEM;
	}
	return walk64(&c, max, emit, arg, ret_why);
}

/*
 * After the child timed out or failed (rc) with n frames found: the file of the last one,
 * whose unwind info it was reading, is marked bad. Returns the reason to give.
 */
static const char *mark_bad(const struct ctx *c, const struct frame *frames, const bool *caller,
			    size_t n, int rc)
{
	const char *what = rc == -ETIMEDOUT ? "timed out" : "failed";
	const struct mapping *m = n ? mapping_of(c, frames[n - 1].pc - caller[n - 1]) : NULL;
	struct bad_file *b;

	if (!m || !m->ino)
		return rc == -ETIMEDOUT ? "unwinder timed out" : "unwinder failed";
	b = &bad[next_bad];
	next_bad = (next_bad + 1) % ARRAY_SIZE(bad);
	*b = (struct bad_file){ .dev = m->dev, .ino = m->ino };
	snprintf(b->why, sizeof(b->why), "unwinder %s on the unwind info of %s: frames past #%zu "
		 "are missing", what, m->path[0] ? m->path : "a deleted file", n - 1);
	snprintf(b->before, sizeof(b->before), "unwinder %s on the unwind info of %s before: "
		 "its frames are found by frame pointer", what, m->path[0] ? m->path : "a deleted file");
	return b->why;
}

/* The reason to give when one of the n frames is in a file marked bad, or NULL. */
static const char *bad_seen(const struct ctx *c, const struct frame *frames, const bool *caller,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bad_file *b = bad_of(mapping_of(c, frames[i].pc - caller[i]));

		if (b)
			return b->before;
	}
	return NULL;
}

/*
 * The stack of thread tid of tgid (in a ptrace stop): its registers and memory handed to
 * unwind-child.c's child, which walks it under a deadline; the frames it found are then
 * placed in the mappings and named here.
 */
static int take_stack(pid_t tgid, pid_t tid, bool i386, struct frame *frames, size_t max,
		      const char **ret_why)
{
	static struct walked walked[UNWIND_MAX];
	static bool caller[UNWIND_MAX];
	struct ctx c = { .tgid = tgid };
	struct walk_request rq = { .tgid = tgid, .i386 = i386,
				   .max = max < UNWIND_MAX ? max : UNWIND_MAX };
	_cleanup_close_ int mem = -1;
	const char *walk_why = NULL;
	unsigned why = unwind_n_whys;
	char path[64];
	uint64_t hash;
	size_t n = 0;
	int rc;

	if (rq.max == 0)
		return 0;
	if (ptrace(PTRACE_GETREGS, tid, 0L, &rq.regs) < 0) {
		*ret_why = "cannot read the thread's registers";
		return -errno;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", tgid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		*ret_why = "cannot read the process's memory";
		return -errno;
	}
	rq.mem = mem;
	if (!shared_maps) {
		void *p = mmap(NULL, MAX_MAPS * sizeof(*shared_maps), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			*ret_why = "out of memory";
			return -ENOMEM;
		}
		shared_maps = p;
	}
	c.maps = shared_maps;
	c.n_maps = read_maps(tgid, shared_maps, MAX_MAPS, &hash);
	if (c.n_maps == 0) {
		*ret_why = "process is gone";
		return -ESRCH;
	}
	rq.n_maps = (uint32_t)c.n_maps;
	rq.maps_hash = hash;
	rc = unwind_child_walk(&rq, walked, &n, &why);
	for (size_t i = 0; i < n; i++) {
		caller[i] = walked[i].caller != 0;
		place_frame(&c, walked[i].pc, caller[i], &frames[i]);
	}
	if (rc == -ETIMEDOUT || rc == -ECHILD) {
		walk_why = mark_bad(&c, frames, caller, n, rc);
	} else if (rc < 0 && n == 0) {
		*ret_why = why < unwind_n_whys ? unwind_why[why] : "cannot start the unwinder";
		return rc;
	} else {
		walk_why = bad_seen(&c, frames, caller, n);
	}
	n = name_frames(&c, frames, caller, n, rq.max, ret_why);
	if (walk_why)
		*ret_why = walk_why;
	return (int)n;
}

int unwind_stack(pid_t tgid, pid_t tid, struct frame *frames, size_t max, const char **ret_why)
{
	return take_stack(tgid, tid, false, frames, max, ret_why);
}

int unwind_stack32(pid_t tgid, pid_t tid, struct frame *frames, size_t max, const char **ret_why)
{
	return take_stack(tgid, tid, true, frames, max, ret_why);
}
