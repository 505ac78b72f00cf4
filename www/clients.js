// clients.js: the clients table: search, label filter, state filter,
// sorting and paging by the API (?sort=: the whole fleet is sorted, not
// the page shown; 10,000 clients are read 50 at a time), and actions on a selection (next boot, wake, allow, deny,
// labels), in one request when the server has the bulk route.
import { api, can, has } from './api.js';
import { h, clear, title, badge, table, select, field, toast, fmtAgo,
    errorBox, errorText, parsePairs } from './ui.js';

const PAGE = 50;

export function badges(c) {
	return [badge(c.state || 'known'),
	    c.allowed === false ? badge('denied') : null,
	    c.suspended ? badge('suspended') : null,
	    c.next_boot ? badge('next: ' + c.next_boot, 'pending') : null];
}

export function labelChips(c) {
	return Object.entries(c.labels || {}).map(([k, v]) =>
	    h('span', { class: 'chip' }, k + '=' + v));
}

// Run an action on clients: by selector or by MAC list.
export async function bulkAction(target, action, extra = {}) {
	if (has('POST', '/clients/actions'))
		return api('POST', '/clients/actions',
		    Object.assign({ action }, target, extra));
	if (target.selector || action === 'label')
		throw new Error('actions by label need a newer server ' +
		    '(POST /api/v1/clients/actions)');
	for (const mac of target.macs) {
		const m = encodeURIComponent(mac);
		if (action === 'next-boot')
			await api('POST', '/clients/' + m + '/next-boot',
			    { next_boot: extra.next_boot });
		else if (action === 'wake')
			await api('POST', '/clients/' + m + '/wake',
			    extra.next_boot ? { next_boot: extra.next_boot } :
			    undefined);
		else
			await api('POST', '/clients/' + m + '/' + action);
	}
	return null;
}

