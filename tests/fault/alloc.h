/* Allocation interposer for the fault harness: counts, tracks and fails. */
#ifndef EEAGUARD_FAULT_ALLOC_H
#define EEAGUARD_FAULT_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The harness executable defines malloc, calloc, realloc, reallocarray,
 * free, posix_memalign, aligned_alloc, memalign, strdup and strndup. The
 * executable comes first in symbol lookup, so every call (ours, libc's
 * internal ones through its PLT, the shared libraries') lands here; each
 * forwards to the next definition (dlsym RTLD_NEXT), which under ASan is
 * libasan's, so ASan and LSan keep seeing every block. strdup and strndup
 * are defined too because libasan intercepts them with its own allocator,
 * which would bypass the counter.
 *
 * Which callers take part is the filter: the immediate caller's address
 * (__builtin_return_address) is either in the executable's own text (our
 * code: libeeaguard.a is linked statically) or in some shared object. Only
 * eligible allocations are counted and only they can be failed.
 */
enum alloc_filter {
	ALLOC_OURS,	/* callers in the executable's text */
	ALLOC_ALL,	/* any caller but the excluded libraries */
};

/*
 * Finds the text of the loaded objects whose file name contains one of
 * the NULL-terminated substrings in exclude: their allocations are never
 * eligible under ALLOC_ALL. Call once, from main.
 */
void alloc_init(const char *const *exclude);

/* Starts counting eligible allocations from 0 under filter f; disarms. */
void alloc_reset(enum alloc_filter f);
/* Eligible allocations since alloc_reset. */
uint64_t alloc_count(void);
/*
 * The n-th eligible allocation after alloc_reset (1-based) returns NULL
 * (ENOMEM); 0 disarms. Every other allocation succeeds.
 */
void alloc_arm(uint64_t n);
/* Whether the armed allocation was reached, and its caller. */
bool alloc_fired(void **site);

/*
 * Tracking: while on, every block handed out is recorded with its size,
 * caller and a sequence number, until freed. Blocks from before tracking
 * started are not recorded; freeing them is fine.
 */
void alloc_track(bool on);
/* Blocks recorded and not yet freed. */
size_t alloc_live(void);
/* The sequence number the next recorded block will get. */
uint64_t alloc_seq(void);
/* False when the table overflowed: live counts are then unreliable. */
bool alloc_track_ok(void);

struct alloc_block {
	const void *ptr;
	size_t size;
	void *site;	/* the allocating call's return address */
	uint64_t seq;
};

/*
 * Writes up to max of the live blocks recorded with seq >= since into out
 * (in table order) and returns how many there are in all.
 */
size_t alloc_since(uint64_t since, struct alloc_block *out, size_t max);

/* Whether a code address is in the executable's text (our code). */
bool alloc_is_ours(const void *pc);

/* "function file:line" for a code address, or its address; never allocates. */
const char *alloc_symbolize(void *pc, char *buf, size_t size);

#endif
