/*
 * Search tables for .eh_frame sections of the ELF files mapped into a tracee.
 *
 * Formats: the ELF-64 object file format (System V gABI), and .eh_frame as the LSB 5.0
 * "Exception Frames" chapter describes it: a list of CIEs and FDEs, each with a 4-byte
 * length (0xffffffff: an 8-byte length follows), the FDE's CIE pointer counting back from
 * its own field, CIE augmentation 'z' (data length), 'R' (FDE pointer encoding),
 * 'P' (personality), 'L' (LSDA encoding), 'S' (signal frame), and DW_EH_PE_* encodings.
 * x86_64 only: little-endian, 8-byte pointers.
 */

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ehframe.h"

/* Pointer encodings (LSB 5.0, "DWARF Exception Header Encoding"). */
enum {
	PE_ABSPTR = 0x00,  /* 8 bytes, absolute */
	PE_ULEB128 = 0x01, /* unsigned LEB128 */
	PE_UDATA2 = 0x02,  /* 2 bytes unsigned */
	PE_UDATA4 = 0x03,  /* 4 bytes unsigned */
	PE_UDATA8 = 0x04,  /* 8 bytes unsigned */
	PE_SLEB128 = 0x09, /* signed LEB128 */
	PE_SDATA2 = 0x0a,  /* 2 bytes signed */
	PE_SDATA4 = 0x0b,  /* 4 bytes signed */
	PE_SDATA8 = 0x0c,  /* 8 bytes signed */
	PE_FORMAT = 0x0f,  /* mask: the value's format */
	PE_PCREL = 0x10,   /* relative to the address of the field itself */
	PE_ALIGNED = 0x50, /* absptr aligned to pointer size */
	PE_APPLY = 0x70,   /* mask: how the value is applied */
	PE_INDIRECT = 0x80,/* the value is the address of the pointer */
	PE_OMIT = 0xff,    /* no value */
};

/* Bounds: a larger or more numerous thing than this is not a file we index. */
#define MAX_PHDRS 4096
#define MAX_SHDRS 65536
#define MAX_SHSTRTAB (4u << 20)
#define MAX_EH_FRAME (256u << 20)

/* A reader over [base + pos, base + end); every read checks the bound. */
struct rd {
	const uint8_t *base; /* start of the section */
	size_t pos;          /* next byte to read, from base */
	size_t end;          /* first byte not to read, from base; pos <= end */
};

static bool get(struct rd *r, void *v, size_t n)
{
	if (r->end - r->pos < n)
		return false;
	memcpy(v, r->base + r->pos, n);
	r->pos += n;
	return true;
}

/* LEB128 (DWARF 5, 7.6): the value's bits, and in *ret_last the final byte, whose 0x40
 * bit is the sign of a signed number; *ret_shift is how many bits were read. */
static bool get_leb(struct rd *r, uint64_t *ret, unsigned *ret_shift, uint8_t *ret_last)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (!get(r, &b, 1))
			return false;
		if (shift < 64) {
			v |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
		}
	} while (b & 0x80);
	*ret = v;
	*ret_shift = shift;
	*ret_last = b;
	return true;
}

static bool get_uleb(struct rd *r, uint64_t *ret)
{
	unsigned shift;
	uint8_t last;

	return get_leb(r, ret, &shift, &last);
}

static bool get_sleb(struct rd *r, int64_t *ret)
{
	uint64_t v;
	unsigned shift;
	uint8_t last;

	if (!get_leb(r, &v, &shift, &last))
		return false;
	if (shift < 64 && (last & 0x40))
		v |= ~(uint64_t)0 << shift;
	*ret = (int64_t)v;
	return true;
}

/* Reads a value of format (the low nibble of an encoding), sign-extended when signed. */
static bool get_value(struct rd *r, uint8_t format, uint64_t *ret)
{
	uint16_t u16;
	uint32_t u32;
	int64_t s64;

	switch (format) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		return get(r, ret, 8);
	case PE_UDATA4:
		if (!get(r, &u32, 4))
			return false;
		*ret = u32;
		return true;
	case PE_SDATA4:
		if (!get(r, &u32, 4))
			return false;
		*ret = (uint64_t)(int64_t)(int32_t)u32;
		return true;
	case PE_UDATA2:
		if (!get(r, &u16, 2))
			return false;
		*ret = u16;
		return true;
	case PE_SDATA2:
		if (!get(r, &u16, 2))
			return false;
		*ret = (uint64_t)(int64_t)(int16_t)u16;
		return true;
	case PE_ULEB128:
		return get_uleb(r, ret);
	case PE_SLEB128:
		if (!get_sleb(r, &s64))
			return false;
		*ret = (uint64_t)s64;
		return true;
	default:
		return false;
	}
}

