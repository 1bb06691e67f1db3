/* libFuzzer target for rules/config: eeaguard.conf text through config_load_string. */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/config.h"
#include "tests/fuzz/libconfig_fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A configuration is a page of text; longer inputs only slow the search. */
#define FUZZ_MAX_BYTES	(256 * 1024)

/*
 * Fragments an input may @include. They live in a private directory that
 * is the current one while an input loads, so relative paths and includes
 * resolve there and every run sees the same files; between inputs libFuzzer
 * has its own directory back for the corpus and artifacts it names.
 */
static const struct {
	const char *name;
	const char *text;
} fuzz_files[] = {
	{ "scopes.inc", "scopes = ( { name = \"acme-payroll\"; "
	    "customers = [\"acme\"]; match = { uids = [1001]; "
	    "dports = [443]; }; } );\n" },
	{ "sub/alerts.inc", "alerts: { jsonl = \"events.jsonl\"; "
	    "dedup_window = 60; };\n" },
	{ "bad.inc", "agent: { mode = \"sideways\"; flow_capacity = "
	    "4294967294; };\n" },
	{ "self.inc", "@include \"self.inc\"\n" },
};

static char fuzz_dir[PATH_MAX];
static int fuzz_dirfd = -1, fuzz_homefd = -1;

static void
fuzz_cleanup(void)
{
	char path[PATH_MAX + 64];
	size_t i;

	for (i = 0; i < sizeof(fuzz_files) / sizeof(fuzz_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir,
		    fuzz_files[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/fifo", fuzz_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", fuzz_dir);
	rmdir(path);
	rmdir(fuzz_dir);
}

int
/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX + 64];
	FILE *fp;
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_config.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror(fuzz_dir);
		abort();
	}
	if (atexit(fuzz_cleanup) != 0)
		abort();
	/* What an @include must refuse: a directory and a FIFO. */
	snprintf(path, sizeof(path), "%s/sub", fuzz_dir);
	if (mkdir(path, 0700) == -1) {
		perror(path);
		abort();
	}
	snprintf(path, sizeof(path), "%s/fifo", fuzz_dir);
	if (mkfifo(path, 0600) == -1) {
		perror(path);
		abort();
	}
	for (i = 0; i < sizeof(fuzz_files) / sizeof(fuzz_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir,
		    fuzz_files[i].name);
		if ((fp = fopen(path, "w")) == NULL ||
		    fputs(fuzz_files[i].text, fp) == EOF || fclose(fp) != 0) {
			perror(path);
			abort();
		}
	}
	if ((fuzz_dirfd = open(fuzz_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (fuzz_homefd = open(".", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1) {
		perror("open");
		abort();
	}
	return 0;
}

/* Relative paths must have been made absolute; "" turns a sink off. */
static void
fuzz_check_path(const char *p, int may_be_null)
{
	if (p == NULL) {
		if (!may_be_null)
			abort();
		return;
	}
	if (p[0] != '\0' && p[0] != '/')
		abort();
}

/* What config_load promises about a configuration it returns. */
static void
fuzz_check(const struct config *c)
{
	size_t i, j;

	if (c->path != NULL || c->agent.local_set == NULL ||
	    c->policy.internal_set == NULL || c->geodb.country_path.n == 0 ||
	    c->agent.flow_capacity < 1024 || c->agent.flow_idle_timeout == 0 ||
	    c->alerts.stats_interval == 0)
		abort();
	fuzz_check_path(c->geodb.path, 1);
	fuzz_check_path(c->consent.register_path, 0);
	fuzz_check_path(c->consent.audit_log, 0);
	fuzz_check_path(c->alerts.jsonl, 0);
	fuzz_check_path(c->alerts.metrics_file, 0);
	if (c->consent.register_path[0] == '\0' ||
	    c->consent.audit_log[0] == '\0' || c->alerts.exec == NULL)
		abort();
	for (i = 0; i < c->n_scopes; i++) {
		const struct scope *s = &c->scopes[i];

		if (s->name == NULL || s->name[0] == '\0' ||
		    s->customers.n == 0 ||
		    (s->match.src.n > 0) != (s->match.src_set != NULL))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(c->scopes[j].name, s->name) == 0)
				abort();
		for (j = 0; j < s->customers.n; j++)
			if (s->customers.v[j][0] == '\0')
				abort();
		for (j = 0; j < s->match.sports.n; j++)
			if (s->match.sports.v[j] == 0)
				abort();
		for (j = 0; j < s->match.dports.n; j++)
			if (s->match.dports.v[j] == 0)
				abort();
		if (s->match.empty != (s->match.n_uids == 0 &&
		    s->match.users.n == 0 && s->match.cgroups.n == 0 &&
		    s->match.comms.n == 0 && s->match.src.n == 0 &&
		    s->match.sports.n == 0 && s->match.dports.n == 0 &&
		    s->match.protocols == 0))
			abort();
	}
	for (i = 0; i < c->n_exempts; i++) {
		const struct exempt *e = &c->exempts[i];

		/* An exemption without criteria would exempt every flow. */
		if (e->reason == NULL || (e->dst.n == 0 && e->dports.n == 0 &&
		    e->protocols == 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = { NULL, 0, 0, 0 };
	struct config *c;
	char *text;

	if (size > FUZZ_MAX_BYTES || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (fchdir(fuzz_dirfd) == -1)
		abort();
	c = config_load_string("fuzz.conf", text, &errs);
	if (fchdir(fuzz_homefd) == -1)
		abort();
	if (c != NULL)
		fuzz_check(c);
	else if (errs.n == 0 && !errs.oom)
		abort();	/* a refusal must say why */
	config_free(c);
	errlist_clear(&errs);
	free(text);
	return 0;
}
