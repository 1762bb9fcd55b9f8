/*
 * shared.c - counters shared by Kore's worker processes (see shared.h).
 *
 * Per-address counts live in an open-addressing table keyed by the
 * address (IPv4 mapped into IPv6 form, so both families count), deleted
 * without tombstones.  The hash limit is a counter with a process-shared
 * condition variable.  Without shared_init (unit tests, the generator)
 * nothing is limited.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "shared.h"

#define SHARED_IP_SLOTS	4096		/* a power of two */

struct shared_ip {
	uint8_t		addr[16];
	int		count;		/* 0: free */
};

struct shared {
	pthread_mutex_t		lock;
	pthread_cond_t		hash_free;
	int			conn_limit, per_ip_limit, hash_limit;
	int			conns, hashes, hash_peak;
	int			workers_ready;
	unsigned long long	refused;
	struct shared_ip	ips[SHARED_IP_SLOTS];
};

static struct shared	*sh;

static int			 shared_key(const struct sockaddr *, uint8_t *);
static struct shared_ip		*shared_find(const uint8_t *, int);
static void			 shared_delete(struct shared_ip *);

int
shared_init(int connection_limit, int per_ip_limit, int hash_limit)
{
	pthread_mutexattr_t	ma;
	pthread_condattr_t	ca;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		sh = NULL;
		log_error(NULL, "shared memory: %s", strerror(errno));
		return (-1);
	}
	memset(sh, 0, sizeof(*sh));
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	/* A worker killed while holding it must not stop the others. */
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sh->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&sh->hash_free, &ca);
	pthread_condattr_destroy(&ca);
	sh->conn_limit = connection_limit;
	sh->per_ip_limit = per_ip_limit;
	sh->hash_limit = hash_limit;
	return (0);
}

void
shared_cleanup(void)
{
	if (sh != NULL)
		munmap(sh, sizeof(*sh));
	sh = NULL;
}

static void
shared_lock(void)
{
	if (pthread_mutex_lock(&sh->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&sh->lock);
}

/* The address in IPv6 form; -1 when it has none (a unix socket). */
static int
shared_key(const struct sockaddr *sa, uint8_t *key)
{
	const struct sockaddr_in	*in;

	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 16);
		return (0);
	}
	if (sa->sa_family != AF_INET)
		return (-1);
	in = (const struct sockaddr_in *)(const void *)sa;
	memset(key, 0, 10);
	key[10] = key[11] = 0xff;
	memcpy(key + 12, &in->sin_addr, 4);
	return (0);
}

static size_t
shared_home(const uint8_t *key)
{
	uint32_t	h = 2166136261u;
	int		i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return (h & (SHARED_IP_SLOTS - 1));
}

static struct shared_ip *
shared_find(const uint8_t *key, int insert)
{
	size_t	h = shared_home(key), i;

	for (i = 0; i < SHARED_IP_SLOTS; i++,
	    h = (h + 1) & (SHARED_IP_SLOTS - 1)) {
		if (sh->ips[h].count == 0) {
			if (!insert)
				return (NULL);
			memcpy(sh->ips[h].addr, key, 16);
			return (&sh->ips[h]);
		}
		if (memcmp(sh->ips[h].addr, key, 16) == 0)
			return (&sh->ips[h]);
	}
	return (NULL);
}

/* Delete by moving later entries of the run back (no tombstones). */
static void
shared_delete(struct shared_ip *e)
{
	size_t	i = (size_t)(e - sh->ips), j = i, k;

	for (;;) {
		j = (j + 1) & (SHARED_IP_SLOTS - 1);
		if (sh->ips[j].count == 0)
			break;
		k = shared_home(sh->ips[j].addr);
		/* Stays unless its home is cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		sh->ips[i] = sh->ips[j];
		i = j;
	}
	sh->ips[i].count = 0;
}

int
shared_conn_add(const struct sockaddr *sa)
{
	struct shared_ip	*e = NULL;
	uint8_t			 key[16];
	int			 ret = 0, keyed;

	if (sh == NULL)
		return (0);
	keyed = shared_key(sa, key) == 0;
	shared_lock();
	if (sh->conns >= sh->conn_limit) {
		ret = -1;
	} else if (keyed && sh->per_ip_limit > 0) {
		if ((e = shared_find(key, 1)) == NULL ||
		    e->count >= sh->per_ip_limit)
			ret = -2;	/* 4096 addresses at once: refuse */
		else
			e->count++;
	}
	if (ret == 0)
		sh->conns++;
	else
		sh->refused++;
	pthread_mutex_unlock(&sh->lock);
	return (ret);
}

void
shared_conn_remove(const struct sockaddr *sa)
{
	struct shared_ip	*e;
	uint8_t			 key[16];

	if (sh == NULL)
		return;
	shared_lock();
	sh->conns--;
	if (sh->per_ip_limit > 0 && shared_key(sa, key) == 0 &&
	    (e = shared_find(key, 0)) != NULL && --e->count <= 0)
		shared_delete(e);
	pthread_mutex_unlock(&sh->lock);
}

void
shared_hash_enter(void)
{
	if (sh == NULL)
		return;
	shared_lock();
	while (sh->hash_limit > 0 && sh->hashes >= sh->hash_limit)
		pthread_cond_wait(&sh->hash_free, &sh->lock);
	if (++sh->hashes > sh->hash_peak)
		sh->hash_peak = sh->hashes;
	pthread_mutex_unlock(&sh->lock);
}

void
shared_hash_leave(void)
{
	if (sh == NULL)
		return;
	shared_lock();
	sh->hashes--;
	pthread_cond_signal(&sh->hash_free);
	pthread_mutex_unlock(&sh->lock);
}

int
shared_hash_peak(void)
{
	int	n;

	if (sh == NULL)
		return (0);
	shared_lock();
	n = sh->hash_peak;
	pthread_mutex_unlock(&sh->lock);
	return (n);
}

int
shared_worker_ready(void)
{
	int	n;

	if (sh == NULL)
		return (0);
	shared_lock();
	n = ++sh->workers_ready;
	pthread_mutex_unlock(&sh->lock);
	return (n);
}
