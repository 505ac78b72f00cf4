// events.js: the event log, live: filtered by kind and MAC on the server
// (a new stream each time a filter changes) and by text here; paused,
// the rows stop moving while the stream keeps counting.
import { recentEvents, stream } from './api.js';
import { h, clear, title, field, fmtTime, errorBox } from './ui.js';

const KEEP = 500;

export async function render(el) {
	const kind = h('input', { type: 'search', name: 'kind',
	    placeholder: 'http-script', list: 'kinds' });
	const mac = h('input', { type: 'search', name: 'mac',
	    placeholder: '52:54:00:…' });
	const text = h('input', { type: 'search', name: 'text',
	    placeholder: 'any text' });
	const pause = h('button', { type: 'button', 'aria-pressed': 'false' },
	    'Pause');
	const live = h('span', { class: 'live', role: 'status' });
	const kinds = h('datalist', { id: 'kinds' });
	const rows = h('tbody');
	const err = h('div');
	let events = [], stop = null, paused = false, missed = 0;
	const known = new Set();

	const match = (ev) => {
		const t = text.value.toLowerCase();
		return !t || JSON.stringify(ev).toLowerCase().includes(t);
	};
	const row = (ev) => h('tr', null,
	    h('td', null, h('time', null, fmtTime(ev.ts))),
	    h('td', null, ev.daemon || ''),
	    h('td', null, h('strong', null, ev.kind)),
	    h('td', null, ev.mac ? h('a', { href: '#/clients/' +
		encodeURIComponent(ev.mac) }, ev.mac) : ''),
	    h('td', null, ev.ip || ''),
	    h('td', { class: 'detail' }, ev.detail || ''));
	const draw = () => {
		clear(rows, events.filter(match).slice().reverse().map(row));
		pause.textContent = paused ? 'Resume' + (missed ? ' (' + missed +
		    ' new)' : '') : 'Pause';
	};
	const learn = (ev) => {
		if (!known.has(ev.kind)) {
			known.add(ev.kind);
			kinds.append(h('option', { value: ev.kind }));
		}
	};
	const start = async () => {
		if (stop)
			stop();
		clear(err);
		let f = '';
		if (kind.value.trim())
			f += '&kind=' + encodeURIComponent(kind.value.trim());
		if (mac.value.trim())
			f += '&mac=' + encodeURIComponent(mac.value.trim());
		try {
			const r = await recentEvents(200, f);
			events = r.events;
			events.forEach(learn);
			draw();
			stop = stream(f, r.last, (ev) => {
				learn(ev);
				events.push(ev);
				if (events.length > KEEP)
					events.shift();
				if (paused) {
					missed++;
					draw();
				} else if (match(ev)) {
					rows.prepend(row(ev));
					while (rows.children.length > KEEP)
						rows.lastChild.remove();
				}
			}, (state, why) => {
				live.textContent = state === 'live' ? '● live' :
				    state === 'refused' ? 'not live: ' + why :
				    'reconnecting…';
				live.className = 'live ' + state;
			});
		} catch (e) {
			clear(err, errorBox(e));
		}
	};
	let timer;
	const later = () => {
		clearTimeout(timer);
		timer = setTimeout(start, 400);
	};
	kind.addEventListener('input', later);
	mac.addEventListener('input', later);
	text.addEventListener('input', draw);
	pause.addEventListener('click', () => {
		paused = !paused;
		missed = 0;
		pause.setAttribute('aria-pressed', String(paused));
		draw();
	});
	el.append(title('Events', live),
	    h('div', { class: 'toolbar' }, field('Kind', kind),
		field('MAC', mac), field('Text', text), pause), kinds, err,
	    h('div', { class: 'scroll' }, h('table', { class: 'events' },
		h('thead', null, h('tr', null, ['Time', 'Daemon', 'Kind',
		    'MAC', 'Address', 'Detail'].map((t) =>
		    h('th', { scope: 'col' }, t)))), rows)));
	await start();
	return () => {
		clearTimeout(timer);
		if (stop)
			stop();
	};
}
