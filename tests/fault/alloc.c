/* Allocation interposer for the fault harness: counts, tracks and fails. */
#include "tests/fault/alloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include <sanitizer/common_interface_defs.h>

/*
 * Not instrumented: these functions run inside ASan's own start-up (its
 * dlsym calls allocate) before the shadow memory exists.
 */
#define NOSAN __attribute__((no_sanitize("address", "undefined")))

/* Linker-defined bounds of the executable's code. */
extern const char __executable_start[], etext[];

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_alloc_fn)(size_t, size_t);

static struct {
	malloc_fn malloc;
	calloc_fn calloc;
	realloc_fn realloc;
	free_fn free;
	posix_memalign_fn posix_memalign;
	aligned_alloc_fn aligned_alloc;
	aligned_alloc_fn memalign;
} real;
static int resolving;

/*
 * dlsym may allocate (its error buffer) before the real functions are
 * known: those few blocks come from here and are never given back.
 */
#define ARENA_SIZE 65536
static _Alignas(16) unsigned char arena[ARENA_SIZE];
static size_t arena_used;

NOSAN static void *
arena_alloc(size_t n)
{
	unsigned char *p;

	if (n > ARENA_SIZE || arena_used + 16 > ARENA_SIZE)
		return NULL;
	n = (n + 15) & ~(size_t)15;
	if (n > ARENA_SIZE - 16 - arena_used)
		return NULL;
	p = arena + arena_used;
	memcpy(p, &n, sizeof(n));	/* for realloc */
	arena_used += n + 16;
	return p + 16;
}

NOSAN static int
in_arena(const void *p)
{
	return (const unsigned char *)p >= arena &&
	    (const unsigned char *)p < arena + ARENA_SIZE;
}

NOSAN static void
resolve(void)
{
	resolving = 1;
	real.calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
	real.malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
	real.realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
	real.free = (free_fn)dlsym(RTLD_NEXT, "free");
	real.posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT,
	    "posix_memalign");
	real.aligned_alloc = (aligned_alloc_fn)dlsym(RTLD_NEXT,
	    "aligned_alloc");
	real.memalign = (aligned_alloc_fn)dlsym(RTLD_NEXT, "memalign");
	resolving = 0;
}

/* ---- which callers take part --------------------------------------- */

#define MAX_EXCLUDED 32

static struct range {
	uintptr_t lo, hi;
} excluded[MAX_EXCLUDED];
static size_t n_excluded;
static const char *const *exclude_names;

NOSAN static int
find_excluded(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	for (size_t i = 0; exclude_names[i] != NULL; i++) {
		if (info->dlpi_name == NULL ||
		    strstr(info->dlpi_name, exclude_names[i]) == NULL)
			continue;
		for (int j = 0; j < info->dlpi_phnum; j++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[j];

			if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) ||
			    n_excluded == MAX_EXCLUDED)
				continue;
			excluded[n_excluded].lo = info->dlpi_addr + ph->p_vaddr;
			excluded[n_excluded].hi = excluded[n_excluded].lo +
			    ph->p_memsz;
			n_excluded++;
		}
		break;
	}
	return 0;
}

NOSAN void
alloc_init(const char *const *exclude)
{
	static const char *const none[] = { NULL };

	exclude_names = exclude != NULL ? exclude : none;
	n_excluded = 0;
	dl_iterate_phdr(find_excluded, NULL);
}

static enum alloc_filter filter;
static uint64_t count, armed;
static int fired;
static uintptr_t fired_site;

NOSAN bool
alloc_is_ours(const void *pc)
{
	return (uintptr_t)pc >= (uintptr_t)__executable_start &&
	    (uintptr_t)pc < (uintptr_t)etext;
}

NOSAN static int
eligible(uintptr_t ra)
{
	if (alloc_is_ours((const void *)ra))
		return 1;
	if (filter == ALLOC_OURS)
		return 0;
	for (size_t i = 0; i < n_excluded; i++)
		if (ra >= excluded[i].lo && ra < excluded[i].hi)
			return 0;
	return 1;
}

/* Counts an allocation by the caller at ra; true when it is to fail. */
NOSAN static int
must_fail(uintptr_t ra)
{
	uint64_t n;

	if (!eligible(ra))
		return 0;
	n = __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
	if (armed == 0 || n != armed)
		return 0;
	fired = 1;
	fired_site = ra;
	return 1;
}

