/*
 * shared.h - the counters Kore's worker processes share.
 *
 * Kore serves with several worker processes, each counting only its own
 * connections; the limits that are the machine's (CONNECTION_LIMIT,
 * PER_IP_CONNECTION_LIMIT, and CPU_WORKERS password hashes at once, each
 * 64 MiB) must be counted over all of them.  One anonymous shared mapping,
 * made by the parent before it forks the workers, holds the counts under
 * a process-shared mutex.  A worker that dies with connections open
 * leaves its counts behind until the parent is restarted; Kore's own
 * worker_max_connections still bounds each worker.
 */
#ifndef RUNTIME_SHARED_H
#define RUNTIME_SHARED_H

struct sockaddr;

/* In the parent, before the workers start.  0 ok, -1 error (logged). */
int	shared_init(int connection_limit, int per_ip_limit, int hash_limit);
void	shared_cleanup(void);
/* A connection accepted (-1: over CONNECTION_LIMIT, -2: over
 * PER_IP_CONNECTION_LIMIT; refuse it) and closed. */
int	shared_conn_add(const struct sockaddr *);
void	shared_conn_remove(const struct sockaddr *);
/* Around a password hash: waits while hash_limit hashes run. */
void	shared_hash_enter(void);
void	shared_hash_leave(void);
/* A worker finished its set-up: how many have, this one included. */
int	shared_worker_ready(void);
/* The most hashes seen running at once (tests, bench). */
int	shared_hash_peak(void);

#endif
