// client.js: one client: its state and actions, its settings (image,
// template, variables, labels), its boots drawn per boot from its
// timeline, its inventory, and its unattended file as rendered for it.
import { api, can, has } from './api.js';
import { h, clear, title, field, select, toast, fmtTime, errorBox,
    errorText, confirmBox, parsePairs, pairsText } from './ui.js';
import { badges, labelChips, bulkAction } from './clients.js';
import { Boots, stageRow, bootState } from './boots.js';

export async function render(el, ctx) {
	const id = ctx.arg;
	const m = encodeURIComponent(id);
	let c, etag;
	try {
		const r = await api('GET', '/clients/' + m, undefined,
		    { full: true });
		c = r.body;
		etag = r.etag;
	} catch (e) {
		el.append(title('Client ' + id), errorBox(e));
		return null;
	}
	const oper = can('operator');
	const [images, templates] = await Promise.all([
		api('GET', '/images').then((r) => r.images, () => []),
		api('GET', '/templates').then((r) => r.templates, () => []),
	]);

	// actions
	const nb = select('next_boot', [['install', 'install'],
	    ['local', 'local disk'], ['menu', 'menu'], ['shell', 'shell'],
	    ['clear', 'clear']], 'install');
	const act = async (action, extra) => {
		try {
			await bulkAction({ macs: [c.mac] }, action, extra);
			toast(action + ': done');
			reload();
		} catch (e) {
			toast(errorText(e), true);
		}
	};
	const reload = () => { window.dispatchEvent(new Event('hashchange')); };
	const actions = oper ? h('div', { class: 'actions' },
	    field('Next boot', nb),
	    h('button', { type: 'button', id: 'set-next', onclick: () =>
		act('next-boot', { next_boot: nb.value }) }, 'Set next boot'),
	    h('button', { type: 'button', id: 'wake', onclick: () =>
		act('wake', nb.value === 'clear' ? {} :
		{ next_boot: nb.value }) }, 'Set and wake'),
	    c.allowed === false ?
		h('button', { type: 'button', onclick: () => act('allow') },
		'Allow') :
		h('button', { type: 'button', onclick: () => act('deny') },
		'Deny'),
	    h('button', { type: 'button', class: 'danger', onclick: async () => {
		if (!(await confirmBox('Remove client ' + c.mac + '?')))
			return;
		try {
			await api('DELETE', '/clients/' + m);
			location.hash = '#/clients';
		} catch (e) {
			toast(errorText(e), true);
		}
	    } }, 'Remove')) : null;

	// settings form
	const opt = (list) => [['', '— none —']].concat(list.map((x) =>
	    [x.name, x.name]));
	const f = {
		name: h('input', { name: 'name', value: c.name || '' }),
		hostname: h('input', { name: 'hostname',
		    value: c.hostname || '' }),
		ip: h('input', { name: 'ip', value: c.ip || '' }),
		image: select('image', opt(images), c.image || ''),
		template: select('template', opt(templates), c.template || ''),
		vars: h('textarea', { name: 'vars', rows: 3 },
		    pairsText(c.vars)),
	};
	if (c.labels !== undefined)
		f.labels = h('textarea', { name: 'labels', rows: 2 },
		    pairsText(c.labels));
	const msg = h('div');
	for (const x of Object.values(f))
		x.disabled = !oper;
	const form = h('form', { class: 'grid', onsubmit: async (e) => {
		e.preventDefault();
		clear(msg);
		const body = {};
		for (const k of ['name', 'hostname', 'ip', 'image', 'template'])
			body[k] = f[k].value.trim() || null;
		try {
			// PATCH merges both maps: a key left out is kept, so
			// each one the user removed is sent as null
			body.vars = withRemoved(parsePairs(f.vars.value), c.vars);
			if (f.labels)
				body.labels = withRemoved(
				    parsePairs(f.labels.value), c.labels);
		} catch (x) {
			clear(msg, h('p', { class: 'error' }, x.message));
			return;
		}
		try {
			await api('PATCH', '/clients/' + m, body,
			    { headers: etag ? { 'If-Match': etag } : {} });
			toast('saved');
			reload();
		} catch (x) {
			clear(msg, x.status === 412 ? h('p', { class: 'error' },
			    'Someone changed this client since you opened it; ' +
			    'reload to see their change.') : errorBox(x));
		}
	} },
	    field('Name', f.name), field('Host name', f.hostname),
	    field('Static address', f.ip), field('Image', f.image),
	    field('Template', f.template),
	    field('Variables', f.vars, 'key=value, one a line'),
	    f.labels ? field('Labels', f.labels, 'key=value, one a line') :
	    null,
	    oper ? h('button', { type: 'submit', class: 'primary' }, 'Save') :
	    null, msg);

	const info = h('dl', { class: 'facts' }, [
		['MAC', c.mac], ['State', badges(c)], ['Architecture', c.arch],
		['UUID', c.uuid], ['Last address', c.last_ip],
		['First seen', fmtTime(c.first_seen)],
		['Last seen', fmtTime(c.last_seen)],
		['Vendor class', c.vendor_class],
		['Labels', c.labels ? labelChips(c) : null],
	].filter(([, v]) => v != null && v !== '').map(([k, v]) =>
	    [h('dt', null, k), h('dd', null, v)]));

	const timeline = h('div', { class: 'timeline' }, 'Loading…');
	const inv = h('div');
	const rendered = h('div');
	el.append(title(c.name ? c.name + ' (' + c.mac + ')' : c.mac,
	    h('a', { href: '#/clients' }, '← all clients')),
	    h('div', { class: 'two' },
		h('section', { class: 'card' }, h('h2', null, 'Client'), info,
		    actions),
		h('section', { class: 'card' }, h('h2', null, 'Settings'),
		    form)),
	    h('section', null, h('h2', null, 'Boots'), timeline),
	    h('section', null, h('h2', null, 'Inventory'), inv),
	    h('section', null, h('h2', null, 'Unattended file'), rendered));

	drawInventory(inv, c);
	drawTimeline(timeline, c);
	drawRendered(rendered, c, images);
	return null;
}

