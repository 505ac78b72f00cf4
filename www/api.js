// api.js: every call the UI makes goes through here. The UI has no
// privileges of its own: it is a client of the admin API (bootweb(8)
// ADMIN API), with the session cookie the login sets (HttpOnly: no
// script reads it) and, on every write, the session's CSRF token. The
// token lives in this module's memory only, never in the browser's
// storage where any script of the origin could read it: after a reload
// the page asks GET /api/v1/session for it again.

const RANK = { viewer: 0, operator: 1, admin: 2 };

export let session = null;

// Remember who logged in ({user, role, csrf_token}), or forget (null).
export function setSession(s) {
	session = s;
}

// Ask the server who the session cookie stands for: the session, or
// null when there is none (no cookie, ended, expired).
export async function loadSession() {
	try {
		setSession(await api('GET', '/session'));
	} catch (e) {
		if (e.status !== 401)
			throw e;
		setSession(null);
	}
	return session;
}

// Whether the logged-in user has at least this role.
export function can(role) {
	return session != null && RANK[session.role] >= RANK[role];
}

export class ApiError extends Error {
	constructor(status, code, message, line) {
		super(message);
		this.status = status;
		this.code = code;
		this.line = line;
	}
}

let expired = () => {};
// What to do when the API says the session is gone (401).
export function onExpired(fn) {
	expired = fn;
}

// The routes the server has, from its OpenAPI document: a page asks
// before calling a route another version may lack, and says so plainly
// instead of failing.
let routes = null;
export async function loadRoutes() {
	const doc = await api('GET', '/openapi.json');
	routes = Object.entries(doc.paths || {}).map(([p, ops]) => ({
		re: new RegExp('^' + p.replace(/[.]/g, '\\.')
		    .replace(/\{[^}]+\}/g, '[^/]+') + '$'),
		methods: Object.keys(ops).map((m) => m.toUpperCase()),
		ops,
	}));
}

// Whether the server has METHOD /api/v1PATH.
export function has(method, path) {
	if (routes == null)
		return false;
	const p = '/api/v1' + path.split('?')[0];
	return routes.some((r) => r.re.test(p) && r.methods.includes(method));
}

// The summary of a route, which lists its query parameters.
export function summary(method, path) {
	const p = '/api/v1' + path;
	const r = routes && routes.find((x) => x.re.test(p));
	const op = r && r.ops[method.toLowerCase()];
	return (op && op.summary) || '';
}

async function parse(res) {
	const type = res.headers.get('Content-Type') || '';
	if (res.status === 204 || res.status === 304)
		return null;
	if (type.startsWith('application/json'))
		return res.json();
	return res.text();
}

// Call the API: api('POST', '/clients', {mac: ...}). Resolves to the
// parsed body, or {body, etag} with opts.full; rejects with an ApiError
// that carries the API's code, message and, for templates, the line.
export async function api(method, path, body, opts = {}) {
	const headers = Object.assign({}, opts.headers);
	const init = { method, headers, credentials: 'same-origin' };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	if (method !== 'GET' && session && session.csrf_token)
		headers['X-CSRF-Token'] = session.csrf_token;
	let res;
	try {
		res = await fetch('/api/v1' + path, init);
	} catch (e) {
		throw new ApiError(0, 'network', 'the server cannot be reached');
	}
	const data = await parse(res).catch(() => null);
	if (!res.ok) {
		const err = (data && data.error) || {};
		let msg = err.message || (typeof data === 'string' && data) ||
		    res.statusText;
		let line = err.line;
		const m = /\bline (\d+)/.exec(msg);
		if (line == null && m)
			line = Number(m[1]);
		if (res.status === 429 && res.headers.get('Retry-After'))
			msg += ' (retry after ' + res.headers.get('Retry-After') +
			    ' s)';
		if (res.status === 401 && path !== '/login' &&
		    path !== '/session')
			expired(msg);
		throw new ApiError(res.status, err.code || String(res.status),
		    msg, line);
	}
	if (opts.full)
		return { body: data, etag: res.headers.get('ETag') };
	return data;
}

