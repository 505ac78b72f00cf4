/*
 * job.c: the admin API's jobs (bootweb(8) ADMIN API, /api/v1/jobs). An
 * ISO import reads every byte of the ISO and hashes it: seconds to
 * minutes. It runs nb_import, the function bootctl image import runs, on
 * a thread of its own with its own database connection, at nice 10 and
 * in the idle I/O class (job_background), so the event loop goes on
 * answering booting machines. The
 * thread publishes its progress under the job's mutex and hands the job
 * back through a pipe when it ends; the loop then records an event.
 *
 * Jobs live in memory: the last JOB_KEEP finished ones stay for their
 * callers to read, and a restart forgets them (the images they made
 * stay, and so do the events saying so).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bootweb.h"
#include "conf.h"
#include "import.h"
#include "job.h"
#include "xmalloc.h"

#define JOB_KEEP	64	/* finished jobs kept */
#define JOB_NICE	10	/* a long job's thread's nice value */
/* ioprio_set(2): the idle I/O class (no glibc wrapper, no header). */
#define IOPRIO_WHO_PROCESS	1
#define IOPRIO_CLASS_IDLE	3
#define IOPRIO_CLASS_SHIFT	13

enum job_state { JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct bw_job {
	TAILQ_ENTRY(bw_job)	 entry;
	int64_t			 id;
	char			*name;		/* asked for, or NULL */
	char			*path, *tmpl, *dbpath, *datadir;
	int			 remove;
	int			 ended;		/* handed back (the loop's) */
	int64_t			 started, finished;
	pthread_mutex_t		 mu;		/* guards what follows */
	enum job_state		 state;
	double			 progress;
	json_t			*image;
	char			 err[1024];
};

static TAILQ_HEAD(job_q, bw_job) jobs = TAILQ_HEAD_INITIALIZER(jobs);
static int64_t			 lastid;
static int			 jpipe[2] = { -1, -1 };
static struct event		*jev;
static struct bootweb		*jbw;

static const char *const job_states[] = { "running", "done", "failed" };

/* nb_iso_pass's progress: bytes read of the ISO. */
static void
job_progress(void *arg, int64_t done, int64_t total)
{
	struct bw_job	*j = arg;

	pthread_mutex_lock(&j->mu);
	j->progress = total > 0 ? (double)done / (double)total : 0;
	if (j->progress > 0.99)
		j->progress = 0.99;	/* 1 once committed */
	pthread_mutex_unlock(&j->mu);
}

/*
 * Linux, per thread. Not SCHED_IDLE: on a busy machine it starved an
 * import for minutes and bought the loop nothing measurable
 * (tools/bench-upload.sh).
 */
void
job_background(const char *who)
{
	pid_t	 tid = (pid_t)syscall(SYS_gettid);

	nb_sched_slice(0);	/* not the loop's short one */
	if (setpriority(PRIO_PROCESS, (id_t)tid, JOB_NICE) == -1)
		log_debug("%s: %s: setpriority: %s", __func__, who,
		    strerror(errno));
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid,
	    IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT) == -1)
		log_debug("%s: %s: ioprio_set: %s", __func__, who,
		    strerror(errno));
}

static void *
job_thread(void *arg)
{
	struct bw_job		*j = arg;
	struct nb_import_opts	 o;
	struct nb_image		 img;
	struct nb_db		*db;
	char			 err[1024];
	int			 rc;

	job_background("import");
	memset(&o, 0, sizeof(o));
	o.path = j->path;
	o.name = j->name;
	o.tmpl = j->tmpl;
	o.datadir = j->datadir;
	o.progress = job_progress;
	o.arg = j;
	err[0] = '\0';
	if ((rc = nb_db_open(j->dbpath, 0, &db, err, sizeof(err))) == NB_OK) {
		nb_db_busy_timeout(db, 5000);
		rc = nb_import(db, &o, &img, err, sizeof(err));
		nb_db_close(db);
	}
	pthread_mutex_lock(&j->mu);
	if (rc == NB_OK) {
		j->state = JOB_DONE;
		j->progress = 1;
		j->image = nb_image_json(&img);
		nb_image_clear(&img);
	} else {
		j->state = JOB_FAILED;
		strlcpy(j->err, err[0] ? err : "the import failed",
		    sizeof(j->err));
	}
	j->finished = nb_now();
	pthread_mutex_unlock(&j->mu);
	if (rc != NB_OK && j->remove && unlink(j->path) == -1)
		log_warn("%s: cannot remove %s", __func__, j->path);
	if (write(jpipe[1], &j, sizeof(j)) != sizeof(j))
		log_warn("%s: cannot hand back job %lld", __func__,
		    (long long)j->id);
	return NULL;
}

static void
job_release(struct bw_job *j)
{
	pthread_mutex_destroy(&j->mu);
	json_decref(j->image);
	free(j->name);
	free(j->path);
	free(j->tmpl);
	free(j->dbpath);
	free(j->datadir);
	free(j);
}

