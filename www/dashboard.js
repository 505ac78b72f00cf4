// dashboard.js: machines booting now, each stage lit as its event
// arrives over the event stream; the last hour's boots; counts; and
// whether each daemon is alive, judged by its recent events.
import { api, can, recentEvents, stream } from './api.js';
import { h, clear, title, fmtAgo, errorText } from './ui.js';
import { Boots, stageRow, bootState } from './boots.js';

const HOUR = 3600;
const DAEMONS = ['pxedhcpd', 'tftpd', 'bootweb'];

function card(label, id) {
	return h('div', { class: 'card stat' }, h('span', null, label),
	    h('strong', { id }, '…'));
}

export async function render(el) {
	const live = h('span', { class: 'live', role: 'status' }, 'connecting');
	const cards = h('div', { class: 'cards' },
	    card('Clients', 'n-clients'), card('Images', 'n-images'),
	    card('Boots, last hour', 'n-boots'),
	    card('Failed, last hour', 'n-failed'));
	const daemons = h('ul', { class: 'daemons' });
	const boots = h('div', { class: 'boots' });
	el.append(title('Dashboard', live), cards,
	    h('section', null, h('h2', null, 'Daemons'), daemons),
	    h('section', null, h('h2', null, 'Boots'), boots));

	const set = (id, v) => { el.querySelector('#' + id).textContent = v; };
	api('GET', '/clients?limit=1&total=true').then((r) =>
	    set('n-clients', r.total != null ? r.total : r.clients.length),
	    () => set('n-clients', '?'));
	api('GET', '/images').then((r) => set('n-images', r.images.length),
	    () => set('n-images', '?'));

	if (!can('operator')) {
		live.textContent = 'not live';
		set('n-boots', '—');
		set('n-failed', '—');
		clear(boots, h('p', { class: 'na' }, 'Boots and events need the ' +
		    'operator role; you are a viewer.'));
		clear(daemons, h('li', null, 'bootweb: alive (it answers)'));
		return null;
	}

	const model = new Boots();
	const seen = {};	// daemon -> ts of its last event
	// The names of the machines shown, asked once each (a search, which
	// answers an empty list for a MAC no client has).
	const names = {};
	const name = (mac) => {
		if (mac in names)
			return names[mac];
		names[mac] = '';
		api('GET', '/clients?limit=1&q=' + encodeURIComponent(mac))
		    .then((r) => {
			const c = r.clients.find((x) => x.mac === mac);
			if (c && c.name) {
				names[mac] = c.name;
				draw();
			}
		}, () => {});
		return '';
	};
	let pending = false;
	const draw = () => {
		if (pending)
			return;
		pending = true;
		requestAnimationFrame(() => {
			pending = false;
			const now = Date.now() / 1000;
			const recent = model.list().filter((b) =>
			    b.last > now - HOUR);
			set('n-boots', recent.length);
			set('n-failed', recent.filter((b) =>
			    b.end === 'failed').length);
			clear(boots, recent.length === 0 ? h('p', { class: 'muted' },
			    'No boot in the last hour. Boots appear here as ' +
			    'machines ask for their files.') :
			    recent.slice(0, 50).map((b) => h('article', {
			    class: 'boot ' + (b.end || 'running'),
			    'data-mac': b.mac },
				h('div', { class: 'boothead' },
				    h('a', { href: '#/clients/' +
					encodeURIComponent(b.mac) },
					name(b.mac) ? name(b.mac) + ' ' : '',
					h('code', null, b.mac)),
				    bootState(b),
				    h('small', { class: 'muted' },
					fmtAgo(b.last))),
				stageRow(b),
				b.reason ? h('p', { class: 'reason' },
				    b.reason) : null)));
			clear(daemons, DAEMONS.map((d) => {
				const t = seen[d];
				const ok = d === 'bootweb' || (t && t > now - HOUR);
				return h('li', { class: ok ? 'ok' : 'quiet' },
				    h('strong', null, d), ': ', d === 'bootweb' ?
				    'alive (it answers)' : t ?
				    'last event ' + fmtAgo(t) :
				    'no event in the last hour');
			}));
		});
	};
	const add = (ev) => {
		if (ev.daemon && (!seen[ev.daemon] || ev.ts > seen[ev.daemon]))
			seen[ev.daemon] = ev.ts;
		model.add(ev);
		draw();
	};

	let last = 0;
	try {
		const r = await recentEvents(3000, '', Date.now() / 1000 - HOUR);
		for (const ev of r.events)
			add(ev);
		last = r.last;
	} catch (e) {
		clear(boots, h('p', { class: 'error' }, errorText(e)));
		return null;
	}
	draw();
	const stop = stream('', last, add, (state, why) => {
		live.textContent = state === 'live' ? '● live' :
		    state === 'refused' ? 'not live: ' + why : 'reconnecting…';
		live.className = 'live ' + state;
	});
	const tick = setInterval(draw, 10000);
	return () => {
		stop();
		clearInterval(tick);
	};
}