// Send a file as the raw body of a POST with upload progress
// (fetch has none): resolves to the parsed JSON answer.
export function upload(path, file, progress) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open('POST', '/api/v1' + path);
		x.setRequestHeader('Content-Type', 'application/octet-stream');
		if (session && session.csrf_token)
			x.setRequestHeader('X-CSRF-Token', session.csrf_token);
		x.upload.onprogress = (e) => {
			if (e.lengthComputable)
				progress(e.loaded / e.total);
		};
		x.onerror = () => reject(new ApiError(0, 'network',
		    'the upload was cut off'));
		x.onload = () => {
			let j = null;
			try {
				j = JSON.parse(x.responseText);
			} catch (e) {
				j = null;
			}
			if (x.status >= 200 && x.status < 300)
				return resolve(j);
			if (x.status === 401)
				expired();
			const err = (j && j.error) || {};
			reject(new ApiError(x.status, err.code, err.message ||
			    x.statusText));
		};
		x.send(file);
	});
}

// The newest events, at most n (and none before since, in seconds),
// oldest first, and the id the event stream resumes from: newest first
// from the API (order=desc), 1000 at a time, each an indexed read. A
// kind filter reads a bounded number of events per request, so this
// stops after a few requests whatever it found.
export async function recentEvents(n, filter = '', since = 0) {
	let events = [], head = null, before = '';
	for (let i = 0; i < 10 && events.length < n; i++) {
		const r = await api('GET', '/events?order=desc&limit=' +
		    Math.min(1000, n - events.length) + before + filter);
		if (head == null)
			head = r.head;
		events = events.concat(r.events);
		const last = r.events[r.events.length - 1];
		if (!r.more || (last && last.ts < since))
			break;
		before = '&before=' + r.last_id;
	}
	return { events: events.filter((e) => e.ts >= since).reverse(),
	    last: head || 0 };
}

// Follow /api/v1/events/stream (Server-Sent Events, read with fetch so
// that a refusal is a status, not a broken EventSource): onEvent(ev) for
// each event from after on, onState('live'|'retrying'|'refused', why).
// Reconnects from the last id seen, so nothing is lost or repeated.
// Returns the function that stops it.
export function stream(filter, after, onEvent, onState) {
	const ctl = new AbortController();
	let last = after, stopped = false;
	const block = (text) => {
		let data = '';
		for (const line of text.split('\n')) {
			if (line.startsWith('id:'))
				last = Number(line.slice(3).trim());
			else if (line.startsWith('data:'))
				data += line.slice(5).trim();
		}
		if (data) {
			try {
				onEvent(JSON.parse(data));
			} catch (e) {
				// not an event: skip it
			}
		}
	};
	(async () => {
		while (!stopped) {
			try {
				const q = '?after=' + (last || 0) + filter;
				const res = await fetch('/api/v1/events/stream' + q,
				    { signal: ctl.signal,
				    credentials: 'same-origin' });
				if (res.status === 401) {
					expired();
					return;
				}
				if (!res.ok) {
					const j = await res.json().catch(() => null);
					onState('refused', j && j.error ?
					    j.error.message : res.statusText);
					return;
				}
				onState('live');
				const rd = res.body.pipeThrough(
				    new TextDecoderStream()).getReader();
				let buf = '';
				for (;;) {
					const { value, done } = await rd.read();
					if (done)
						break;
					buf += value.replace(/\r/g, '');
					let i;
					while ((i = buf.indexOf('\n\n')) >= 0) {
						block(buf.slice(0, i));
						buf = buf.slice(i + 2);
					}
				}
			} catch (e) {
				if (stopped)
					return;
			}
			onState('retrying');
			await new Promise((r) => setTimeout(r, 2000));
		}
	})();
	return () => {
		stopped = true;
		ctl.abort();
	};
}