/*
 * Reads an FDE's pc_begin encoded with enc. The section is loaded at sec_addr, so the
 * field's own runtime address (for pcrel) is sec_addr + its offset; absolute values are
 * link-time addresses, moved by bias. Data-, text- and function-relative and indirect
 * encodings never start an x86_64 FDE: they are refused.
 */
static bool get_pointer(struct rd *r, uint8_t enc, uint64_t sec_addr, uint64_t bias,
			uint64_t *ret)
{
	uint64_t field = sec_addr + r->pos, v;

	if ((enc & PE_INDIRECT) || !get_value(r, enc & PE_FORMAT, &v))
		return false;
	switch (enc & PE_APPLY) {
	case 0:
		*ret = v + bias;
		return true;
	case PE_PCREL:
		*ret = v + field;
		return true;
	default:
		return false;
	}
}

/* Skips an encoded pointer (the personality routine's), whatever its application. */
static bool skip_pointer(struct rd *r, uint8_t enc)
{
	uint64_t v;

	if ((enc & PE_APPLY) == PE_ALIGNED)
		return false;
	return get_value(r, enc & PE_FORMAT, &v);
}

/*
 * Reads the header of the record at off: its length and CIE id / CIE pointer. Leaves *r
 * limited to the record, positioned after the id. Returns false for the terminator (a zero
 * length) and for a record that does not fit.
 */
static bool get_record(const uint8_t *sec, size_t size, size_t off, struct rd *r,
		       size_t *ret_id_at, uint64_t *ret_id)
{
	uint32_t len32;
	uint64_t len, id = 0;
	size_t id_size = 4;

	*r = (struct rd){ .base = sec, .pos = off, .end = size };
	if (off > size || !get(r, &len32, 4) || len32 == 0)
		return false;
	if (len32 == 0xffffffff) {
		if (!get(r, &len, 8))
			return false;
		id_size = 8;
	} else {
		len = len32;
	}
	if (len > r->end - r->pos || len < id_size)
		return false;
	r->end = r->pos + (size_t)len;
	*ret_id_at = r->pos;
	get(r, &id, id_size); /* little-endian: the low bytes of id */
	*ret_id = id;
	return true;
}

/* Parses the CIE at off for the FDE pointer encoding. Returns false when it is not a CIE
 * or when its FDEs cannot be read (unknown augmentation, unsupported version). */
