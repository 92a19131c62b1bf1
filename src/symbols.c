/*
 * Frame names with elfutils' libdwfl, in a sandboxed child process.
 *
 * The tracee chooses which files we parse: its own binary, the libraries it maps, and
 * through them their separate debug files (.gnu_debuglink, .gnu_debugdata). A crafted one
 * must cost only its own stack. So each naming forks a child that inherits the mapped
 * files' descriptors (opened by the tracer and checked to be the mapped inodes), closes
 * everything else, limits itself (RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE), loads a seccomp
 * filter that allows reading files and writing to its pipe only (no sockets, no exec, no
 * file creation, no executable memory), and only then lets libdwfl read anything. The
 * parent waits for it at most DEADLINE_MS, kills it past that, and trusts nothing it
 * sends: records are fixed-size, must answer the frames in order, and their strings are
 * terminated again here. debuginfod stays off: DEBUGINFOD_URLS is unset in the child
 * (elfutils' client then does nothing, debuginfod_find_debuginfo returns -ENOSYS) and the
 * filter would refuse its sockets anyway.
 *
 * The child answers in two phases: first the symbol of every frame (the symbol tables are
 * quick to read), then source lines and inlined functions (libdw indexes every compilation
 * unit of a debug file first: 40 ms for libc's, seconds for a browser's), so that a frame
 * whose lines do not come in time keeps its name.
 *
 * Names are cached in the tracer per (file, offset), so a leak site seen before costs no
 * child at all; so are the names of a debug file too slow to read in time, and a file that
 * crashed the child is never read again.
 */

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "sandbox.h"
#include "symbols.h"

/* libstdc++'s demangler (the Itanium C++ ABI, section 3.4), declared in <cxxabi.h> for C++
 * only. It runs in the sandboxed child, since a mangled name is the tracee's text too. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* How long a child may take in all, and in CPU seconds (RLIMIT_CPU, setrlimit(2)). */
#define DEADLINE_MS 2000
#define CPU_SECONDS 2
/* Address space a child may add to what it inherits: enough for libc's debug info many
 * times over. */
#define CHILD_AS (4ULL << 30)
/* Most frames one pc may expand to (inlined functions + the real one). */
#define MAX_DEPTH 16
/* Cached names: (1 << CACHE_BITS) slots, each of at most CACHE_DEPTH frames (about
 * 3 KiB a slot, allocated at the first leak). */
#define CACHE_BITS 8
#define CACHE_DEPTH 4
#define CACHE_WAYS 4

/* libdwfl's default path (libdwfl.h, dwfl_standard_find_debuginfo): the file's own
 * directory, its .debug subdirectory, /usr/lib/debug (and its .build-id tree). */
#define DEFAULT_DEBUGINFO_PATH ":.debug:/usr/lib/debug"

/*
 * What the child sends. Phase 1: one record per frame, its symbol alone (quick: the
 * symbol table). Phase 2: per frame, one record per function at its pc, innermost first,
 * with source lines (slow on a large debug file: libdw indexes its compilation units).
 * A frame whose phase 2 does not come in time keeps its phase 1 name.
 */
struct record {
	uint32_t query; /* index of the frame named */
	uint32_t phase; /* 1 or 2 */
	uint32_t last;  /* 1: the last record for that frame in this phase (its real function) */
	struct frame f; /* function, offset, build_id, file, line, inlined; the rest unused */
};

/* A cached naming of one (file, offset). */
struct cached {
	uint64_t dev, ino;           /* the file; ino 0 for a free slot */
	uint64_t addr;               /* file offset looked up (pc - 1 for a caller) */
	size_t n;                    /* frames in f */
	struct frame f[CACHE_DEPTH]; /* the naming fields of each, innermost first */
};

void (*symbols_child_hook)(int out, int phase);

static char *debuginfo_path;
static struct cached *cache;
/* The reasons given so far: a caller may keep one for the whole run (a summary of leak
 * sites), so each is kept as long as WHYS newer ones have not taken its place. */
