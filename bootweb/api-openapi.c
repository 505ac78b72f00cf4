/*
 * api-openapi.c: GET /api/v1/openapi.json, the admin API described
 * (OpenAPI 3.0), built from the table below;
 * tests/bootweb/api-openapi.sh checks the table against the routes
 * bootweb logs (every route documented, nothing documented that no route
 * takes).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "xmalloc.h"

static const struct {
	const char	*method;	/* lower case, as OpenAPI has it */
	const char	*path;
	const char	*role;		/* NULL: no credentials */
	const char	*summary;
} ops[] = {
	{ "get", "/api/v1/health", NULL, "whether the server answers" },
	{ "post", "/api/v1/login", NULL, "log in with {user, password}: "
	    "a session cookie and its CSRF token" },
	{ "post", "/api/v1/logout", "viewer", "end this session" },
	{ "get", "/api/v1/openapi.json", "viewer", "this document" },
	{ "get", "/metrics", "viewer", "Prometheus metrics (or from "
	    "metrics.allow)" },
	{ "get", "/api/v1/clients", "viewer", "list clients (image, name, "
	    "allowed, known, q, selector, sort=mac|name|image|state|"
	    "last_seen (-FIELD descending), limit, offset, total)" },
	{ "post", "/api/v1/clients", "operator", "add a client {mac, name, "
	    "hostname, ip, image, template, vars, labels, allowed}" },
	{ "get", "/api/v1/clients/{id}", "viewer", "one client by MAC or "
	    "name, with its ETag" },
	{ "patch", "/api/v1/clients/{id}", "operator", "change members "
	    "(null clears; labels: a null value removes one); If-Match" },
	{ "delete", "/api/v1/clients/{id}", "operator", "remove; If-Match" },
	{ "post", "/api/v1/clients/{id}/next-boot", "operator",
	    "{next_boot: install|local|menu|shell|clear}" },
	{ "post", "/api/v1/clients/{id}/allow", "operator", "allow booting" },
	{ "post", "/api/v1/clients/{id}/deny", "operator", "deny booting" },
	{ "post", "/api/v1/clients/{id}/wake", "operator", "Wake-on-LAN, "
	    "optionally {next_boot} first" },
	{ "get", "/api/v1/clients/{id}/timeline", "viewer", "the last boot's "
	    "steps, as bootctl client timeline --json" },
	{ "post", "/api/v1/clients/actions", "operator", "a bulk action "
	    "(next-boot, wake, allow, deny, label) on the clients a selector "
	    "or a list of MACs picks, in one transaction: {action, selector "
	    "| macs, next_boot, labels, secureon}; answers {action, count, "
	    "clients}" },
	{ "get", "/api/v1/events", "operator", "events (after, before, "
	    "order=asc|desc: newest first with head, mac, kind, limit)" },
	{ "get", "/api/v1/events/stream", "operator", "events as "
	    "Server-Sent Events" },
	/* ISOs and jobs (api-upload.c) */
	{ "post", "/api/v1/images/upload", "admin", "upload an ISO as the "
	    "body (application/octet-stream, Content-Length; ?name=, "
	    "?template=); 202 {job}; 413 over upload.max_bytes" },
	{ "post", "/api/v1/images/import", "admin", "import an ISO on the "
	    "server {path, name, template} (inside the data directory or "
	    "import_dir); 202 {job}" },
	{ "post", "/api/v1/images/detect", "admin", "what import would make "
	    "of {path}" },
	{ "get", "/api/v1/jobs", "viewer", "jobs, newest first" },
	{ "get", "/api/v1/jobs/{id}", "viewer", "one job: state "
	    "(running, done, failed), progress 0..1, image, error" },
	{ "get", "/api/v1/inventories", "viewer", "a client's inventory "
	    "history, newest first (?mac=, limit)" },
	{ "get", "/api/v1/webhooks", "admin", "list webhooks (never their "
	    "secrets)" },
	{ "post", "/api/v1/webhooks", "admin", "add {url, events, secret}; "
	    "a secret made up is answered once" },
	{ "delete", "/api/v1/webhooks/{id}", "admin", "remove a webhook" },
	/* end of ISOs, jobs, inventories and webhooks */
	{ "get", "/api/v1/images", "viewer", "list images" },
	{ "get", "/api/v1/images/{name}", "viewer", "one image" },
	{ "post", "/api/v1/images", "admin", "add an image {name, kind, "
	    "kernel, initrds, cmdline, template, distro, version, arch}, as "
	    "bootctl image add" },
	{ "patch", "/api/v1/images/{name}", "admin", "change members (null "
	    "clears; initrds replace); If-Match" },
	{ "delete", "/api/v1/images/{name}", "admin", "remove (409 while it "
	    "is a client's or a setting names it); If-Match" },
	{ "get", "/api/v1/images/{name}/files", "viewer", "the files of an "
	    "imported ISO (limit, offset)" },
	{ "get", "/api/v1/templates", "viewer", "list templates" },
	{ "post", "/api/v1/templates", "admin", "add {name, kind, body}" },
	{ "get", "/api/v1/templates/{name}", "viewer", "one template with "
	    "its body" },
	{ "put", "/api/v1/templates/{name}", "admin", "replace {body, "
	    "kind}; If-Match" },
	{ "delete", "/api/v1/templates/{name}", "admin", "remove (409 while "
	    "used)" },
	{ "get", "/api/v1/templates/{name}/render", "viewer", "render for "
	    "?mac= (text/plain)" },
	{ "post", "/api/v1/templates/{name}/render", "viewer", "render for "
	    "{mac, server}: {text}; a template error is 422 with error.line" },
	{ "get", "/api/v1/files", "viewer", "list virtual files (mac)" },
	{ "post", "/api/v1/files", "admin", "add {path, mac, prefix, and one "
	    "of content, template, local, url}, as bootctl file add" },
	{ "get", "/api/v1/files/{id}", "viewer", "one file" },
	{ "put", "/api/v1/files/{id}", "admin", "replace its source {one of "
	    "content, template, local, url}, as bootctl file set" },
	{ "delete", "/api/v1/files/{id}", "admin", "remove a file" },
	{ "get", "/api/v1/settings", "viewer", "every setting, value and "
	    "whether default; the schema of the settings table" },
	{ "get", "/api/v1/settings/{key}", "viewer", "one setting" },
	{ "put", "/api/v1/settings/{key}", "admin", "set {value}" },
	{ "delete", "/api/v1/settings/{key}", "admin", "back to the "
	    "default" },
	{ "get", "/api/v1/leases", "viewer", "DHCPv6 leases" },
	{ "get", "/api/v1/users", "admin", "list users" },
	{ "post", "/api/v1/users", "admin", "add {name, role, password}" },
	{ "get", "/api/v1/users/{name}", "admin", "one user" },
	{ "patch", "/api/v1/users/{name}", "admin", "change {role, "
	    "password}" },
	{ "delete", "/api/v1/users/{name}", "admin", "remove a user" },
	{ "get", "/api/v1/tokens", "admin", "list API tokens" },
	{ "post", "/api/v1/tokens", "admin", "create {user, role, label, "
	    "expires}; the token is shown once" },
	{ "delete", "/api/v1/tokens/{id}", "admin", "revoke a token" },
	/* the web UI's session (api-session.c) */
	{ "get", "/api/v1/session", "viewer", "this session's user, role, "
	    "CSRF token and expiry (session cookie only)" },
	/* end of the web UI's session */
};

