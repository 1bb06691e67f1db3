/* libFuzzer target: the events-file reader of `eeaguard report`, line by line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report.h"
#include "rules/consent.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The register consent uses are checked against, as `eeaguard report -c`
 * does: ids in the seeds, within and outside their terms, expired, revoked.
 */
static const char fuzz_register_text[] =
    "consents = (\n"
    "  { id = \"C-2026-0001\"; customer = \"acme\"; countries = [\"US\"];\n"
    "    networks = [\"198.51.100.0/25\", \"2001:db8:1::/48\"]; ports = [443];\n"
    "    hosts = [\"*.stripe.example\", \"api.stripe.example\"];\n"
    "    purpose = \"p\"; document = \"d\"; granted_by = \"g\";\n"
    "    signed = \"2026-01-01\"; expires = \"2027-01-01\"; },\n"
    "  { id = \"C-2026-0007\"; customer = \"acme\"; countries = [\"US\"];\n"
    "    purpose = \"p\"; document = \"d\"; granted_by = \"g\";\n"
    "    signed = \"2026-01-01\"; expires = \"2026-11-26T07:10:30Z\"; },\n"
    "  { id = \"G-1\"; customer = \"globex\"; countries = [\"US\", \"CH\"];\n"
    "    networks = [\"198.51.100.0/26\"]; purpose = \"p\"; document = \"d\";\n"
    "    granted_by = \"g\"; signed = \"2026-01-01\"; },\n"
    "  { id = \"C-2026-0044\"; customer = \"acme\"; countries = [\"JP\"];\n"
    "    purpose = \"p\"; document = \"d\"; granted_by = \"g\";\n"
    "    signed = \"2025-12-01\"; revoked = true;\n"
    "    revoked_at = \"2026-11-01T10:00:00Z\"; }\n"
    ");\n";
static struct consent_register *fuzz_register;

int
/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errlist errs = { NULL, 0, 0, 0 };
	struct country_set eea;

	(void)argc;
	(void)argv;
	country_set_eea_default(&eea);
	fuzz_register = consent_load_string("fuzz-register.conf",
	    fuzz_register_text, sizeof(fuzz_register_text) - 1, &eea, &errs);
	if (fuzz_register == NULL) {
		errlist_print(&errs);
		abort();
	}
	errlist_clear(&errs);
	return 0;
}

/*
 * The input is an events file: each newline-separated line is fed to one
 * report (so revisions, incidents and gaps across lines are exercised), then
 * the report is finished, which sorts and cross-references everything.
 * Consent uses are checked against the register; an input whose size is
 * 3 mod 4 gets the --customer view as well, so both ways are searched.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_options o = { REPORT_TIME_NONE, REPORT_TIME_NONE,
	    size % 4 == 3 ? "acme" : NULL, 1780000000000000LL, fuzz_register };
	struct report *r = report_new(&o);
	char *copy;
	size_t start = 0;
	uint64_t lineno = 0;

	if (r == NULL)
		return 0;
	if ((copy = malloc(size + 1)) == NULL) {
		report_free(r);
		return 0;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i <= size; i++) {
		if (i < size && copy[i] != '\n')
			continue;
		{
			const char *why = NULL, *detail = NULL;
			size_t len = i - start;
			/* an exact-size buffer, so ASan sees any overread */
			char *line = malloc(len + 1);

			if (line == NULL)
				break;
			memcpy(line, copy + start, len);
			line[len] = '\0';
			(void)report_add_line(r, line, len, "fuzz", ++lineno, &why,
			    &detail);
			free(line);
		}
		start = i + 1;
	}
	(void)report_finish(r);
	report_free(r);
	free(copy);
	return 0;
}
