/* Writes N synthetic eeaguard event lines, shaped as the agent writes them (for make bench and report tests). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 *   eventgen N OUT [--seed S] [--start TIME] [--step SECONDS]
 *
 * OUT "-" is stdout. Events start at TIME (default 2026-11-01T00:00:00Z,
 * UTC, "YYYY-MM-DDTHH:MM:SSZ") and are STEP seconds apart on average
 * (default 1: a million events span about 11.6 days). The mix: 70% flow
 * (allow-eea, allow-internal), 14% violation (some with "suppressed"), 8%
 * consent_transfer, 3% unscoped, 2% blocked, 1% incident, and the rest
 * stats and faults, with an agent_stopped/agent_started pair every 100000
 * lines. Deterministic for a seed.
 */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static const char *const customers[] = {
	"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
	"wonka", "tyrell", "cyberdyne", "soylent", "aperture",
};
static const char *const scopes[] = {
	"acme-payroll", "globex-crm", "initech-hr", "umbrella-lab",
	"hooli-mail", "stark-eng", "wayne-finance", "wonka-orders",
	"tyrell-research", "cyberdyne-ops", "soylent-crm", "aperture-tests",
};
static const char *const foreign[] = { "US", "US", "US", "CN", "RU", "IN",
	"GB", "CH", "JP", "BR", "SG", "--", "EU" };
static const char *const eea[] = { "NL", "DE", "FR", "IE", "SE", "IT",
	"ES", "PL", "BE", "FI" };
static const char *const hosts[] = { "api.example.com",
	"upload.storage.example", "cdn.example.net", "telemetry.example.org",
	"mail.example.io", "backup.example.co" };
static const char *const comms[] = { "payroll", "crm-sync", "java",
	"python3", "curl", "nginx", "postgres" };

static const char geodb[] = "2026-11-01T00:00:00Z/0123456789ab";
static const char policy[] = "5d41402abc4b";

static char ts[40];

static void
stamp(int64_t usec)
{
	static int64_t last_sec = INT64_MIN;
	static char day[24];
	int64_t sec = usec / 1000000;

	if (sec != last_sec) {
		time_t t = (time_t)sec;
		struct tm tm;

		gmtime_r(&t, &tm);
		(void)strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = sec;
	}
	snprintf(ts, sizeof(ts), "%s.%06dZ", day, (int)(usec % 1000000));
}

static void
ip(char *b, size_t n, int foreign_dst)
{
	if (foreign_dst)
		snprintf(b, n, "%u.%u.%u.%u", 1 + rnd(222), rnd(256), rnd(256),
		    1 + rnd(254));
	else
		snprintf(b, n, "10.%u.%u.%u", rnd(256), rnd(256), 1 + rnd(254));
}

