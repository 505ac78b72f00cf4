/*
 * wq.h: the write-behind queue of the three daemons (netboot(7), "The
 * database and the event loops"). A loop queues its writes (events,
 * clients seen, inventory, next-boot clearing, the suspended flag, boot
 * nonces, a daemon's own records) in memory and never waits for the
 * database; one thread per daemon (tftpd: a child process), with its own
 * connection, writes them a batch per pass in one transaction, retrying
 * while another process holds the write lock. Nothing queued is dropped,
 * except past the queue's bound. The same writer keeps the caps: clients.max_discovered (the earliest
 * discovered unmanaged clients are evicted in the transaction that adds
 * new ones) and events.keep_days / events.max_rows (pruned a bounded
 * number of rows at a time).
 */
#ifndef NB_WQ_H
#define NB_WQ_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct nb_wq;

/* What a daemon adds to the writer thread: its records, its idle work. */
struct nb_wq_hooks {
	size_t	  user_size;	/* bytes of one of its records; 0: none */
	/* Write n of its records in the open transaction (bytes in arena). */
	int	(*write)(struct nb_db *, void *const *recs, size_t n,
		    const char *arena, void *arg);
	/* Run between passes, every 50 ms at least (pxedhcpd's policy). */
	void	(*idle)(struct nb_db *, void *arg);
	/* Run after each commit of records: those written are in. */
	void	(*commit)(void *arg);
	void	 *arg;
	/*
	 * Write from a forked process, not a thread (no idle or commit hook;
	 * the caller holds no SQLite connection yet): a loop with no second
	 * thread keeps glibc's cheaper single-threaded system calls.
	 */
	int	  process;
};

/* Start the writer of daemon for the database at path (opened when needed). */
struct nb_wq	*nb_wq_start(const char *path, const char *daemon,
		    const struct nb_wq_hooks *);
/* Write what is queued (a lock is waited for 10 s), stop, free. */
void		 nb_wq_stop(struct nb_wq *);
/* Hand the loop's batch to the writer (each tick; later if it is busy). */
void		 nb_wq_tick(struct nb_wq *);
/* Wake the writer now, so that its idle hook runs. */
void		 nb_wq_wake(struct nb_wq *);
/* How many writes wait (queued by the loop or being written). */
size_t		 nb_wq_len(struct nb_wq *);
/* What the writer publishes for the loop's connection (nb_db_set_writer). */
struct nb_db_writer *nb_wq_writer(struct nb_wq *);
/* How many writes were refused because the queue was full. */
uint64_t	 nb_wq_dropped(struct nb_wq *);

/* A new zeroed record of the daemon's type, valid until the next tick. */
void		*nb_wq_user(struct nb_wq *);
/* Copy bytes for the daemon's records: their arena offset, -1 if full. */
int64_t		 nb_wq_bytes(struct nb_wq *, const void *, size_t);

/* Queue an event of the daemon, stamped now. */
void		 nb_evq_push(struct nb_wq *, const char *mac, const char *kind,
		    const char *ip, const char *fmt, ...) NB_PRINTF(5, 6);
/* How many writes wait (nb_wq_len, under the name its callers know). */
size_t		 nb_evq_len(struct nb_wq *);
/* Queue nb_client_seen(mac) with uuid and address (NULL: keep). */
void		 nb_wq_seen(struct nb_wq *, const char *mac, const char *uuid,
		    const char *ip);
/* Queue nb_client_seen and nb_client_set_inventory; inv is copied. */
void		 nb_wq_inventory(struct nb_wq *, const char *mac,
		    const char *uuid, const char *ip, const json_t *inv);
/* Queue nb_inventory_add(mac, "self", report); report is copied. */
void		 nb_wq_report(struct nb_wq *, const char *mac,
		    const json_t *report);
/* Queue nb_client_next_boot_done(mac, was). */
void		 nb_wq_next_boot_done(struct nb_wq *, const char *mac,
		    enum nb_next_boot was);
/* Queue nb_client_set_suspended(mac, suspended). */
void		 nb_wq_suspended(struct nb_wq *, const char *mac, int);
/* Queue nb_boot_nonce_set(mac, nonce) (NB_NONCE_LEN bytes, after mac's row). */
void		 nb_wq_nonce(struct nb_wq *, const char *mac, const uint8_t *);
/* 1 and the nonce if one for mac is queued and not yet written, else 0. */
int		 nb_wq_nonce_pending(struct nb_wq *, const char *mac, uint8_t *);

#endif