#define WHYS 32
static char whys[WHYS][320];
static size_t next_why;

int symbols_set_debuginfo_path(const char *dirs)
{
	char *p = NULL;

	if (dirs && dirs[0] && asprintf(&p, "%s:%s", dirs, DEFAULT_DEBUGINFO_PATH) < 0)
		return -ENOMEM;
	free(debuginfo_path);
	debuginfo_path = p;
	return 0;
}

/* Copies the naming fields (all but pc, module, module_offset) of src into dst. */
static void copy_names(struct frame *dst, const struct frame *src)
{
	memcpy(dst->function, src->function, sizeof(dst->function));
	dst->offset = src->offset;
	memcpy(dst->build_id, src->build_id, sizeof(dst->build_id));
	memcpy(dst->file, src->file, sizeof(dst->file));
	dst->line = src->line;
	dst->inlined = src->inlined;
}

/* --- The child: libdwfl, sandboxed. --- */

/* Writes all of len bytes to fd; false when it cannot. */
static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* Copies a symbol name into buf, demangled when it is a C++ one, without the symbol
 * version that a .symtab name may carry ("__libc_start_main@@GLIBC_2.34"). */
static void put_name(char *buf, size_t size, const char *name)
{
	int status = -1;
	char *d = name && strncmp(name, "_Z", 2) == 0 ? __cxa_demangle(name, NULL, NULL, &status)
						       : NULL;

	snprintf(buf, size, "%s", d && status == 0 ? d : name ? name : "");
	if (!(d && status == 0))
		buf[strcspn(buf, "@")] = '\0';
	free(d);
}

/* The name of a function's DIE: its linkage name demangled, else its DW_AT_name, following
 * DW_AT_abstract_origin and DW_AT_specification (dwarf_attr_integrate). */
static void die_name(Dwarf_Die *die, char *buf, size_t size)
{
	Dwarf_Attribute a;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));

	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	put_name(buf, size, name ? name : dwarf_diename(die));
}

/* The hex build ID of mod into buf (41 bytes), "" without one. */
static void build_id(Dwfl_Module *mod, char *buf)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);

	buf[0] = '\0';
	for (int i = 0; i < len && i < 20; i++)
		snprintf(buf + 2 * i, 3, "%02x", bits[i]);
}

/* The compilation unit containing addr, or NULL. libdw 0.188 finds it through
 * .debug_aranges only, which clang does not emit: then the units' own ranges are searched. */
static Dwarf_Die *cu_at(Dwfl_Module *mod, Dwarf_Addr addr, Dwarf_Addr *ret_bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, ret_bias);

	if (cu)
		return cu;
	for (cu = dwfl_module_nextcu(mod, NULL, ret_bias); cu;
	     cu = dwfl_module_nextcu(mod, cu, ret_bias))
		if (dwarf_haspc(cu, addr - *ret_bias) > 0)
			return cu;
	return NULL;
}

/* The symbol containing addr (of a frame whose pc is addr + caller) and the module's build
 * ID into f; false when no symbol contains it. */
static bool name_symbol(Dwfl_Module *mod, Dwarf_Addr addr, bool caller, struct frame *f)
{
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);

	*f = (struct frame){ .offset = name ? off + caller : 0 };
	build_id(mod, f->build_id);
	put_name(f->function, sizeof(f->function), name);
	return name != NULL;
}

/*
 * Names address addr of mod (the call instruction of a caller frame, whose pc is addr +
 * caller): one record per function inlined there, innermost first, then the real
 * function, in gdb's style (each inlined frame's line is where it is, its caller's line is
 * the inlined call site: DW_AT_call_file, DW_AT_call_line). Returns the number of records.
 */