// The inventory as last reported, and its history (each report: iPXE's
// at boot, an installer's through the self-API) where the server keeps
// one.
async function drawInventory(el, c) {
	const facts = (o) => h('dl', { class: 'facts' },
	    Object.entries(o || {}).map(([k, v]) => [h('dt', null, k),
	    h('dd', null, typeof v === 'string' ? v : JSON.stringify(v))]));
	const rows = Object.entries(c.inventory || {});
	clear(el, rows.length === 0 ? h('p', { class: 'muted' },
	    'Nothing reported yet: iPXE reports it when the client boots.') :
	    facts(c.inventory));
	if (!has('GET', '/inventories'))
		return;
	try {
		const r = await api('GET', '/inventories?limit=20&mac=' +
		    encodeURIComponent(c.mac));
		const list = r.inventories || [];
		if (list.length)
			el.append(h('details', { class: 'history' },
			    h('summary', null, 'History: the last ' + list.length +
			    ' report' + (list.length > 1 ? 's' : '')),
			    list.map((x) => h('section', null,
				h('h3', null, fmtTime(x.time) + ', from ' +
				x.source), facts(x.data)))));
	} catch (e) {
		el.append(errorBox(e));
	}
}

async function drawTimeline(el, c) {
	const m = encodeURIComponent(c.mac);
	let events;
	try {
		if (has('GET', '/clients/' + m + '/timeline')) {
			const r = await api('GET', '/clients/' + m + '/timeline');
			events = r.steps || r.events || [];
		} else if (can('operator')) {
			const r = await api('GET', '/events?limit=1000&mac=' + m);
			events = r.events;
		} else {
			clear(el, h('p', { class: 'na' }, 'The timeline needs the ' +
			    'operator role on this server.'));
			return;
		}
	} catch (e) {
		clear(el, errorBox(e));
		return;
	}
	events.sort((a, b) => a.ts - b.ts);
	const boots = new Boots();
	for (const ev of events)
		boots.add(Object.assign({ mac: c.mac }, ev));
	const list = boots.list().slice(0, 20);
	clear(el, list.length === 0 ? h('p', { class: 'muted' },
	    'No boot recorded.') : list.map((b) => h('article', {
	    class: 'boot ' + (b.end || 'running') },
		h('div', { class: 'boothead' }, h('span', null,
		    fmtTime(b.start)), bootState(b)),
		stageRow(b),
		b.reason ? h('p', { class: 'reason' }, b.reason) : null)),
	    h('details', null, h('summary', null, 'All events (' +
		events.length + ')'), h('ol', { class: 'evlist' },
		events.slice(-200).map((ev) => h('li', null,
		    h('time', null, fmtTime(ev.ts)), ' ',
		    h('strong', null, ev.kind), ' ', ev.detail || '')))));
}

async function drawRendered(el, c, images) {
	const img = images.find((i) => i.name === c.image);
	const tmpl = c.template || (img && img.template);
	if (!tmpl) {
		clear(el, h('p', { class: 'muted' }, 'No template: the client ' +
		    'has none and its image has none.'));
		return;
	}
	clear(el, h('p', { class: 'muted' }, 'Template ', h('a', {
	    href: '#/templates/' + encodeURIComponent(tmpl) }, tmpl),
	    ' rendered for this client:'));
	try {
		const text = await renderTemplate(tmpl, c.mac);
		el.append(h('pre', { class: 'code' }, text));
	} catch (e) {
		el.append(errorBox(e));
	}
}

// A template rendered for a client: POST .../render where the server
// has it (it names the line of an error), else GET ...?mac=.
export async function renderTemplate(name, mac, body) {
	const n = encodeURIComponent(name);
	if (has('POST', '/templates/' + n + '/render')) {
		const req = { mac };
		if (body != null)
			req.body = body;
		const r = await api('POST', '/templates/' + n + '/render', req);
		return typeof r === 'string' ? r : r.text;
	}
	return api('GET', '/templates/' + n + '/render?mac=' +
	    encodeURIComponent(mac));
}

// The map next with every key of old that next lacks set to null.
function withRemoved(next, old) {
	for (const k of Object.keys(old || {}))
		if (!(k in next))
			next[k] = null;
	return next;
}

