/* ISO 3166-1 alpha-2 country codes, sets of them, and the EEA default. */
#ifndef EEAGUARD_COUNTRY_H
#define EEAGUARD_COUNTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of two-letter codes AA..ZZ: one bit each, 676 bits. */
struct country_set {
	uint64_t bits[11];
};

/* True for "NL", "US", ...: an officially assigned ISO 3166-1 alpha-2 code. */
bool country_is_assigned(const char *cc);
/*
 * True for region codes real geolocation databases use in place of a
 * country ("EU" somewhere in Europe, "AP" Asia/Pacific): never in the EEA.
 */
bool country_is_region(const char *cc);
/* English short name ("Netherlands"), or NULL for an unassigned code. */
const char *country_name(const char *cc);
/*
 * For a code that is not assigned, the code the user probably meant
 * ("UK" -> "GB", "EL" -> "GR", lower case -> upper case), or NULL.
 */
const char *country_suggest(const char *cc);

void country_set_clear(struct country_set *s);
/* Returns -1 when cc is not two letters A-Z. */
int country_set_add(struct country_set *s, const char *cc);
bool country_set_has(const struct country_set *s, const char *cc);
size_t country_set_count(const struct country_set *s);
/* Calls fn for each member in alphabetical order. */
void country_set_foreach(const struct country_set *s,
    void (*fn)(const char cc[3], void *arg), void *arg);

/*
 * The EEA as the law draws it: EU 27 + IS, LI, NO, and the parts of the EU
 * with their own codes (AX, GF, GP, MQ, RE, YT, MF). NULL-terminated.
 */
extern const char *const country_eea_default[];
void country_set_eea_default(struct country_set *s);

#endif