static size_t name_addr(Dwfl_Module *mod, Dwarf_Addr addr, bool caller, struct record *r,
			size_t max)
{
	struct frame sym;
	bool have_sym = name_symbol(mod, addr, caller, &sym);
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = cu_at(mod, addr, &bias);
	Dwarf_Line *line = cu ? dwarf_getsrc_die(cu, addr - bias) : NULL;
	const char *file = line ? dwarf_linesrc(line, NULL, NULL) : NULL;
	int lineno = 0;
	Dwarf_Die *scopes = NULL, *chain = NULL, *real = NULL;
	int n_chain = 0;
	Dwarf_Files *files = NULL;
	size_t n = 0;

	if (line)
		dwarf_lineno(line, &lineno);
	if (cu && dwarf_getscopes(cu, addr - bias, &scopes) > 0) {
		Dwarf_Die inner = scopes[0];

		n_chain = dwarf_getscopes_die(&inner, &chain);
	}
	if (cu && dwarf_getsrcfiles(cu, &files, NULL) != 0)
		files = NULL;
	for (int j = 0; j < n_chain && !real; j++) {
		Dwarf_Attribute a;
		Dwarf_Word v;

		switch (dwarf_tag(&chain[j])) {
		case DW_TAG_inlined_subroutine:
			/* Past max - 1 inlined frames, the outer ones are left out. */
			if (n + 1 < max) {
				r[n] = (struct record){
					.f.line = lineno > 0 ? (unsigned)lineno : 0, .f.inlined = 1
				};
				die_name(&chain[j], r[n].f.function, sizeof(r[n].f.function));
				snprintf(r[n].f.file, sizeof(r[n].f.file), "%s", file ? file : "");
				n++;
			}
			file = files && dwarf_formudata(dwarf_attr(&chain[j], DW_AT_call_file, &a),
							&v) == 0
			       ? dwarf_filesrc(files, v, NULL, NULL) : NULL;
			lineno = dwarf_formudata(dwarf_attr(&chain[j], DW_AT_call_line, &a), &v) == 0
				 ? (int)v : 0;
			break;
		case DW_TAG_subprogram:
		case DW_TAG_entry_point:
			real = &chain[j];
			break;
		default:
			break;
		}
	}
	r[n] = (struct record){ .f.line = lineno > 0 ? (unsigned)lineno : 0, .last = 1 };
	if (have_sym) {
		memcpy(r[n].f.function, sym.function, sizeof(sym.function));
		r[n].f.offset = sym.offset;
	} else if (real) {
		Dwarf_Addr entry;

		die_name(real, r[n].f.function, sizeof(r[n].f.function));
		if (dwarf_entrypc(real, &entry) == 0 && entry <= addr - bias)
			r[n].f.offset = addr - bias - entry + caller;
	}
	snprintf(r[n].f.file, sizeof(r[n].f.file), "%s", file ? file : "");
	n++;
	for (size_t i = 0; i < n; i++) {
		memcpy(r[i].f.build_id, sym.build_id, sizeof(sym.build_id));
		r[i].phase = 2;
	}
	free(chain);
	free(scopes);
	return n;
}

