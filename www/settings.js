// settings.js: every setting, grouped by the part of its name before
// the first dot, each with its documentation, default and an input that
// checks what the schema says (type, bounds, choices); the API checks
// again and its refusal is shown beside the setting.
import { api, can } from './api.js';
import { h, title, errorText } from './ui.js';

// The schema row of a key: exact, or a pattern with N (bootloader.N).
function rowOf(schema, key) {
	return schema.find((s) => s.name === key) || schema.find((s) =>
	    s.name.includes('N') && new RegExp('^' + s.name.replace(/\./g,
	    '\\.').replace('N', '\\d+') + '$').test(key));
}

// What is wrong with v for row s, or ''.
function invalid(s, v) {
	if (v === '')
		return '';
	if (s.type === 'number') {
		if (!/^-?\d+$/.test(v))
			return 'a whole number is needed';
		if (s.min != null && Number(v) < s.min)
			return 'at least ' + s.min;
		if (s.max != null && Number(v) > s.max)
			return 'at most ' + s.max;
	}
	if (s.type === 'choice' && s.choices && !s.choices.includes(v))
		return 'one of ' + s.choices.join(', ');
	if (s.type === 'bool' && !/^(yes|no|true|false|on|off|1|0)$/.test(v))
		return 'yes or no';
	if (s.type === 'ipv4' && !/^(\d{1,3}\.){3}\d{1,3}$/.test(v))
		return 'an IPv4 address';
	if (s.type === 'arch-list' && !/^\s*\d+(\s*,\s*\d+)*\s*$/.test(v))
		return 'numbers separated by commas';
	return '';
}

function input(s, key, value) {
	const id = 'set-' + key.replace(/[^A-Za-z0-9_-]/g, '_');
	let el;
	if (s.type === 'choice' || s.type === 'bool') {
		const choices = s.type === 'bool' ? ['yes', 'no'] : s.choices;
		el = h('select', { id }, choices.map((c) => h('option',
		    { value: c, selected: c === value }, c)));
		if (!choices.includes(value))
			el.prepend(h('option', { value: value || '',
			    selected: true }, value || '—'));
	} else
		el = h('input', { id, value: value || '', type: s.type ===
		    'number' ? 'number' : 'text', min: s.min, max: s.max,
		    placeholder: s.default != null ? String(s.default) : '' });
	el.disabled = !can('admin');
	return el;
}

export async function render(el) {
	const r = await api('GET', '/settings');
	const schema = r.schema;
	const groups = {};
	const keys = Object.keys(r.settings);
	for (const s of schema)
		if (!s.name.includes('N') && !keys.includes(s.name))
			keys.push(s.name);
	for (const key of keys.sort()) {
		const s = rowOf(schema, key);
		if (!s)
			continue;
		const g = key.includes('.') ? key.split('.')[0] : 'general';
		(groups[g] = groups[g] || []).push([key, s]);
	}
	const filter = h('input', { type: 'search', placeholder:
	    'filter settings', 'aria-label': 'filter settings' });
	const body = h('div');
	el.append(title('Settings'), can('admin') ? null : h('p',
	    { class: 'na' }, 'Changing settings needs the admin role.'),
	    h('div', { class: 'toolbar' }, filter), body);
	for (const [g, rows] of Object.entries(groups))
		body.append(h('section', { class: 'card group' },
		    h('h2', null, g), rows.map(([key, s]) =>
			one(key, s, r.settings[key] || { value: s.default,
			default: true }))));
	filter.addEventListener('input', () => {
		const f = filter.value.toLowerCase();
		for (const row of body.querySelectorAll('.setting'))
			row.hidden = f !== '' && !row.dataset.text.includes(f);
	});
	return null;
}

function one(key, s, cur) {
	const inp = input(s, key, cur.value == null ? '' : String(cur.value));
	const msg = h('small', { class: 'msg', role: 'status' });
	const state = h('span', { class: 'badge ' + (cur.default ? 'default' :
	    'set') }, cur.default ? 'default' : 'set');
	const check = () => {
		const why = invalid(s, inp.value.trim());
		inp.setCustomValidity(why);
		inp.setAttribute('aria-invalid', why ? 'true' : 'false');
		msg.textContent = why;
		msg.className = why ? 'msg error' : 'msg';
		return !why;
	};
	inp.addEventListener('input', check);
	const k = encodeURIComponent(key);
	const save = async () => {
		if (!check())
			return;
		try {
			const x = await api('PUT', '/settings/' + k,
			    { value: inp.value.trim() });
			state.textContent = 'set';
			state.className = 'badge set';
			msg.className = 'msg ok';
			msg.textContent = 'saved: ' + (x && x.value != null ?
			    x.value : inp.value);
		} catch (e) {
			msg.className = 'msg error';
			msg.textContent = errorText(e);
		}
	};
	const reset = async () => {
		try {
			await api('DELETE', '/settings/' + k);
			inp.value = s.default != null ? s.default : '';
			state.textContent = 'default';
			state.className = 'badge default';
			msg.className = 'msg ok';
			msg.textContent = 'back to the default';
		} catch (e) {
			msg.className = 'msg error';
			msg.textContent = errorText(e);
		}
	};
	const range = s.type === 'number' && (s.min != null || s.max != null) ?
	    ' (' + s.min + '–' + s.max + ')' : '';
	return h('div', { class: 'setting', 'data-text': (key + ' ' +
	    (s.doc || '')).toLowerCase() },
	    h('label', { for: inp.id }, h('code', null, key), ' ', state),
	    h('p', { class: 'doc' }, (s.doc || '') + range + '.',
		s.default != null ? ' Default: ' + s.default + '.' : ''),
	    h('div', { class: 'row' }, inp, can('admin') ? [
		h('button', { type: 'button', onclick: save }, 'Save'),
		h('button', { type: 'button', class: 'link', onclick: reset },
		    'Default')] : null),
	    msg);
}