NOSAN void
alloc_reset(enum alloc_filter f)
{
	filter = f;
	armed = 0;
	fired = 0;
	fired_site = 0;
	__atomic_store_n(&count, 0, __ATOMIC_RELAXED);
}

NOSAN uint64_t
alloc_count(void)
{
	return __atomic_load_n(&count, __ATOMIC_RELAXED);
}

NOSAN void
alloc_arm(uint64_t n)
{
	armed = n;
}

NOSAN bool
alloc_fired(void **site)
{
	if (site != NULL)
		*site = (void *)fired_site;
	return fired != 0;
}

/* ---- the table of live blocks -------------------------------------- */

/*
 * Open addressing with backward-shift deletion. Keys are stored XORed
 * with a constant so LeakSanitizer, which scans globals for pointers,
 * does not take this table for a reference to the blocks it records.
 */
#define TAB_BITS	18
#define TAB_SIZE	((size_t)1 << TAB_BITS)
#define TAB_MASK	(TAB_SIZE - 1)
#define HIDE(p)		((uintptr_t)(p) ^ (uintptr_t)0xa5a5a5a5a5a5a5a5ull)

struct slot {
	uintptr_t key;		/* HIDE(ptr); 0 = empty */
	size_t size;
	uintptr_t site;
	uint64_t seq;
};

static struct slot tab[TAB_SIZE];
static size_t tab_n;
static uint64_t tab_seq;
static int tracking, tab_overflow;
static char tab_lock;

NOSAN static void
lock(void)
{
	while (__atomic_test_and_set(&tab_lock, __ATOMIC_ACQUIRE))
		;
}

NOSAN static void
unlock(void)
{
	__atomic_clear(&tab_lock, __ATOMIC_RELEASE);
}

NOSAN static size_t
home(uintptr_t key)
{
	uint64_t h = (uint64_t)HIDE(key) >> 4;

	return (size_t)((h * 0x9e3779b97f4a7c15ull) >> (64 - TAB_BITS));
}

NOSAN static void
tab_insert(const void *p, size_t size, uintptr_t site)
{
	uintptr_t key = HIDE(p);
	size_t i;

	if (!__atomic_load_n(&tracking, __ATOMIC_RELAXED) || p == NULL)
		return;
	lock();
	if (tab_n >= TAB_SIZE / 4 * 3) {
		tab_overflow = 1;
		unlock();
		return;
	}
	for (i = home(key); tab[i].key != 0; i = (i + 1) & TAB_MASK)
		;
	tab[i].key = key;
	tab[i].size = size;
	tab[i].site = site;
	tab[i].seq = tab_seq++;
	tab_n++;
	unlock();
}