/* Forget the oldest finished jobs beyond JOB_KEEP. */
static void
job_prune(void)
{
	struct bw_job	*j, *prev;
	int		 n = 0;

	for (j = TAILQ_FIRST(&jobs); j != NULL; j = TAILQ_NEXT(j, entry))
		n++;
	for (j = TAILQ_LAST(&jobs, job_q); j != NULL && n > JOB_KEEP;
	    j = prev) {
		prev = TAILQ_PREV(j, job_q, entry);
		if (!j->ended)
			continue;
		TAILQ_REMOVE(&jobs, j, entry);
		job_release(j);
		n--;
	}
}

/* A job's thread ended: log it, record the event. */
static void
job_ended(evutil_socket_t fd, short events, void *arg)
{
	struct bw_job	*j;
	const char	*iname;

	while (read(fd, &j, sizeof(j)) == sizeof(j)) {
		j->ended = 1;
		pthread_mutex_lock(&j->mu);
		if (j->state == JOB_DONE) {
			iname = json_string_value(json_object_get(j->image,
			    "name"));
			log_info("job %lld: imported %s from %s",
			    (long long)j->id, iname, j->path);
			nb_evq_push(jbw->d->evq, NULL, "image-import", NULL,
			    "job %lld: imported %s", (long long)j->id, iname);
		} else {
			log_warnx("job %lld: import of %s failed: %s",
			    (long long)j->id, j->path, j->err);
			nb_evq_push(jbw->d->evq, NULL, "image-import-failed",
			    NULL, "job %lld: %.400s", (long long)j->id, j->err);
		}
		pthread_mutex_unlock(&j->mu);
	}
	job_prune();
}

struct bw_job *
job_import(struct bootweb *bw, const struct job_import *ji)
{
	struct bw_job	*j = xcalloc(1, sizeof(*j));
	pthread_attr_t	 attr;
	pthread_t	 t;
	int		 rc;

	j->id = ++lastid;
	j->name = ji->name ? xstrdup(ji->name) : NULL;
	j->path = xstrdup(ji->path);
	j->tmpl = ji->tmpl ? xstrdup(ji->tmpl) : NULL;
	j->remove = ji->remove;
	j->dbpath = xstrdup(nb_daemon_dbpath(bw->d));
	j->datadir = xstrdup(bw->datadir);
	j->started = nb_now();
	j->state = JOB_RUNNING;
	pthread_mutex_init(&j->mu, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, job_thread, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		log_warnx("%s: cannot start a thread: %s", __func__,
		    strerror(rc));
		job_release(j);
		return NULL;
	}
	TAILQ_INSERT_HEAD(&jobs, j, entry);
	log_info("job %lld: importing %s", (long long)j->id, j->path);
	return j;
}

struct bw_job *
job_find(int64_t id)
{
	struct bw_job	*j;

	TAILQ_FOREACH(j, &jobs, entry)
		if (j->id == id)
			return j;
	return NULL;
}

int
job_busy(const char *name)
{
	struct bw_job	*j;
	int		 busy = 0;

	TAILQ_FOREACH(j, &jobs, entry) {
		pthread_mutex_lock(&j->mu);
		busy = j->state == JOB_RUNNING && j->name != NULL &&
		    strcmp(j->name, name) == 0;
		pthread_mutex_unlock(&j->mu);
		if (busy)
			break;
	}
	return busy;
}

json_t *
job_json(struct bw_job *j)
{
	json_t	*o;

	pthread_mutex_lock(&j->mu);
	o = json_pack("{s:I, s:s, s:s, s:f, s:I}", "id", (json_int_t)j->id,
	    "kind", "import", "state", job_states[j->state], "progress",
	    j->progress, "started", (json_int_t)j->started);
	if (j->name != NULL)
		json_object_set_new(o, "name", json_string(j->name));
	if (j->image != NULL)
		json_object_set(o, "image", j->image);
	if (j->state == JOB_FAILED)
		json_object_set_new(o, "error", json_string(j->err));
	if (j->state != JOB_RUNNING)
		json_object_set_new(o, "finished", json_integer(j->finished));
	pthread_mutex_unlock(&j->mu);
	return o;
}

json_t *
job_list(void)
{
	struct bw_job	*j;
	json_t		*a = json_array();

	TAILQ_FOREACH(j, &jobs, entry)
		json_array_append_new(a, job_json(j));
	return a;
}

void
job_init(struct bootweb *bw)
{
	jbw = bw;
	if (pipe2(jpipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	jev = event_new(bw->d->base, jpipe[0], EV_READ | EV_PERSIST,
	    job_ended, bw);
	if (jev == NULL || event_add(jev, NULL) == -1)
		fatalx("cannot watch the jobs' pipe");
}

/* Finished jobs are freed; running ones belong to their threads until exit. */
void
job_free(void)
{
	struct bw_job	*j, *next;

	if (jev != NULL)
		event_free(jev);
	jev = NULL;
	for (j = TAILQ_FIRST(&jobs); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		if (j->ended) {
			TAILQ_REMOVE(&jobs, j, entry);
			job_release(j);
		}
	}
}
