/*
 * api-session.c: GET /api/v1/session, what the web UI asks after a
 * reload (bootweb(8) ADMIN API): the user and role of the session cookie
 * and its CSRF token, so that the page keeps the token in memory only,
 * never in storage that any script of the origin could read.
 *
 * The cookie alone is the credential here, so this route also refuses a
 * request the browser marks as made by another site or origin
 * (api_auth's Sec-Fetch-Site check); the same-origin policy keeps its
 * answer from any other page, and the answer is never stored.
 */
#include "config.h"

#include <string.h>

#include <event2/http.h>

#include "api.h"

int
api_session(struct bw_req *r, const char *rest)
{
	struct nb_db	*db = r->bw->d->db;
	char		 csrf[NB_CSRF_STRLEN];
	int64_t		 expires, idle;
	int		 rc;

	if (r->sid[0] == '\0')
		return bw_fail(r, 400, "no session: a bearer token needs no "
		    "CSRF token (GET /api/v1/session is for the session "
		    "cookie of POST /api/v1/login)");
	if ((rc = nb_session_expiry(db, r->sid, &expires, &idle)) != NB_OK ||
	    (rc = nb_session_csrf(db, r->sid, csrf)) != NB_OK)
		return api_dberr(r, rc);
	api_send(r, 200, json_pack("{s:s, s:s, s:s, s:I, s:I}",
	    "user", r->user, "role", nb_role_name(r->role),
	    "csrf_token", csrf, "expires", (json_int_t)expires,
	    "idle_timeout", (json_int_t)idle));
	explicit_bzero(csrf, sizeof(csrf));
	return 0;
}