/* Request bodies, as examples for the clients of the API. */
static const struct {
	const char	*method;
	const char	*path;
	const char	*example;	/* JSON */
} examples[] = {
	{ "post", "/api/v1/clients",
	    "{\"mac\": \"52:54:00:12:34:56\", \"name\": \"web1\", "
	    "\"labels\": {\"rack\": \"3\"}}" },
	{ "patch", "/api/v1/clients/{id}",
	    "{\"hostname\": \"web1\", \"labels\": {\"role\": "
	    "\"worker\", \"old\": null}}" },
	{ "post", "/api/v1/clients/actions",
	    "{\"action\": \"next-boot\", \"selector\": "
	    "\"rack=3,role=worker\", \"next_boot\": \"install\"}" },
	{ "post", "/api/v1/images",
	    "{\"name\": \"deb12\", \"kernel\": \"debian/linux\", "
	    "\"initrds\": [\"debian/initrd.gz\"], \"cmdline\": "
	    "\"auto=true\"}" },
	{ "patch", "/api/v1/images/{name}",
	    "{\"cmdline\": \"quiet\"}" },
	{ "post", "/api/v1/templates/{name}/render",
	    "{\"mac\": \"52:54:00:12:34:56\"}" },
	{ "post", "/api/v1/files",
	    "{\"path\": \"menu.ipxe\", \"content\": \"#!ipxe\\n\"}" },
	{ "put", "/api/v1/files/{id}",
	    "{\"template\": \"menu\"}" },
};

/* The example body of an operation, or NULL. */
static json_t *
example(const char *method, const char *path)
{
	size_t	 i;

	for (i = 0; i < nitems(examples); i++)
		if (strcmp(examples[i].method, method) == 0 &&
		    strcmp(examples[i].path, path) == 0)
			return json_loads(examples[i].example, 0, NULL);
	return NULL;
}

int
api_openapi(struct bw_req *r, const char *rest)
{
	json_t	*paths = json_object(), *p, *op, *ex;
	size_t	 i;

	for (i = 0; i < nitems(ops); i++) {
		if ((p = json_object_get(paths, ops[i].path)) == NULL) {
			p = json_object();
			json_object_set_new(paths, ops[i].path, p);
		}
		op = json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}",
		    "summary", ops[i].summary, "responses", "200",
		    "description", "done", "4XX", "description",
		    "{\"error\": {\"code\", \"message\"}}", "401",
		    "description", "no or bad credentials");
		if ((ex = example(ops[i].method, ops[i].path)) != NULL)
			json_object_set_new(op, "requestBody", json_pack(
			    "{s:{s:{s:o}}}", "content", "application/json",
			    "example", ex));
		if (ops[i].role != NULL)
			json_object_set_new(op, "x-role",
			    json_string(ops[i].role));
		else
			json_object_set_new(op, "security", json_array());
		json_object_set_new(p, ops[i].method, op);
	}
	api_send(r, 200, json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:{s:{s:s, "
	    "s:s}, s:{s:s, s:s, s:s}}}, s:[{s:[]}, {s:[]}]}",
	    "openapi", "3.0.3",
	    "info", "title", "netboot admin API", "version", PACKAGE_VERSION,
	    "paths", paths,
	    "components", "securitySchemes", "bearer", "type", "http",
	    "scheme", "bearer", "session", "type", "apiKey", "in", "cookie",
	    "name", "nb_session",
	    "security", "bearer", "session"));
	return 0;
}