/* The child: confines itself, then names the frames of todo, in order, into out. */
static void __attribute__((noreturn))
child_main(int out, const struct sym_module *mods, size_t n_mods, const struct sym_query *q,
	   const struct frame *in, size_t n, const bool *todo)
{
	int keep[SYM_MAX_MODULES + 1];
	struct sandbox sb = { .keep = keep, .n_keep = n_mods + 1, .out = out,
			      .cpu_seconds = CPU_SECONDS, .extra_as = CHILD_AS };
	Dwfl_Module *dmods[SYM_MAX_MODULES] = { 0 };
	bool reported[SYM_MAX_MODULES] = { 0 };
	char *path = debuginfo_path;
	Dwfl_Callbacks cb = {
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = path ? &path : NULL,
	};
	Dwfl *dwfl;
	struct record r[MAX_DEPTH];

	keep[0] = out;
	for (size_t i = 0; i < n_mods; i++)
		keep[i + 1] = mods[i].fd;
	unsetenv("DEBUGINFOD_URLS");
	if (sandbox_enter(&sb) < 0)
		_exit(2);
	if (symbols_child_hook)
		symbols_child_hook(out, 1);
	dwfl = dwfl_begin(&cb);
	if (!dwfl)
		_exit(2);
	for (size_t i = 0; i < n; i++) {
		const struct sym_module *m = todo[i] ? &mods[q[i].module] : NULL;

		/* Each module is reported (its ELF headers read) when a frame first needs it,
		 * so that a crash while reading it is told apart from the others. */
		if (m && !reported[q[i].module]) {
			reported[q[i].module] = true;
			dwfl_report_begin_add(dwfl);
			dmods[q[i].module] = dwfl_report_elf(dwfl, m->path, m->path, dup(m->fd),
							     m->base, false);
			dwfl_report_end(dwfl, NULL, NULL);
		}
		r[0] = (struct record){ .query = (uint32_t)i, .phase = 1, .last = 1 };
		if (m && dmods[q[i].module])
			name_symbol(dmods[q[i].module], in[i].pc - q[i].caller, q[i].caller,
				    &r[0].f);
		if (m && !write_all(out, r, sizeof(r[0])))
			_exit(2);
	}
	if (symbols_child_hook)
		symbols_child_hook(out, 2);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		if (!todo[i])
			continue;
		if (dmods[q[i].module])
			k = name_addr(dmods[q[i].module], in[i].pc - q[i].caller, q[i].caller, r,
				      MAX_DEPTH);
		if (k == 0)
			r[k++] = (struct record){ .phase = 2, .last = 1 };
		for (size_t j = 0; j < k; j++)
			r[j].query = (uint32_t)i;
		if (!write_all(out, r, k * sizeof(r[0])))
			_exit(2);
	}
	_exit(0);
}

/* --- The parent: cache, child, and what it says. --- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* text, as a string kept in whys. */
static const char *keep_why(const char *text)
{
	char *w;

	for (size_t i = 0; i < WHYS; i++)
		if (strcmp(whys[i], text) == 0)
			return whys[i];
	w = whys[next_why];
	next_why = (next_why + 1) % WHYS;
	snprintf(w, sizeof(whys[0]), "%s", text);
	return w;
}

/* Modules the symbolizer crashed or stalled on: never handed to a child again. */
static struct {
	uint64_t dev, ino; /* the file; ino 0 for a free slot */
} bad[16];
static size_t next_bad;

void symbols_cache_clear(void)
{
	if (cache)
		memset(cache, 0, (1u << CACHE_BITS) * sizeof(*cache));
	memset(bad, 0, sizeof(bad));
}

/*
 * The cache slot of (file, addr) among the CACHE_WAYS after its hash: the one that holds
 * it, else a free one, else the first (evicted). NULL without memory.
 */
static struct cached *cache_slot(const struct sym_module *m, uint64_t addr)
{
	uint64_t h = ((m->dev * 31 + m->ino) * 0x9e3779b97f4a7c15ULL ^ addr) *
		     0xff51afd7ed558ccdULL;
	size_t home = (size_t)(h >> (64 - CACHE_BITS)), free_slot = home;

	if (!cache)
		cache = calloc(1u << CACHE_BITS, sizeof(*cache));
	if (!cache)
		return NULL;
	for (size_t w = CACHE_WAYS; w-- > 0;) {
		struct cached *c = &cache[(home + w) % (1u << CACHE_BITS)];

		if (c->ino == m->ino && c->dev == m->dev && c->addr == addr && c->ino)
			return c;
		if (!c->ino)
			free_slot = (home + w) % (1u << CACHE_BITS);
	}
	return &cache[free_slot];
}

/* The file offset frame f is looked up at. */
static uint64_t lookup_offset(const struct frame *f, const struct sym_query *q)
{
	return f->module_offset - q->caller;
}

/* The cached naming of frame f, or NULL. */
static const struct cached *cache_find(const struct sym_module *mods, size_t n_mods,
				       const struct sym_query *q, const struct frame *f)
{
	const struct sym_module *m;
	const struct cached *c;
	uint64_t addr = lookup_offset(f, q);

	if (q->module < 0 || (size_t)q->module >= n_mods)
		return NULL;
	m = &mods[q->module];
	c = cache_slot(m, addr);
	return c && c->ino && c->ino == m->ino && c->dev == m->dev && c->addr == addr ? c : NULL;
}