static void
decision(FILE *o, const char *ev, const char *verdict, const char *action,
    const char *cc, int scoped, const char *consent, uint32_t suppressed)
{
	char dst[32], host[64] = "null", cust[64] = "null", scope[64] = "null";
	char cons[64] = "[]", comm[32] = "null", reason[160];
	uint32_t k = rnd(sizeof(customers) / sizeof(customers[0]));
	int has_host = rnd(3) == 0;

	ip(dst, sizeof(dst), strcmp(verdict, "allow-internal") != 0);
	if (has_host)
		snprintf(host, sizeof(host), "\"%s\"",
		    hosts[rnd(sizeof(hosts) / sizeof(hosts[0]))]);
	if (scoped) {
		snprintf(cust, sizeof(cust), "[\"%s\"]", customers[k]);
		snprintf(scope, sizeof(scope), "\"%s\"", scopes[k]);
	}
	if (consent != NULL)
		snprintf(cons, sizeof(cons), "[\"%s\"]", consent);
	if (rnd(2) == 0)
		snprintf(comm, sizeof(comm), "\"%s\"",
		    comms[rnd(sizeof(comms) / sizeof(comms[0]))]);
	snprintf(reason, sizeof(reason), "%s is %s the EEA", cc,
	    strcmp(verdict, "allow-eea") == 0 ? "in" : "outside");
	fprintf(o, "{\"ts\":\"%s\",\"event\":\"%s\",\"verdict\":\"%s\","
	    "\"action\":\"%s\",\"proto\":\"tcp\",\"src\":\"192.0.2.10\","
	    "\"sport\":%u,\"dst\":\"%s\",\"dport\":443,\"country\":\"%s\","
	    "\"host\":%s,\"host_source\":%s,\"scope\":%s,\"customers\":%s,"
	    "\"consents\":%s,\"uid\":null,\"pid\":null,\"comm\":%s,\"exe\":null,"
	    "\"cgroup\":null,\"iface\":\"eth0\",\"midstream\":false,"
	    "\"reason\":\"%s\",\"geodb\":\"%s\",\"policy\":\"%s\"", ts, ev,
	    verdict, action, 32768 + rnd(28000), dst, cc, host,
	    has_host ? "\"dns\"" : "null", scope, cust, cons, comm, reason,
	    geodb, policy);
	if (suppressed > 0)
		fprintf(o, ",\"suppressed\":%u", suppressed);
	fputs("}\n", o);
}

static void
incident(FILE *o, unsigned long n, int64_t usec)
{
	uint32_t k = rnd(sizeof(customers) / sizeof(customers[0]));
	char dst[32], notify[40];
	int64_t due = usec + INT64_C(86400000000);

	ip(dst, sizeof(dst), 1);
	{
		char save[40];

		memcpy(save, ts, sizeof(save));
		stamp(due);
		memcpy(notify, ts, sizeof(notify));
		memcpy(ts, save, sizeof(save));
	}
	fprintf(o, "{\"ts\":\"%s\",\"event\":\"incident\",\"incident\":"
	    "\"INC-GEN-%08lx\",\"discovered_at\":\"%s\",\"notify_customer_by\":"
	    "\"%s\",\"customer\":\"%s\",\"customers\":[\"%s\"],\"scope\":\"%s\","
	    "\"data\":\"customer records\",\"subjects\":%u,\"destinations\":"
	    "[{\"dst\":\"%s\",\"dport\":443,\"country\":\"US\",\"host\":null}],"
	    "\"proto\":\"tcp\",\"src\":\"192.0.2.10\",\"process\":{\"uid\":null,"
	    "\"pid\":null,\"comm\":null,\"exe\":null,\"cgroup\":null},"
	    "\"bytes_sent\":%u,\"packets_sent\":%u,\"first_seen\":\"%s\","
	    "\"last_seen\":\"%s\",\"measures\":{\"action\":\"alert\","
	    "\"blocked_at\":null},\"verdict\":\"violation\",\"reason\":\"US is "
	    "outside the EEA\",\"geodb\":\"%s\",\"policy\":\"%s\"}\n", ts, n, ts,
	    notify, customers[k], customers[k], scopes[k], 100 + rnd(5000), dst,
	    100 + rnd(100000), 1 + rnd(80), ts, ts, geodb, policy);
}