/* Forgets p; a block recorded before a realloc moves with *moved. */
NOSAN static int
tab_remove(const void *p, struct slot *moved)
{
	uintptr_t key = HIDE(p);
	size_t i, j, k;

	if (p == NULL)
		return 0;
	lock();
	for (i = home(key); tab[i].key != key; i = (i + 1) & TAB_MASK) {
		if (tab[i].key == 0) {
			unlock();
			return 0;
		}
	}
	if (moved != NULL)
		*moved = tab[i];
	for (j = i;;) {
		j = (j + 1) & TAB_MASK;
		if (tab[j].key == 0)
			break;
		k = home(tab[j].key);
		/* Entry j may stay when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		tab[i] = tab[j];
		i = j;
	}
	tab[i].key = 0;
	tab_n--;
	unlock();
	return 1;
}

NOSAN void
alloc_track(bool on)
{
	__atomic_store_n(&tracking, on ? 1 : 0, __ATOMIC_RELAXED);
}

NOSAN size_t
alloc_live(void)
{
	size_t n;

	lock();
	n = tab_n;
	unlock();
	return n;
}

NOSAN uint64_t
alloc_seq(void)
{
	uint64_t s;

	lock();
	s = tab_seq;
	unlock();
	return s;
}

NOSAN bool
alloc_track_ok(void)
{
	return tab_overflow == 0;
}

NOSAN size_t
alloc_since(uint64_t since, struct alloc_block *out, size_t max)
{
	size_t i, n = 0;

	lock();
	for (i = 0; i < TAB_SIZE; i++) {
		if (tab[i].key == 0 || tab[i].seq < since)
			continue;
		if (n < max) {
			out[n].ptr = (const void *)HIDE(tab[i].key);
			out[n].size = tab[i].size;
			out[n].site = (void *)tab[i].site;
			out[n].seq = tab[i].seq;
		}
		n++;
	}
	unlock();
	return n;
}

NOSAN const char *
alloc_symbolize(void *pc, char *buf, size_t size)
{
	/* The call instruction, not the one after it. */
	__sanitizer_symbolize_pc((char *)pc - 1, "%f %S", buf, size);
	if (buf[0] == '\0')
		snprintf(buf, size, "%p", pc);
	return buf;
}

/* ---- the interposed functions -------------------------------------- */

#define CALLER ((uintptr_t)__builtin_return_address(0))

NOSAN static void *
do_malloc(size_t size, uintptr_t ra)
{
	void *p;

	if (real.malloc == NULL) {
		if (resolving)
			return arena_alloc(size);
		resolve();
	}
	if (must_fail(ra)) {
		errno = ENOMEM;
		return NULL;
	}
	p = real.malloc(size);
	tab_insert(p, size, ra);
	return p;
}

NOSAN static void *
do_realloc(void *old, size_t size, uintptr_t ra)
{
	struct slot was;
	void *p;
	size_t n;

	if (old == NULL)
		return do_malloc(size, ra);
	if (in_arena(old)) {
		memcpy(&n, (unsigned char *)old - 16, sizeof(n));
		if ((p = do_malloc(size, ra)) != NULL)
			memcpy(p, old, n < size ? n : size);
		return p;
	}
	if (real.realloc == NULL)
		resolve();
	if (size == 0) {
		/* A free in disguise: nothing to fail. */
		tab_remove(old, NULL);
		return real.realloc(old, size);
	}
	if (must_fail(ra)) {
		errno = ENOMEM;
		return NULL;
	}
	/*
	 * Forget the old block first: once realloc returns, another thread
	 * may be handed the same address. A block from before tracking stays
	 * unrecorded; a failed realloc leaves the old one as it was.
	 */
	if (!tab_remove(old, &was)) {
		return real.realloc(old, size);
	}
	if ((p = real.realloc(old, size)) == NULL) {
		tab_insert(old, was.size, was.site);
		return NULL;
	}
	tab_insert(p, size, ra);
	return p;
}

void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *p, size_t size);
void *reallocarray(void *p, size_t nmemb, size_t size);
void free(void *p);
int posix_memalign(void **out, size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
void *memalign(size_t align, size_t size);
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

NOSAN void *
malloc(size_t size)
{
	return do_malloc(size, CALLER);
}

NOSAN void *
calloc(size_t nmemb, size_t size)
{
	void *p;

	if (real.calloc == NULL) {
		if (resolving) {
			if (size != 0 && nmemb > SIZE_MAX / size)
				return NULL;
			return arena_alloc(nmemb * size); /* still zero */
		}
		resolve();
	}
	if (must_fail(CALLER)) {
		errno = ENOMEM;
		return NULL;
	}
	p = real.calloc(nmemb, size);
	tab_insert(p, nmemb * size, CALLER);
	return p;
}

NOSAN void *
realloc(void *p, size_t size)
{
	return do_realloc(p, size, CALLER);
}

NOSAN void *
reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return do_realloc(p, nmemb * size, CALLER);
}

NOSAN void
free(void *p)
{
	if (p == NULL || in_arena(p))
		return;
	if (real.free == NULL)
		resolve();
	tab_remove(p, NULL);
	real.free(p);
}

NOSAN int
posix_memalign(void **out, size_t align, size_t size)
{
	int rc;

	if (real.posix_memalign == NULL)
		resolve();
	if (must_fail(CALLER))
		return ENOMEM;
	if ((rc = real.posix_memalign(out, align, size)) == 0)
		tab_insert(*out, size, CALLER);
	return rc;
}

NOSAN void *
aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (real.aligned_alloc == NULL)
		resolve();
	if (must_fail(CALLER)) {
		errno = ENOMEM;
		return NULL;
	}
	p = real.aligned_alloc(align, size);
	tab_insert(p, size, CALLER);
	return p;
}

NOSAN void *
memalign(size_t align, size_t size)
{
	void *p;

	if (real.memalign == NULL)
		resolve();
	if (must_fail(CALLER)) {
		errno = ENOMEM;
		return NULL;
	}
	p = real.memalign(align, size);
	tab_insert(p, size, CALLER);
	return p;
}

NOSAN char *
strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if ((d = do_malloc(n, CALLER)) != NULL)
		memcpy(d, s, n);
	return d;
}

NOSAN char *
strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d;

	if ((d = do_malloc(n + 1, CALLER)) != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}
