/* Test peer for live tests: a bounded TCP listener that counts bytes, and a client. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 *   netpeer listen ADDR PORT SECONDS
 *	accepts connections for SECONDS, then prints "received N" (payload
 *	bytes over all connections) and "connections N" and exits.
 *   netpeer connect ADDR PORT BYTES DELAY_MS SECONDS
 *	connects, waits DELAY_MS (a WAN round trip), sends BYTES, and prints
 *	"sent N" or "error: ..." (e.g. "error: Connection reset by peer").
 *	Exits 0 when every byte was sent, 1 otherwise. Never runs longer than
 *	SECONDS.
 *   netpeer udp ADDR COUNT RATE SECONDS
 *	sends COUNT small UDP datagrams to ADDR, each a new flow: destination
 *	ports 1024..61023 in turn, a new source socket every 60,000; RATE
 *	datagrams per second at most (0: as fast as it can). Stops after
 *	SECONDS whatever the count and prints "sent N".
 * Addresses must be literal; the tests use documentation ranges only.
 */

static int
sockaddr_of(const char *addr, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
do_listen(const char *addr, const char *port, double seconds)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd pfd[65];
	int fam, n = 1, one = 1;
	long long received = 0, conns = 0;
	double end = now() + seconds;

	if ((fam = sockaddr_of(addr, port, &ss, &len)) == -1)
		return 2;
	pfd[0].fd = socket(fam, SOCK_STREAM, 0);
	setsockopt(pfd[0].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(pfd[0].fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(pfd[0].fd, 64) == -1) {
		fprintf(stderr, "netpeer: %s:%s: %s\n", addr, port,
		    strerror(errno));
		return 2;
	}
	pfd[0].events = POLLIN;
	printf("listening\n");
	(void)fflush(stdout);
	while (now() < end) {
		if (poll(pfd, (nfds_t)n, 100) <= 0)
			continue;
		if ((pfd[0].revents & POLLIN) && n < 65) {
			pfd[n].fd = accept(pfd[0].fd, NULL, NULL);
			pfd[n].events = POLLIN;
			if (pfd[n].fd >= 0) {
				n++;
				conns++;
			}
		}
		for (int i = 1; i < n; i++) {
			char buf[65536];
			ssize_t r;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0) {
				received += r;
				continue;
			}
			close(pfd[i].fd);
			pfd[i--] = pfd[--n];
		}
	}
	printf("received %lld\nconnections %lld\n", received, conns);
	return 0;
}

static int
do_connect(const char *addr, const char *port, long bytes, long delay_ms,
    double seconds)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct timeval tv = { (time_t)seconds, 0 };
	char buf[4096];
	long sent = 0;
	int fd, fam;

	(void)signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)seconds + 1);
	if ((fam = sockaddr_of(addr, port, &ss, &len)) == -1)
		return 2;
	fd = socket(fam, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A dropped SYN must fail within SECONDS, not the kernel's minutes. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&ss, len) == -1) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int e = errno, soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (e != EINPROGRESS) {
			printf("error: %s\n", strerror(e));
			return 1;
		}
		if (poll(&p, 1, (int)(seconds * 1000)) != 1) {
			printf("error: %s\n", strerror(ETIMEDOUT));
			return 1;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr != 0) {
			printf("error: %s\n", strerror(soerr));
			return 1;
		}
	}
	fcntl(fd, F_SETFL, 0);
	usleep((useconds_t)delay_ms * 1000);
	memset(buf, 'x', sizeof(buf));
	while (sent < bytes) {
		size_t chunk = (size_t)(bytes - sent) < sizeof(buf) ?
		    (size_t)(bytes - sent) : sizeof(buf);
		ssize_t w = write(fd, buf, chunk);

		if (w <= 0) {
			printf("error: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		sent += w;
	}
	/* Let a reset that is on its way arrive before declaring success. */
	usleep(100000);
	if (write(fd, "", 0) == -1 || recv(fd, buf, 1, MSG_DONTWAIT) == 0 ||
	    errno == ECONNRESET) {
		if (errno == ECONNRESET || errno == EPIPE) {
			printf("error: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
	}
	printf("sent %ld\n", sent);
	close(fd);
	return 0;
}

#define UDP_PORTS 60000
#define UDP_MAX_COUNT 5000000L

static int
do_udp(const char *addr, long count, long rate, double seconds)
{
	struct sockaddr_storage ss;
	socklen_t len;
	double start = now(), deadline = start + seconds;
	long sent = 0;
	int fd = -1, family;

	if ((family = sockaddr_of(addr, "0", &ss, &len)) == -1) {
		fprintf(stderr, "netpeer: %s: not an address\n", addr);
		return 2;
	}
	if (count < 0 || count > UDP_MAX_COUNT) {
		fprintf(stderr, "netpeer: COUNT must be 0..%ld\n", UDP_MAX_COUNT);
		return 2;
	}
	for (long i = 0; i < count && now() < deadline; i++) {
		uint16_t port = (uint16_t)(1024 + i % UDP_PORTS);

		if (i % UDP_PORTS == 0) {
			if (fd != -1)
				close(fd);
			if ((fd = socket(family, SOCK_DGRAM, 0)) == -1) {
				perror("netpeer: socket");
				return 1;
			}
		}
		if (family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		/* ENOBUFS and refusals from earlier ICMP errors: try the next */
		if (sendto(fd, "eeaguard-test", 13, 0, (struct sockaddr *)&ss,
		    len) == 13)
			sent++;
		if (rate > 0) {
			double due = start + (double)(i + 1) / (double)rate;

			while (now() < due && now() < deadline)
				usleep(200);
		}
	}
	if (fd != -1)
		close(fd);
	printf("sent %ld\n", sent);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "listen") == 0)
		return do_listen(argv[2], argv[3], atof(argv[4]));
	if (argc == 7 && strcmp(argv[1], "connect") == 0)
		return do_connect(argv[2], argv[3], atol(argv[4]),
		    atol(argv[5]), atof(argv[6]));
	if (argc == 6 && strcmp(argv[1], "udp") == 0)
		return do_udp(argv[2], atol(argv[3]), atol(argv[4]),
		    atof(argv[5]));
	fprintf(stderr, "usage: netpeer listen ADDR PORT SECONDS\n"
	    "       netpeer connect ADDR PORT BYTES DELAY_MS SECONDS\n"
	    "       netpeer udp ADDR COUNT RATE SECONDS\n");
	return 2;
}
