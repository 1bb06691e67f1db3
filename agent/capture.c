/* Packet sources: live interfaces and capture files, through libpcap. */
#include "agent/capture.h"

#include <stdio.h>
#include <string.h>

#include "agent/decode.h"

static void
seterr(char *err, size_t errsize, const char *what, const char *name,
    const char *why)
{
	snprintf(err, errsize, "%s %s: %s", what, name, why);
}

int
capture_open_live(struct capture *c, const char *iface, char *warn,
    size_t warnsize, char *err, size_t errsize)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int rc, nflog = strncmp(iface, "nflog", 5) == 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->live = 1;
	snprintf(c->name, sizeof(c->name), "%s", iface);
	if (warnsize > 0)
		warn[0] = '\0';
	if ((c->pcap = pcap_create(iface, ebuf)) == NULL) {
		seterr(err, errsize, "interface", iface, ebuf);
		return -1;
	}
	pcap_set_snaplen(c->pcap, CAPTURE_SNAPLEN);
	pcap_set_promisc(c->pcap, 0);
	pcap_set_immediate_mode(c->pcap, 1);
	pcap_set_buffer_size(c->pcap, CAPTURE_BUFFER);
	pcap_set_timeout(c->pcap, 100);
	rc = pcap_activate(c->pcap);
	if (rc < 0) {
		seterr(err, errsize, "interface", iface, rc == PCAP_ERROR ?
		    pcap_geterr(c->pcap) : pcap_statustostr(rc));
		goto fail;
	}
	if (rc > 0)
		snprintf(warn, warnsize, "%s: %s", iface, rc == PCAP_WARNING ?
		    pcap_geterr(c->pcap) : pcap_statustostr(rc));
	c->linktype = pcap_datalink(c->pcap);
	if (!decode_link_supported(c->linktype)) {
		snprintf(err, errsize, "interface %s: link type %s (%d) is "
		    "not supported (Ethernet, Linux cooked, raw IP, NFLOG are)",
		    iface, pcap_datalink_val_to_name(c->linktype) ?
		    pcap_datalink_val_to_name(c->linktype) : "?", c->linktype);
		goto fail;
	}
	if (!nflog) {
		if (pcap_compile(c->pcap, &prog, CAPTURE_FILTER, 1,
		    PCAP_NETMASK_UNKNOWN) == -1 ||
		    pcap_setfilter(c->pcap, &prog) == -1) {
			seterr(err, errsize, "filter on", iface,
			    pcap_geterr(c->pcap));
			if (prog.bf_insns != NULL)
				pcap_freecode(&prog);
			goto fail;
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(c->pcap, 1, ebuf) == -1) {
		seterr(err, errsize, "interface", iface, ebuf);
		goto fail;
	}
	if ((c->fd = pcap_get_selectable_fd(c->pcap)) == -1) {
		seterr(err, errsize, "interface", iface,
		    "has no selectable file descriptor");
		goto fail;
	}
	return 0;
fail:
	pcap_close(c->pcap);
	c->pcap = NULL;
	return -1;
}

int
capture_open_file(struct capture *c, const char *path, char *err,
    size_t errsize)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	const char *base = strrchr(path, '/');

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : path);
	c->pcap = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (c->pcap == NULL) {
		seterr(err, errsize, "capture", path, ebuf);
		return -1;
	}
	c->linktype = pcap_datalink(c->pcap);
	if (!decode_link_supported(c->linktype)) {
		const char *n = pcap_datalink_val_to_name(c->linktype);

		snprintf(err, errsize, "capture %s: link type %s (%d) is not "
		    "supported (Ethernet, Linux cooked SLL/SLL2, raw IP and "
		    "NFLOG are)", path, n ? n : "?", c->linktype);
		pcap_close(c->pcap);
		c->pcap = NULL;
		return -1;
	}
	return 0;
}

void
capture_close(struct capture *c)
{
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	c->pcap = NULL;
	c->fd = -1;
}
