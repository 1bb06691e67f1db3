/* libFuzzer target: the events-file reader of `eeaguard report`, line by line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is an events file: each newline-separated line is fed to one
 * report (so revisions, incidents and gaps across lines are exercised), then
 * the report is finished, which sorts and cross-references everything.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_options o = { REPORT_TIME_NONE, REPORT_TIME_NONE, NULL,
	    1780000000000000LL, NULL };
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
