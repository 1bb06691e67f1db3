/* Benchmark baseline: read a capture with libpcap and touch each header, nothing else. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct totals {
	uint64_t packets;
	uint64_t bytes;
	uint64_t first;
};

static void
count(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct totals *t = (struct totals *)(void *)user;

	t->packets++;
	t->bytes += h->len;
	if (h->caplen > 0)
		t->first += data[0];
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct totals t = { 0, 0, 0 };
	pcap_t *p;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapread FILE.pcap\n");
		return 1;
	}
	if ((p = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "pcapread: %s\n", err);
		return 1;
	}
	if (pcap_loop(p, -1, count, (u_char *)&t) == PCAP_ERROR) {
		fprintf(stderr, "pcapread: %s\n", pcap_geterr(p));
		return 1;
	}
	printf("%llu packets %llu bytes (%llu)\n", (unsigned long long)t.packets,
	    (unsigned long long)t.bytes, (unsigned long long)t.first);
	pcap_close(p);
	return 0;
}