static void cache_put(const struct sym_module *mods, size_t n_mods, const struct sym_query *q,
		      const struct frame *f, const struct frame *named, size_t k)
{
	const struct sym_module *m;
	struct cached *c;
	uint64_t addr = lookup_offset(f, q);

	if (q->module < 0 || (size_t)q->module >= n_mods || k == 0 || k > CACHE_DEPTH ||
	    !mods[q->module].ino)
		return;
	m = &mods[q->module];
	c = cache_slot(m, addr);
	if (!c)
		return;
	*c = (struct cached){ .dev = m->dev, .ino = m->ino, .addr = addr, .n = k };
	for (size_t i = 0; i < k; i++)
		copy_names(&c->f[i], &named[i]);
}

/* Reads one record from fd into r before deadline (ms, CLOCK_MONOTONIC): 1, 0 at the end
 * of the stream or on a short record, -ETIMEDOUT. */
static int read_record(int fd, struct record *r, uint64_t deadline)
{
	size_t got = 0;

	while (got < sizeof(*r)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ms();
		ssize_t n;

		if (t >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(deadline - t)) == 0)
			return -ETIMEDOUT;
		n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

/* Terminates the strings of a record from the child, which may say anything. */
static void sanitize(struct frame *f)
{
	f->function[sizeof(f->function) - 1] = '\0';
	f->build_id[sizeof(f->build_id) - 1] = '\0';
	f->file[sizeof(f->file) - 1] = '\0';
	f->inlined = f->inlined != 0;
}

/* Appends frame in, named by k records of named, to out (n_out of max). */
static void append(struct frame *out, size_t *n_out, size_t max, const struct frame *in,
		   const struct frame *named, size_t k)
{
	for (size_t j = 0; j < k && *n_out < max; j++) {
		out[*n_out] = *in;
		copy_names(&out[*n_out], &named[j]);
		(*n_out)++;
	}
}

static bool is_bad(const struct sym_module *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (bad[i].ino && bad[i].ino == m->ino && bad[i].dev == m->dev)
			return true;
	return false;
}

static void mark_bad(const struct sym_module *m)
{
	bad[next_bad].dev = m->dev;
	bad[next_bad].ino = m->ino;
	next_bad = (next_bad + 1) % ARRAY_SIZE(bad);
}

/* How a child ended. */
enum outcome {
	DONE,       /* every frame answered */
	ENDED,      /* it ended too early: its status says how */
	TIMED_OUT,  /* past the deadline or its CPU time */
	MISBEHAVED, /* an answer out of order or without end: killed */
};

/* Reads the answer of phase for frame i (at most max records into named). Returns DONE
 * with *ret_k records, or how the child failed. */
static enum outcome read_answer(int fd, uint32_t phase, size_t i, struct frame *named,
				size_t max, size_t *ret_k, uint64_t deadline)
{
	struct record r;
	size_t k = 0;
	int rc;

	while (k < max && (rc = read_record(fd, &r, deadline)) > 0) {
		if (r.query != i || r.phase != phase)
			return MISBEHAVED;
		sanitize(&r.f);
		named[k++] = r.f;
		if (r.last) {
			*ret_k = k;
			return DONE;
		}
	}
	return k == max ? MISBEHAVED : rc < 0 ? TIMED_OUT : ENDED;
}

size_t symbols_name(const struct sym_module *mods, size_t n_mods, const struct sym_query *q,
		    struct frame *frames, size_t n, size_t max, const char **ret_why)
{
	_cleanup_free_ struct frame *in = NULL, *prelim = NULL;
	_cleanup_free_ bool *todo = NULL, *have_prelim = NULL;
	_cleanup_close_ int rd = -1;
	int pipefd[2], status = 0;
	size_t n_todo = 0, n_out = 0, fail_at = n, k, i;
	const char *skipped = NULL;
	char text[sizeof(whys[0])];
	pid_t pid = -1;
	uint64_t deadline;
	enum outcome failed = DONE;

	if (n == 0 || n_mods > SYM_MAX_MODULES)
		return n;
	in = malloc(n * sizeof(*in));
	prelim = calloc(n, sizeof(*prelim));
	todo = calloc(n, sizeof(*todo));
	have_prelim = calloc(n, sizeof(*have_prelim));
	if (!in || !prelim || !todo || !have_prelim)
		return n;
	memcpy(in, frames, n * sizeof(*in));
	for (i = 0; i < n; i++) {
		if (q[i].module < 0 || (size_t)q[i].module >= n_mods ||
		    cache_find(mods, n_mods, &q[i], &in[i]))
			continue;
		if (is_bad(&mods[q[i].module])) {
			skipped = mods[q[i].module].path;
			continue;
		}
		todo[i] = true;
		n_todo++;
	}
	if (n_todo > 0) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return n;
		pid = fork();
		if (pid == 0)
			child_main(pipefd[1], mods, n_mods, q, in, n, todo);
		close(pipefd[1]);
		rd = pipefd[0];
		if (pid < 0)
			return n;
	}
	deadline = now_ms() + DEADLINE_MS;
	/* Phase 1: the symbol of every frame to name, in order. */
	for (i = 0; i < n && failed == DONE; i++)
		if (todo[i]) {
			failed = read_answer(rd, 1, i, &prelim[i], 1, &k, deadline);
			have_prelim[i] = failed == DONE;
			fail_at = i;
		}
	/* Phase 2, frame by frame; a frame it does not reach keeps its symbol. */
	for (i = 0; i < n && n_out < max; i++) {
		const struct cached *c = todo[i] ? NULL : cache_find(mods, n_mods, &q[i], &in[i]);
		struct frame named[MAX_DEPTH];

		if (todo[i] && failed == DONE) {
			failed = read_answer(rd, 2, i, named, MAX_DEPTH, &k, deadline);
			fail_at = i;
			if (failed == DONE) {
				cache_put(mods, n_mods, &q[i], &in[i], named, k);
				append(frames, &n_out, max, &in[i], named, k);
				continue;
			}
		}
		if (c)
			append(frames, &n_out, max, &in[i], c->f, c->n);
		else if (todo[i] && have_prelim[i])
			append(frames, &n_out, max, &in[i], &prelim[i], 1);
		else
			append(frames, &n_out, max, &in[i], &(struct frame){ 0 }, 1);
	}
	if (skipped) {
		snprintf(text, sizeof(text), "symbolizer failed on %s before: not named", skipped);
		*ret_why = keep_why(text);
	}
	if (pid <= 0)
		return n_out;
	/* The child ends right after its last record: wait for the end of its stream, then
	 * for the child, never past the deadline. */
	while (failed == DONE) {
		struct record r;
		int rc = read_record(rd, &r, deadline);

		if (rc < 0)
			failed = TIMED_OUT;
		if (rc <= 0)
			break;
	}
	if (failed != DONE)
		kill(pid, SIGKILL); /* a zombie already, unless it hung or misbehaved */
	if (waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGXCPU)
		failed = TIMED_OUT;
	if (failed == DONE || fail_at >= n)
		return n_out;
	/* A frame whose symbol came keeps it, and so it is cached: a slow debug file is read
	 * once. A module that crashed the child, or stalled it before its symbols, is not
	 * read again. */
	for (i = fail_at; i < n; i++)
		if (todo[i] && have_prelim[i] && failed == TIMED_OUT)
			cache_put(mods, n_mods, &q[i], &in[i], &prelim[i], 1);
	if (failed != TIMED_OUT || !have_prelim[fail_at])
		mark_bad(&mods[q[fail_at].module]);
	snprintf(text, sizeof(text), "symbolizer %s on %s",
		 failed == TIMED_OUT ? "timed out"
		 : failed == ENDED && WIFSIGNALED(status) ? "crashed" : "failed",
		 mods[q[fail_at].module].path);
	*ret_why = keep_why(text);
	return n_out;
}
