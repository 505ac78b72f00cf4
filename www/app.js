// app.js: the shell of the web UI: the page list, the router (#/page/arg),
// the navigation, and what happens when a session ends. Pages are
// modules loaded when first shown, so the first load stays small.
import { api, session, setSession, loadSession, can, onExpired,
    loadRoutes } from './api.js';
import { h, clear, $, toast } from './ui.js';

// name: [module, label, role needed, shown in the navigation]
const PAGES = {
	dashboard: ['dashboard.js', 'Dashboard', 'viewer', true],
	clients: ['clients.js', 'Clients', 'viewer', true],
	client: ['client.js', 'Client', 'viewer', false],
	images: ['images.js', 'Images', 'viewer', true],
	templates: ['templates.js', 'Templates', 'viewer', true],
	files: ['files.js', 'Files', 'viewer', true],
	events: ['events.js', 'Events', 'operator', true],
	settings: ['settings.js', 'Settings', 'viewer', true],
	users: ['users.js', 'Users & tokens', 'admin', true],
	login: ['login.js', 'Log in', null, false],
};

let cleanup = null;
let asked = null;	// the first GET /api/v1/session, once per page load
let routesLoaded = false;
let shown = 0;
let navs = 0;	// navigations so far: a slower, older one gives way
let loginMessage = '';

function parseHash() {
	const parts = location.hash.replace(/^#\/?/, '').split('/');
	let name = parts.shift() || 'dashboard';
	const arg = parts.map(decodeURIComponent).join('/');
	if (name === 'clients' && arg)
		name = 'client';
	return { name, arg };
}

function drawNav(current) {
	const nav = $('#nav'), who = $('#who');
	if (!session) {
		clear(nav);
		clear(who);
		return;
	}
	const cur = current === 'client' ? 'clients' : current;
	clear(nav, Object.entries(PAGES).filter(([n, p]) => p[3] &&
	    can(p[2])).map(([n, p]) => h('a', { href: '#/' + n,
	    'aria-current': n === cur ? 'page' : null }, p[1])));
	clear(who, h('span', { class: 'user' }, session.user,
	    h('span', { class: 'badge ' + session.role }, session.role)),
	    h('button', { type: 'button', class: 'link', id: 'logout',
	    onclick: logout }, 'Log out'));
}

async function logout() {
	try {
		await api('POST', '/logout');
	} catch (e) {
		// already gone: the point was to end it
	}
	setSession(null);
	loginMessage = 'You are logged out.';
	location.hash = '#/login';
}

// Called by api.js on a 401: back to the login page, saying why.
onExpired(() => {
	if (!session)
		return;
	setSession(null);
	routesLoaded = false;
	loginMessage = 'Your session has ended; log in again.';
	const back = parseHash();
	location.hash = '#/login' + (back.name !== 'login' ?
	    '/' + encodeURIComponent(location.hash) : '');
});

async function show() {
	const main = $('#main');
	const { name, arg } = parseHash();
	const nav = ++navs;
	const stale = () => nav !== navs;
	if (cleanup) {
		try {
			cleanup();
		} catch (e) {
			// a page's cleanup never stops the next page
		}
		cleanup = null;
	}
	// After a reload the session (and its CSRF token, kept in memory
	// only) comes from the cookie, asked once.
	if (!asked)
		asked = loadSession().catch((e) => e);
	const fail = await asked;
	if (stale())
		return;
	if (fail instanceof Error && !session) {
		clear(main, h('p', { class: 'error', role: 'alert' },
		    fail.message));
		asked = null;
		return;
	}
	if (!session && name !== 'login') {
		location.replace('#/login');
		return;
	}
	if (session && name === 'login') {
		location.replace('#/dashboard');
		return;
	}
	if (session && !routesLoaded) {
		try {
			await loadRoutes();
			routesLoaded = true;
		} catch (e) {
			if (!session || stale())
				return;	/* expired: the hash changed */
			clear(main, h('p', { class: 'error' }, e.message));
			return;
		}
	}
	if (stale())
		return;
	const page = PAGES[name];
	drawNav(name);
	if (!page) {
		clear(main, h('h1', null, 'Not found'),
		    h('p', null, 'No page ' + name + '.'));
		return;
	}
	if (page[2] && !can(page[2])) {
		document.title = page[1] + ' — netboot';
		clear(main, h('h1', { tabindex: '-1' }, page[1]),
		    h('p', { class: 'error', role: 'alert' }, 'This page needs ' +
		    'the ' + page[2] + ' role; you are ' + session.role + '.'));
		return;
	}
	document.title = page[1] + ' — netboot';
	const mod = await import('./' + page[0]);
	if (stale())
		return;
	const el = h('div', { class: 'page page-' + name });
	// Pages append optional parts as cond ? node : null: skip the nulls.
	const append = el.append.bind(el);
	el.append = (...kids) => append(...kids.flat(Infinity).filter((k) =>
	    k != null && k !== false));
	clear(main, el);
	const ctx = { arg, message: loginMessage, onLogin: loggedIn };
	loginMessage = '';
	let done = null;
	try {
		done = (await mod.render(el, ctx)) || null;
	} catch (e) {
		if (session)
			el.append(h('p', { class: 'error', role: 'alert' },
			    e.message));
	}
	if (stale()) {
		// the user went on while this page loaded: stop what it started
		if (done)
			done();
		return;
	}
	cleanup = done;
	// After a navigation the heading takes the focus, so a keyboard
	// user starts at the page; on the first load the skip link comes
	// first.
	const h1 = el.querySelector('h1');
	if (h1 && shown++ > 0 && !el.contains(document.activeElement))
		h1.focus({ preventScroll: true });
}

function loggedIn(s, back) {
	setSession(s);
	routesLoaded = false;
	toast('Logged in as ' + s.user + ' (' + s.role + ')');
	location.hash = back && back.startsWith('#/') &&
	    !back.startsWith('#/login') ? back : '#/dashboard';
}

window.addEventListener('hashchange', show);
show();