export async function render(el, ctx) {
	const params = new URLSearchParams(ctx.arg || '');
	let offset = 0, total = null, rows = [];
	// the count reads every client: asked again only when a filter
	// changes, not for another page or order
	let counted = false;
	// the server's order: a field of GET /api/v1/clients?sort=
	let order = { label: 'MAC', field: 'mac', dir: 1 };
	const selected = new Set();
	const q = h('input', { type: 'search', name: 'q', placeholder:
	    'MAC, name or host name', 'aria-label': 'Search clients' });
	const labels = h('input', { type: 'search', name: 'selector',
	    placeholder: 'rack=3,role=worker', 'aria-label':
	    'Label selector' });
	const state = select('state', [['', 'any state'], ['known', 'known'],
	    ['discovered', 'discovered'], ['denied', 'denied']], '');
	const list = h('div', { class: 'list' });
	const pager = h('div', { class: 'pager' });
	const bar = h('div', { class: 'bulk', hidden: true });
	const err = h('div');
	let labelled = has('POST', '/clients/actions');

	const query = () => {
		let s = 'limit=' + PAGE + '&offset=' + offset;
		if (q.value.trim())
			s += '&q=' + encodeURIComponent(q.value.trim());
		if (labels.value.trim())
			s += '&selector=' + encodeURIComponent(
			    labels.value.trim());
		if (state.value === 'known' || state.value === 'discovered')
			s += '&known=' + (state.value === 'known');
		if (state.value === 'denied')
			s += '&allowed=false';
		if (order.field !== 'mac' || order.dir < 0)
			s += '&sort=' + (order.dir < 0 ? '-' : '') + order.field;
		if (!counted)
			s += '&total=true';
		return s;
	};
	let loads = 0;
	const load = async () => {
		const seq = ++loads;
		clear(err);
		try {
			const r = await api('GET', '/clients?' + query());
			if (seq !== loads)
				return;	// a later question is on its way
			rows = r.clients;
			if (r.total != null) {
				total = r.total;
				counted = true;
			}
			if (rows.some((c) => c.labels !== undefined))
				labelled = true;
			labels.parentNode.hidden = !labelled;
			draw(r.more);
		} catch (e) {
			clear(err, errorBox(e));
		}
	};
	const drawBar = () => {
		bar.hidden = selected.size === 0 || !can('operator');
		bar.querySelector('.count').textContent = selected.size +
		    ' selected';
	};
	const check = (c) => h('input', { type: 'checkbox', 'aria-label':
	    'select ' + (c.name || c.mac), checked: selected.has(c.mac),
	    onchange: (e) => {
		if (e.target.checked)
			selected.add(c.mac);
		else
			selected.delete(c.mac);
		drawBar();
	} });
	const draw = (more) => {
		// sort: the API's field (the server sorts every page)
		const cols = [
			{ label: 'MAC', sort: 'mac', cell: (c) =>
			    h('a', { href: '#/clients/' +
			    encodeURIComponent(c.mac) }, h('code', null, c.mac)) },
			{ label: 'Name', sort: 'name', cell: (c) => c.name || '' },
			{ label: 'Address', cell: (c) => c.ip || c.last_ip || '' },
			{ label: 'Image', sort: 'image', cell: (c) => c.image || '' },
			{ label: 'State', sort: 'state', cell: badges },
			{ label: 'Last seen', sort: 'last_seen',
			    cell: (c) => fmtAgo(c.last_seen) },
		];
		if (labelled)
			cols.splice(5, 0, { label: 'Labels', cell: labelChips });
		if (can('operator'))
			cols.unshift({ label: 'Select', head: h('input', {
			    type: 'checkbox', 'aria-label': 'select this page',
			    onchange: (e) => {
				for (const c of rows)
					if (e.target.checked)
						selected.add(c.mac);
					else
						selected.delete(c.mac);
				draw(more);
				drawBar();
			} }), cell: check });
		clear(list, table(cols, rows, { class: 'clients', empty:
		    'No client matches.', sortKey: order.label,
		    sortDir: order.dir, onSort: (col, dir) => {
			order = { label: col.label, field: col.sort, dir };
			offset = 0;
			load();
		} }));
		const end = offset + rows.length;
		clear(pager,
		    h('button', { type: 'button', disabled: offset === 0,
			onclick: () => { offset = Math.max(0, offset - PAGE);
			load(); } }, '← Previous'),
		    h('span', { role: 'status' }, rows.length ? (offset + 1) +
			'–' + end : '0', total != null ? ' of ' + total : ''),
		    h('button', { type: 'button', disabled: !more,
			onclick: () => { offset += PAGE; load(); } }, 'Next →'));
		drawBar();
	};

	const nb = select('next_boot', [['install', 'install'],
	    ['local', 'local disk'], ['menu', 'menu'], ['shell', 'shell'],
	    ['clear', 'clear']], 'install');
	const lab = h('input', { name: 'labels', placeholder: 'role=web',
	    'aria-label': 'labels to set' });
	const run = async (action, extra) => {
		const target = { macs: [...selected] };
		try {
			await bulkAction(target, action, extra);
			toast(action + ': done for ' + target.macs.length +
			    ' client(s)');
			counted = false;
			load();
		} catch (e) {
			toast(errorText(e), true);
		}
	};
	bar.append(h('strong', { class: 'count' }),
	    nb, h('button', { type: 'button', onclick: () =>
		run('next-boot', { next_boot: nb.value }) }, 'Set next boot'),
	    h('button', { type: 'button', onclick: () => run('wake',
		{ next_boot: nb.value === 'clear' ? undefined : nb.value }) },
		'Set and wake'),
	    h('button', { type: 'button', onclick: () => run('allow') },
		'Allow'),
	    h('button', { type: 'button', class: 'danger', onclick: () =>
		run('deny') }, 'Deny'),
	    lab, h('button', { type: 'button', onclick: () => {
		let l;
		try {
			l = parsePairs(lab.value);
		} catch (e) {
			toast(e.message, true);
			return;
		}
		run('label', { labels: l });
	    } }, 'Set labels'),
	    h('button', { type: 'button', class: 'link', onclick: () => {
		selected.clear();
		draw();
	    } }, 'Clear selection'));

	let timer;
	const later = () => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			offset = 0;
			counted = false;
			load();
		}, 250);
	};
	q.addEventListener('input', later);
	labels.addEventListener('input', later);
	state.addEventListener('change', later);
	if (params.get('q'))
		q.value = params.get('q');

	const add = can('operator') ? h('details', { class: 'add' },
	    h('summary', null, 'Add a client'), addForm(() => {
		counted = false;
		load();
	    })) : null;
	el.append(title('Clients'),
	    h('div', { class: 'toolbar' }, field('Search', q),
		field('Labels', labels), field('State', state)),
	    add, err, bar, list, pager);
	labels.parentNode.hidden = !labelled;
	await load();
	return () => clearTimeout(timer);
}

function addForm(done) {
	const mac = h('input', { name: 'mac', required: true,
	    placeholder: '52:54:00:12:34:56' });
	const name = h('input', { name: 'name' });
	const msg = h('div');
	return h('form', { class: 'inline', onsubmit: async (e) => {
		e.preventDefault();
		clear(msg);
		try {
			const body = { mac: mac.value.trim() };
			if (name.value.trim())
				body.name = name.value.trim();
			await api('POST', '/clients', body);
			toast('added ' + body.mac);
			mac.value = name.value = '';
			done();
		} catch (x) {
			clear(msg, errorBox(x));
		}
	} }, field('MAC', mac), field('Name', name),
	    h('button', { type: 'submit' }, 'Add'), msg);
}
