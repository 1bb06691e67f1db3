/* libFuzzer target for rules/consent_edit: the consent audit log, parsed and verified against a register. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rules/consent_edit.h"
#include "tests/fuzz/libconfig_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A log is a line per change; longer inputs only slow the search. */
#define FUZZ_MAX_BYTES	(256 * 1024)

/*
 * What consent_audit_parse says about the text, checked against the text
 * itself: complete lines, the incomplete tail, entries in line order, and
 * the hash the next line would chain to.
 */
static void
fuzz_check_parse(const struct consent_audit *a, const char *log, size_t len)
{
	char hex[CONSENT_SHA256_HEX];
	const char *nl;
	size_t i, lines = 0, tail = len;

	for (i = 0; i < len; i++)
		if (log[i] == '\n')
			lines++;
	if ((nl = memrchr(log, '\n', len)) != NULL)
		tail = len - (size_t)(nl - log) - 1;
	if ((size_t)a->lines != lines || a->tail != tail || a->n > lines)
		abort();
	for (i = 0; i < a->n; i++) {
		const struct consent_audit_entry *e = &a->v[i];

		if (e->line < 1 || (size_t)e->line > lines ||
		    (i > 0 && e->line <= a->v[i - 1].line) ||
		    strlen(e->hash) != 64 || e->ts == NULL || e->user == NULL ||
		    e->action == NULL || e->id == NULL || e->after == NULL ||
		    (strcmp(e->action, "add") == 0) != (e->before == NULL))
			abort();
	}
	consent_audit_prev(log, len, hex, &i);
	if (i != tail)
		abort();
	if (lines == 0 && strcmp(hex, CONSENT_AUDIT_ZERO) != 0)
		abort();
	if (a->n > 0 && (size_t)a->v[a->n - 1].line == lines &&
	    strcmp(hex, a->v[a->n - 1].hash) != 0)
		abort();
}

/*
 * The input is "REGISTER\0LOG", or a log alone (no register yet). The
 * register's bytes are hashed as the CLI hashes the file.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = { NULL, 0, 0, 0 }, problems = errs, notes = errs;
	struct consent_register *r = NULL;
	struct consent_audit a;
	struct country_set eea;
	const char *log = (const char *)data, *nul;
	char reg_sha[CONSENT_SHA256_HEX], *change;
	size_t len = size, i;

	if (size > FUZZ_MAX_BYTES)
		return 0;
	country_set_eea_default(&eea);
	if ((nul = memchr(data, '\0', size)) != NULL) {
		len = size - (size_t)(nul - log) - 1;
		consent_sha256_hex(data, (size_t)(nul - log), reg_sha);
		r = consent_load_string("fuzz-consent.conf", log,
		    (size_t)(nul - log), &eea, &errs);
		log = nul + 1;
	} else
		consent_sha256_hex("", 0, reg_sha);
	if (consent_audit_parse(&a, "fuzz-consent.log", log, len,
	    &problems) == -1)
		abort();	/* only when out of memory */
	fuzz_check_parse(&a, log, len);
	for (i = 0; i < a.n; i++) {
		if ((change = consent_describe_change(a.v[i].before,
		    a.v[i].after)) == NULL)
			abort();
		free(change);
	}
	if (consent_audit_verify(&a, r, reg_sha, &problems, &notes) == -1)
		abort();
	consent_audit_free(&a);
	consent_register_free(r);
	errlist_clear(&errs);
	errlist_clear(&problems);
	errlist_clear(&notes);
	return 0;
}
