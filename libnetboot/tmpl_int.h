/*
 * tmpl_int.h: what the template engine (tmpl.c) and its escaping
 * (tmpl_esc.c) share: the state of one render.
 */
#ifndef NB_TMPL_INT_H
#define NB_TMPL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "log.h"
#include "tmpl.h"

#define TMPL_MAX_DEPTH	32		/* nested sections */

struct tmpl;

struct out {
	char		*buf;
	size_t		 len, cap;
};

struct render {
	struct tmpl	*t;
	struct out	 out;
	enum nb_tmpl_esc esc;
	json_t		*stack[TMPL_MAX_DEPTH + 2];
	int		 depth;
	uint64_t	 steps;
	json_t		*taint[8];	/* client-supplied values in the data */
	size_t		 ntaint;
	/* What the output so far says, read once per byte (tmpl_scan). */
	size_t		 scanned;
	size_t		 line_start;	/* offset of the current line */
	int		 dquotes;	/* '"' seen, for the kernel's quoting */
	int		 ks_shell;	/* kickstart: inside %pre, %post, ... */
	/* YAML: the keys of the lines above, by indentation (yaml_line). */
	int		 ykey[16];	/* their indentation */
	int		 yshell[16];	/* a list of shell commands */
	int		 nykeys;
	/* XML: the element text is in, and a '<' not yet closed (+ 1). */
	char		 xtag[32];
	size_t		 xopen;
};

/* Put "line N: what" in err; returns -1. */
int	tmpl_fail(char *err, size_t errsz, int line, const char *fmt, ...)
	    NB_PRINTF(4, 5);
/* Count n steps of work; -1 (and the error) once the budget is spent. */
int	tmpl_work(struct render *, size_t n, int line);
/* Append len bytes of s to the output; -1 past the output cap. */
int	tmpl_out(struct render *, const char *s, size_t len, int line);
/* tmpl_out() of a string. */
int	tmpl_out_str(struct render *, const char *s, int line);
/* Write a value's text escaped for esc (typed: a number, boolean or JSON). */
int	tmpl_esc_value(struct render *, enum nb_tmpl_esc esc, const char *s,
	    size_t len, int typed, int line);

#endif