int
main(int argc, char **argv)
{
	unsigned long n, i;
	int64_t usec = INT64_C(1793491200000000);	/* 2026-11-01T00:00:00Z */
	double step = 1.0;
	FILE *o;
	int a;

	if (argc < 3) {
		fprintf(stderr, "usage: eventgen N OUT [--seed S] [--start "
		    "YYYY-MM-DDTHH:MM:SSZ] [--step SECONDS]\n");
		return 1;
	}
	n = strtoul(argv[1], NULL, 10);
	for (a = 3; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--seed") == 0) {
			rng ^= strtoull(argv[a + 1], NULL, 10) *
			    0xff51afd7ed558ccdu;
			if (rng == 0)
				rng = 1;
		} else if (strcmp(argv[a], "--step") == 0) {
			step = strtod(argv[a + 1], NULL);
		} else if (strcmp(argv[a], "--start") == 0) {
			struct tm tm;

			memset(&tm, 0, sizeof(tm));
			if (strptime(argv[a + 1], "%Y-%m-%dT%H:%M:%SZ", &tm) ==
			    NULL) {
				fprintf(stderr, "eventgen: --start %s: want "
				    "YYYY-MM-DDTHH:MM:SSZ\n", argv[a + 1]);
				return 1;
			}
			usec = (int64_t)timegm(&tm) * 1000000;
		} else {
			fprintf(stderr, "eventgen: unknown option %s\n", argv[a]);
			return 1;
		}
	}
	o = strcmp(argv[2], "-") == 0 ? stdout : fopen(argv[2], "w");
	if (o == NULL) {
		perror(argv[2]);
		return 2;
	}
	(void)setvbuf(o, NULL, _IOFBF, 1 << 20);	/* only for speed */
	for (i = 0; i < n; i++) {
		uint32_t r = rnd(1000);

		usec += (int64_t)(step * 1e6 * (0.5 + rnd(1000) / 1000.0));
		stamp(usec);
		if (i % 100000 == 99998) {
			fprintf(o, "{\"ts\":\"%s\",\"event\":\"agent_stopped\","
			    "\"mode\":\"enforce\",\"source\":\"live\",\"reason\":"
			    "\"SIGTERM\",\"geodb\":\"%s\",\"policy\":\"%s\"}\n", ts,
			    geodb, policy);
		} else if (i % 100000 == 99999) {
			fprintf(o, "{\"ts\":\"%s\",\"event\":\"agent_started\","
			    "\"mode\":\"enforce\",\"source\":\"live\",\"reason\":"
			    "\"started\",\"geodb\":\"%s\",\"policy\":\"%s\"}\n", ts,
			    geodb, policy);
		} else if (r < 600) {
			decision(o, "flow", "allow-eea", "none",
			    eea[rnd(sizeof(eea) / sizeof(eea[0]))], rnd(2), NULL,
			    0);
		} else if (r < 700) {
			decision(o, "flow", "allow-internal", "none", "--", 0,
			    NULL, 0);
		} else if (r < 840) {
			decision(o, "violation", "violation", rnd(4) ? "alert" :
			    "block", foreign[rnd(sizeof(foreign) /
			    sizeof(foreign[0]))], 1, NULL, rnd(10) == 0 ?
			    1 + rnd(20) : 0);
		} else if (r < 920) {
			char id[32];

			snprintf(id, sizeof(id), "C-2026-%04u", 1 + rnd(40));
			decision(o, "consent_transfer", "allow-consent", "none",
			    "US", 1, id, 0);
		} else if (r < 950) {
			decision(o, "unscoped", "unscoped", "alert",
			    foreign[rnd(sizeof(foreign) / sizeof(foreign[0]))],
			    0, NULL, 0);
		} else if (r < 970) {
			decision(o, "blocked", "violation", "block",
			    foreign[rnd(sizeof(foreign) / sizeof(foreign[0]))],
			    1, NULL, 0);
		} else if (r < 980) {
			incident(o, i, usec);
		} else if (r < 995) {
			fprintf(o, "{\"ts\":\"%s\",\"event\":\"stats\",\"packets\":"
			    "%lu,\"bytes\":%lu,\"flows_new\":%lu,\"violation\":%lu}\n",
			    ts, i * 40, i * 24000, i, i / 7);
		} else {
			fprintf(o, "{\"ts\":\"%s\",\"event\":\"sink_error\","
			    "\"sink\":\"exec\",\"message\":\"/usr/local/bin/page "
			    "exited %u\",\"count\":1}\n", ts, rnd(3));
		}
	}
	if (fclose(o) == EOF) {
		perror(argv[2]);
		return 2;
	}
	return 0;
}
