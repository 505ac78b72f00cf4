/* job.h: long work of the admin API, off the event loop (job.c). */
#ifndef JOB_H
#define JOB_H

#include <stdint.h>

#include <jansson.h>

struct bootweb;
struct bw_job;

/* What an import job is given. */
struct job_import {
	const char	*path;		/* the ISO, resolved */
	const char	*name;		/* the image's, or NULL */
	const char	*tmpl;		/* or NULL */
	int		 remove;	/* an upload: removed if it fails */
};

/* Start importing an ISO on a thread of its own; NULL if it cannot start. */
struct bw_job	*job_import(struct bootweb *, const struct job_import *);
/* The job with this id, or NULL (finished ones are kept a while). */
struct bw_job	*job_find(int64_t id);
/* Whether an import of this image name is running. */
int		 job_busy(const char *name);
/* A job as the API shows it: id, kind, state, progress, image, error. */
json_t		*job_json(struct bw_job *);
/* Every job kept, newest first. */
json_t		*job_list(void);
/* Put the calling thread behind the event loop: nice 10, idle I/O class. */
void		 job_background(const char *who);
void		 job_init(struct bootweb *);
void		 job_free(void);

#endif