static bool parse_cie(const uint8_t *sec, size_t size, size_t off, uint8_t *ret_enc)
{
	struct rd r, aug_data;
	const char *aug;
	size_t aug_len, id_at;
	uint64_t id, u, data_len;
	int64_t s;
	uint8_t version, enc = PE_ABSPTR, b;

	if (!get_record(sec, size, off, &r, &id_at, &id) || id != 0)
		return false;
	if (!get(&r, &version, 1) || (version != 1 && version != 3))
		return false;
	aug = (const char *)sec + r.pos;
	aug_len = strnlen(aug, r.end - r.pos);
	if (aug_len == r.end - r.pos)
		return false; /* not terminated inside the record */
	r.pos += aug_len + 1;
	if (aug[0] != '\0' && aug[0] != 'z')
		return false; /* the old "eh" and unknown ones: the layout is unknown */
	if (!get_uleb(&r, &u) || !get_sleb(&r, &s))
		return false; /* code and data alignment factors */
	if (version == 1 ? !get(&r, &b, 1) : !get_uleb(&r, &u))
		return false; /* return address register */
	if (aug[0] == 'z') {
		if (!get_uleb(&r, &data_len) || data_len > r.end - r.pos)
			return false;
		aug_data = (struct rd){ .base = sec, .pos = r.pos,
					.end = r.pos + (size_t)data_len };
		for (size_t i = 1; i < aug_len; i++) {
			switch (aug[i]) {
			case 'R':
				if (!get(&aug_data, &enc, 1))
					return false;
				continue;
			case 'L':
				if (!get(&aug_data, &b, 1))
					return false;
				continue;
			case 'P':
				if (!get(&aug_data, &b, 1) || !skip_pointer(&aug_data, b))
					return false;
				continue;
			case 'S':
			case 'B':
			case 'G':
				continue; /* flags without data */
			default:
				/* Unknown: what follows cannot be located, which only matters
				 * when 'R' is still to come. */
				if (strchr(aug + i, 'R'))
					return false;
				i = aug_len;
				continue;
			}
		}
	}
	if (enc == PE_OMIT)
		return false;
	*ret_enc = enc;
	return true;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct eh_entry *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

int eh_frame_index(const uint8_t *sec, size_t size, uint64_t sec_addr, uint64_t bias,
		   struct eh_table *ret)
{
	_cleanup_free_ struct eh_entry *rows = NULL;
	size_t n = 0, cap = 0, off = 0;
	size_t cie_memo = SIZE_MAX;  /* offset of the CIE parsed last */
	bool cie_ok = false;         /* whether its FDEs can be read */
	uint8_t cie_enc = PE_ABSPTR; /* and their pointer encoding */
	uint64_t lo = UINT64_MAX, hi = 0;

	*ret = (struct eh_table){ .segbase = sec_addr };
	if (size > MAX_EH_FRAME)
		size = MAX_EH_FRAME;
	while (off < size) {
		struct rd r;
		size_t rec = off, id_at;
		uint64_t id, begin, range;
		int64_t rel;

		if (!get_record(sec, size, rec, &r, &id_at, &id))
			break; /* the terminator, or a record running past the end */
		off = r.end;
		if (id == 0 || id > id_at)
			continue; /* a CIE, or an FDE whose CIE would lie before the section */
		if (id_at - id != cie_memo) {
			cie_memo = id_at - id;
			cie_ok = parse_cie(sec, size, cie_memo, &cie_enc);
		}
		if (!cie_ok || !get_pointer(&r, cie_enc, sec_addr, bias, &begin) ||
		    !get_value(&r, cie_enc & PE_FORMAT, &range))
			continue;
		/* Zero: an FDE of a section the linker discarded. */
		if (begin == 0 || range == 0 || begin + range < begin)
			continue;
		/* The table holds 32-bit offsets, as .eh_frame_hdr's does. */
		rel = (int64_t)(begin - sec_addr);
		if (rel < INT32_MIN || rel > INT32_MAX || rec > INT32_MAX)
			continue;
		if (n == cap) {
			size_t new_cap = cap ? 2 * cap : 256;
			struct eh_entry *p = realloc(rows, new_cap * sizeof(*rows));

			if (!p)
				return -ENOMEM;
			rows = p;
			cap = new_cap;
		}
		/* The FDE starts at its length field: libunwind parses it from there. */
		rows[n++] = (struct eh_entry){ .start = (int32_t)rel, .fde = (int32_t)rec };
		if (begin < lo)
			lo = begin;
		if (begin + range > hi)
			hi = begin + range;
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_entry);
	ret->start_ip = n ? lo : 0;
	ret->end_ip = n ? hi : 0;
	ret->n = n;
	ret->entries = n ? steal_ptr(rows) : NULL;
	return (int)n; /* n <= MAX_EH_FRAME / 8 */
}

/* The ELF file to read: in memory, or behind a file descriptor. */
struct source {
	const uint8_t *image; /* the whole file, or NULL to read fd */
	int fd;               /* read with pread() when image is NULL */
	uint64_t size;        /* file size in bytes */
};

/* Copies len bytes at off; -ENOEXEC when they lie past the end, -EIO on a short read. */
static int src_read(const struct source *s, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	if (off > s->size || len > s->size - off)
		return -ENOEXEC;
	if (s->image) {
		memcpy(buf, s->image + off, len);
		return 0;
	}
	while (done < len) {
		ssize_t r = pread(s->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO; /* the file shrank, or an I/O error */
		done += (size_t)r;
	}
	return 0;
}

/* Reads count records of size each at off into a new buffer, or NULL. */
static void *src_read_array(const struct source *s, uint64_t off, size_t count, size_t size,
			    int *ret_err)
{
	_cleanup_free_ void *p = NULL;

	p = malloc(count * size + 1);
	if (!p) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	*ret_err = src_read(s, off, p, count * size);
	return *ret_err < 0 ? NULL : steal_ptr(p);
}

/*
 * The load bias: the mapping places file offset pc_offset at runtime address pc, and the
 * PT_LOAD segment holding that offset (or the start of its first page, where a mapping
 * begins) says which link-time address it has.
 */
static bool load_bias(const Elf64_Phdr *ph, size_t n, uint64_t pc, uint64_t pc_offset,
		      uint64_t *ret)
{
	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD || p->p_filesz > UINT64_MAX - p->p_offset)
			continue;
		if (pc_offset >= (p->p_offset & ~(uint64_t)4095) &&
		    pc_offset < p->p_offset + p->p_filesz) {
			/* pc - (its link-time address); unsigned arithmetic wraps */
			*ret = pc - (pc_offset - p->p_offset + p->p_vaddr);
			return true;
		}
	}
	return false;
}

/* Indexes the .eh_frame section sh into *ret. */
static int read_eh_frame(const struct source *s, const Elf64_Shdr *sh, uint64_t bias,
			 struct eh_table *ret)
{
	_cleanup_free_ uint8_t *copy = NULL;
	const uint8_t *data;
	int r;

