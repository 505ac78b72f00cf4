// ui.js: the small DOM toolkit the pages share. Text always goes in as
// text (never as HTML): names, paths and inventory come from clients.

// h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child, [more])
export function h(tag, attrs, ...kids) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v == null || v === false)
			continue;
		if (k.startsWith('on'))
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'value')
			el.value = v;
		else if (k === 'checked' || k === 'disabled' || k === 'selected')
			el[k] = !!v;
		else
			el.setAttribute(k, v === true ? '' : v);
	}
	add(el, kids);
	return el;
}

function add(el, kids) {
	for (const k of kids) {
		if (k == null || k === false)
			continue;
		if (Array.isArray(k))
			add(el, k);
		else
			el.append(k instanceof Node ? k : String(k));
	}
}

export function clear(el, ...kids) {
	el.replaceChildren();
	add(el, kids);
	return el;
}

export function $(sel, root = document) {
	return root.querySelector(sel);
}

let toastTimer;
// A short message at the bottom of the screen, read by screen readers.
export function toast(msg, bad) {
	const t = $('#toast');
	t.textContent = msg;
	t.className = bad ? 'show bad' : 'show';
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => { t.className = ''; }, 4000);
}

export function fmtTime(ts) {
	if (ts == null)
		return '—';
	const d = new Date(ts * 1000);
	return d.toLocaleString(undefined, { dateStyle: 'short',
	    timeStyle: 'medium' });
}

export function fmtClock(ts) {
	return new Date(ts * 1000).toLocaleTimeString();
}

export function fmtAgo(ts) {
	if (ts == null)
		return 'never';
	const s = Math.max(0, Date.now() / 1000 - ts);
	if (s < 60)
		return Math.round(s) + ' s ago';
	if (s < 3600)
		return Math.round(s / 60) + ' min ago';
	if (s < 86400)
		return Math.round(s / 3600) + ' h ago';
	return Math.round(s / 86400) + ' d ago';
}

export function fmtDur(s) {
	if (s < 1)
		return Math.round(s * 1000) + ' ms';
	if (s < 120)
		return s.toFixed(s < 10 ? 1 : 0) + ' s';
	return Math.round(s / 60) + ' min';
}

export function fmtSize(n) {
	if (n == null)
		return '—';
	const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (n >= 1024 && i < u.length - 1) {
		n /= 1024;
		i++;
	}
	return (i ? n.toFixed(1) : n) + ' ' + u[i];
}

// A page's heading; it takes the focus so a keyboard user starts there.
export function title(text, ...extra) {
	return h('div', { class: 'head' },
	    h('h1', { tabindex: '-1' }, text), ...extra);
}

// The API's answer to a failed call, in words.
export function errorText(e) {
	if (e && e.status === 403)
		return 'Not allowed: ' + e.message;
	return (e && e.message) || String(e);
}

export function errorBox(e) {
	return h('p', { class: 'error', role: 'alert' }, errorText(e));
}

// What a page shows where the server lacks a route (an older bootweb).
export function notAvailable(what) {
	return h('p', { class: 'na' }, what +
	    ' is not available on this server: its admin API has no such ' +
	    'route yet.');
}

export function badge(text, kind) {
	return h('span', { class: 'badge ' + (kind || text) }, text);
}

// A table: cols = [{label, cell(row) -> node|text, sort(row) -> key}].
// With opts.onSort(col, dir) the server sorts (a list of many pages):
// a click calls it instead of sorting the rows shown, and opts.sortKey
// and opts.sortDir (1, -1) say how the rows given are sorted.
export function table(cols, rows, opts = {}) {
	let key = opts.sortKey, dir = opts.sortDir || 1;
	const body = h('tbody');
	const draw = () => {
		let rs = rows;
		const c = cols.find((x) => x.label === key);
		if (c && c.sort && !opts.onSort)
			rs = rows.slice().sort((a, b) => {
				const x = c.sort(a), y = c.sort(b);
				return (x > y ? 1 : x < y ? -1 : 0) * dir;
			});
		clear(body, rs.map((r) => h('tr', opts.rowAttrs ?
		    opts.rowAttrs(r) : null, cols.map((col) =>
			h('td', { 'data-label': col.label }, col.cell(r))))));
		if (rs.length === 0)
			body.append(h('tr', null, h('td', { colspan: cols.length,
			    class: 'muted' }, opts.empty || 'Nothing here.')));
	};
	const head = h('tr', null, cols.map((c) => {
		if (!c.sort)
			return h('th', { scope: 'col' }, c.head || c.label);
		const b = h('button', { class: 'sort', type: 'button',
		    onclick: () => {
			dir = key === c.label ? -dir : 1;
			key = c.label;
			// the server's rows come in a new table, marked so
			if (opts.onSort)
				return opts.onSort(c, dir);
			for (const th of head.children)
				th.removeAttribute('aria-sort');
			b.parentNode.setAttribute('aria-sort', dir > 0 ?
			    'ascending' : 'descending');
			draw();
		} }, c.label);
		return h('th', { scope: 'col', 'aria-sort': key === c.label ?
		    (dir > 0 ? 'ascending' : 'descending') : null }, b);
	}));
	draw();
	return h('div', { class: 'scroll' },
	    h('table', { class: opts.class || '' }, h('thead', null, head),
	    body));
}

// A labelled form field.
export function field(label, input, help) {
	return h('label', { class: 'field' }, h('span', null, label), input,
	    help ? h('small', null, help) : null);
}

export function select(name, options, value) {
	return h('select', { name }, options.map((o) => {
		const [v, t] = Array.isArray(o) ? o : [o, o];
		return h('option', { value: v, selected: v === value }, t);
	}));
}

// Ask before something that cannot be undone; resolves true or false.
export function confirmBox(text) {
	return new Promise((resolve) => {
		const d = h('dialog', { class: 'confirm' },
		    h('p', null, text),
		    h('div', { class: 'row' },
			h('button', { class: 'danger', value: 'yes',
			    onclick: () => d.close('yes') }, 'Yes'),
			h('button', { value: 'no', autofocus: true,
			    onclick: () => d.close('no') }, 'Cancel')));
		d.addEventListener('close', () => {
			d.remove();
			resolve(d.returnValue === 'yes');
		});
		document.body.append(d);
		d.showModal();
	});
}

// A progress bar (value 0..1, or null for busy).
export function progressBar(label) {
	const bar = h('progress', { max: '1', 'aria-label': label });
	const text = h('span', { class: 'ptext' });
	const el = h('div', { class: 'progress' }, bar, text);
	el.set = (v, t) => {
		if (v == null)
			bar.removeAttribute('value');
		else
			bar.value = v;
		text.textContent = t != null ? t :
		    v != null ? Math.round(v * 100) + ' %' : '';
	};
	return el;
}

// Parse "k=v" lines (or comma-separated) into an object; throws on a bad one.
export function parsePairs(text) {
	const o = {};
	for (const part of text.split(/[\n,]/)) {
		const s = part.trim();
		if (s === '')
			continue;
		const i = s.indexOf('=');
		if (i <= 0)
			throw new Error('"' + s + '" is not key=value');
		o[s.slice(0, i).trim()] = s.slice(i + 1).trim();
	}
	return o;
}

export function pairsText(o, sep = '\n') {
	return Object.entries(o || {}).map(([k, v]) => k + '=' +
	    (typeof v === 'string' ? v : JSON.stringify(v))).join(sep);
}
