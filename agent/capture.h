/* Packet sources: live interfaces and capture files, through libpcap. */
#ifndef EEAGUARD_CAPTURE_H
#define EEAGUARD_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

/*
 * Snap length: headers plus a DNS answer or a TLS ClientHello's first
 * record, which is where the names are.
 */
#define CAPTURE_SNAPLEN 4096
/* libpcap's default 2 MB ring drops packets near 800 k packets/s on veth. */
#define CAPTURE_BUFFER (32 * 1024 * 1024)
/* Only IP matters: ARP, LLDP and the like never reach the decoder. */
#define CAPTURE_FILTER "ip or ip6 or (vlan and (ip or ip6)) or " \
	"(vlan and vlan and (ip or ip6))"

struct capture {
	pcap_t *pcap;
	char name[64];		/* interface, "nflog:N", or the file's name */
	int linktype;
	int fd;			/* selectable fd (live), -1 offline */
	int live;
	uint64_t last_drops;	/* pcap_stats ps_drop at the last report */
};

/*
 * Opens a live interface ("eth0", "any", "nflog:5") non-blocking, in
 * immediate mode, with the filter set (not for nflog). Warnings from
 * libpcap go to warn (may be empty). Returns 0, or -1 with a reason.
 */
int capture_open_live(struct capture *c, const char *iface, char *warn,
    size_t warnsize, char *err, size_t errsize);
/* Opens a pcap or pcapng file. Returns 0, or -1 with a reason. */
int capture_open_file(struct capture *c, const char *path, char *err,
    size_t errsize);
void capture_close(struct capture *c);

#endif