	if (sh->sh_type == SHT_NOBITS || !(sh->sh_flags & SHF_ALLOC) || sh->sh_size == 0 ||
	    sh->sh_size > MAX_EH_FRAME)
		return 0;
	if (s->image) {
		if (sh->sh_offset > s->size || sh->sh_size > s->size - sh->sh_offset)
			return 0;
		data = s->image + sh->sh_offset;
	} else {
		copy = src_read_array(s, sh->sh_offset, (size_t)sh->sh_size, 1, &r);
		if (!copy)
			return r == -ENOMEM ? r : 0;
		data = copy;
	}
	r = eh_frame_index(data, (size_t)sh->sh_size, sh->sh_addr + bias, bias, ret);
	return r < 0 ? r : 0;
}

static int info_from_source(const struct source *s, uint64_t pc, uint64_t pc_offset,
			    struct elf_info *ret)
{
	static const char eh_frame[] = ".eh_frame";
	_cleanup_free_ Elf64_Phdr *ph = NULL;
	_cleanup_free_ Elf64_Shdr *sh = NULL;
	_cleanup_free_ char *names = NULL;
	const Elf64_Shdr *strtab;
	Elf64_Ehdr h;
	Elf64_Shdr sh0;
	uint64_t bias, shnum, shstrndx;
	int r;

	*ret = (struct elf_info){ 0 };
	if (src_read(s, 0, &h, sizeof(h)) < 0 || memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 ||
	    h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_ident[EI_DATA] != ELFDATA2LSB ||
	    h.e_machine != EM_X86_64 || (h.e_type != ET_EXEC && h.e_type != ET_DYN))
		return -ENOEXEC;

	/* Program headers: the load bias. */
	if (h.e_phnum == 0 || h.e_phnum > MAX_PHDRS || h.e_phentsize != sizeof(Elf64_Phdr))
		return -ENOEXEC;
	ph = src_read_array(s, h.e_phoff, h.e_phnum, sizeof(*ph), &r);
	if (!ph)
		return r;
	if (!load_bias(ph, h.e_phnum, pc, pc_offset, &bias))
		return -ENOEXEC;

	/* Section headers, with the gABI's escapes for more than 0xff00 sections. None
	 * (a stripped-down file): nothing to offer. */
	if (h.e_shoff == 0 || h.e_shentsize != sizeof(Elf64_Shdr))
		return 0;
	shnum = h.e_shnum;
	shstrndx = h.e_shstrndx;
	if (shnum == 0 || shstrndx == SHN_XINDEX) {
		if ((r = src_read(s, h.e_shoff, &sh0, sizeof(sh0))) < 0)
			return r == -ENOEXEC ? 0 : r;
		if (shnum == 0)
			shnum = sh0.sh_size;
		if (shstrndx == SHN_XINDEX)
			shstrndx = sh0.sh_link;
	}
	if (shnum == 0 || shnum > MAX_SHDRS || shstrndx >= shnum)
		return 0;
	sh = src_read_array(s, h.e_shoff, (size_t)shnum, sizeof(*sh), &r);
	if (!sh)
		return r == -ENOEXEC ? 0 : r;

	strtab = &sh[shstrndx];
	if (strtab->sh_type != SHT_NOBITS && strtab->sh_size > 0 &&
	    strtab->sh_size <= MAX_SHSTRTAB &&
	    (names = src_read_array(s, strtab->sh_offset, (size_t)strtab->sh_size, 1, &r)))
		for (size_t i = 0; i < shnum; i++)
			if (sh[i].sh_name < strtab->sh_size &&
			    strtab->sh_size - sh[i].sh_name >= sizeof(eh_frame) &&
			    memcmp(names + sh[i].sh_name, eh_frame, sizeof(eh_frame)) == 0)
				return read_eh_frame(s, &sh[i], bias, &ret->eh);
	return 0;
}

int elf_info_from_fd(int fd, uint64_t pc, uint64_t pc_offset, struct elf_info *ret)
{
	struct stat st;
	struct source s = { .fd = fd };

	*ret = (struct elf_info){ 0 };
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	s.size = (uint64_t)st.st_size;
	return info_from_source(&s, pc, pc_offset, ret);
}

int elf_info_from_image(const void *image, size_t size, uint64_t pc, uint64_t pc_offset,
			struct elf_info *ret)
{
	struct source s = { .image = image, .fd = -1, .size = size };

	return info_from_source(&s, pc, pc_offset, ret);
}

void elf_info_free(struct elf_info *e)
{
	free(e->eh.entries);
	*e = (struct elf_info){ 0 };
}
