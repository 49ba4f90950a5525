/*
 * peer.c - who is on the other end of a connection: the TCP peer, or the
 * client a trusted proxy names in X-Forwarded-For. The WebSocket side
 * (conn.c, per-address caps) and the HTTP side (http.c, operator endpoints)
 * both ask here, so the proxy list is parsed and trusted in one place.
 */
#include <arpa/inet.h>
#include <string.h>

#include "peer.h"

#define MAX_PROXIES 16

/* An address in IPv6 form (IPv4 as ::ffff:a.b.c.d). */
struct addr16 {
	unsigned char b[16];
};

/* The trusted proxies (peer_init); set once at start, read on the loop. */
static struct {
	struct addr16 proxies[MAX_PROXIES];
	size_t nproxies;
} P;

/* Parses an IPv4 or IPv6 literal (s[0..n)) into *a: 0, or -1. */
static int addr_parse(const char *s, size_t n, struct addr16 *a)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	struct in_addr v4;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &v4) == 1) {
		memset(a->b, 0, 10);
		a->b[10] = a->b[11] = 0xff;
		memcpy(a->b + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, tmp, a->b) == 1 ? 0 : -1;
}

static int addr_is_loopback(const struct addr16 *a)
{
	static const unsigned char v6_loop[16] = { [15] = 1 };
	static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a->b, v6_loop, 16) == 0 || (memcmp(a->b, v4_mapped, 12) == 0 && a->b[12] == 127);
}

static int addr_is_proxy(const struct addr16 *a)
{
	for (size_t i = 0; i < P.nproxies; i++)
		if (memcmp(P.proxies[i].b, a->b, 16) == 0)
			return 1;
	return 0;
}

/* Parses "ADDR[,ADDR...]" into out (up to max); the count, or -1. */
static int proxies_parse(const char *list, struct addr16 *out, size_t max)
{
	size_t n = 0;

	for (const char *p = list; ; ) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		struct addr16 a;

		if (n == max || addr_parse(p, len, &a))
			return -1;
		out[n++] = a;
		if (!e)
			return (int)n;
		p = e + 1;
	}
}

/* Checks a trusted proxy list without keeping it: 0 when it parses. */
int peer_list_valid(const char *list)
{
	struct addr16 a[MAX_PROXIES];

	return list && proxies_parse(list, a, MAX_PROXIES) > 0 ? 0 : -1;
}

/* Trusts the proxies in list (NULL or "": none); 0, or -1 when it does not
 * parse (then none is trusted). */
int peer_init(const char *list)
{
	int n = 0;

	memset(&P, 0, sizeof(P));
	if (list && *list && (n = proxies_parse(list, P.proxies, MAX_PROXIES)) < 0)
		return -1;
	P.nproxies = (size_t)n;
	return 0;
}

/*
 * The client's address: the peer, or, when the peer is a trusted proxy and
 * the request carries X-Forwarded-For, the last entry that is not a trusted
 * proxy (entries to its left were written by the client and prove nothing);
 * when every entry is one, the first. *parsed gets the address when it is a
 * literal (0), else -1 is left in *ok.
 */
static void client_addr(struct lws *wsi, char *buf, size_t len, struct addr16 *parsed, int *ok)
{
	char xff[1024];
	struct addr16 a;
	int n;

	lws_get_peer_simple(wsi, buf, len);
	*ok = addr_parse(buf, strlen(buf), parsed) == 0;
	if (!P.nproxies || !*ok || !addr_is_proxy(parsed))
		return;
	n = lws_hdr_copy(wsi, xff, sizeof(xff), WSI_TOKEN_X_FORWARDED_FOR);
	if (n <= 0)
		return;                 /* the proxy's own request */
	for (int end = n; end > 0; ) {
		int start = end;
		size_t l;

		while (start > 0 && xff[start - 1] != ',')
			start--;
		l = (size_t)(end - start);
		if (start == 0 || addr_parse(xff + start, l, &a) || !addr_is_proxy(&a)) {
			/* The client: the first untrusted entry from the right
			 * (or the leftmost). Trimmed, cut to fit. */
			while (l && (xff[start] == ' ' || xff[start] == '\t'))
				start++, l--;
			while (l && (xff[start + l - 1] == ' ' || xff[start + l - 1] == '\t'))
				l--;
			if (l >= len)
				l = len - 1;
			memcpy(buf, xff + start, l);
			buf[l] = '\0';
			*ok = addr_parse(buf, l, parsed) == 0;
			return;
		}
		end = start - 1;
	}
}

/* The client's address as text into buf (len bytes, NUL-terminated; the
 * caller owns buf). */
void peer_addr(struct lws *wsi, char *buf, size_t len)
{
	struct addr16 a;
	int ok;

	client_addr(wsi, buf, len, &a, &ok);
}

/* 1 when the client (as peer_addr names it) is on the loopback interface. */
int peer_is_loopback(struct lws *wsi)
{
	char ip[128];
	struct addr16 a;
	int ok;

	client_addr(wsi, ip, sizeof(ip), &a, &ok);
	return ok && addr_is_loopback(&a);
}
