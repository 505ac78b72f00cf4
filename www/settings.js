// settings.js: every setting, grouped by the part of its name before
// the first dot, each with its documentation, default and an input that
// checks what the schema says (type, bounds, choices); the API checks
// again and its refusal is shown beside the setting.
import { api, can } from './api.js';
import { h, title, errorText } from './ui.js';

// A schema row names a family of keys when its name has capitals:
// bootloader.N (N a number), arch.oui.XXXXXX (six hex digits).
function isPattern(name) {
	return /[A-Z]/.test(name);
}

function patternRe(name) {
	return new RegExp('^' + name.replace(/\./g, '\\.').replace(/N/g,
	    '\\d+').replace(/X+/g, (x) => '[0-9A-Fa-f]{' + x.length + '}') +
	    '$');
}

// The schema row of a key: its own, or the family's.
function rowOf(schema, key) {
	return schema.find((s) => s.name === key) || schema.find((s) =>
	    isPattern(s.name) && patternRe(s.name).test(key));
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
	const group = (key) => key.includes('.') ? key.split('.')[0] :
	    'general';
	for (const s of schema)
		if (!isPattern(s.name) && !keys.includes(s.name))
			keys.push(s.name);
	for (const key of keys.sort((a, b) => a.localeCompare(b, 'en',
	    { numeric: true }))) {
		const s = rowOf(schema, key);
		if (s)
			(groups[group(key)] = groups[group(key)] || []).push(
			    one(key, s, r.settings[key] || { value: s.default,
			    default: true }));
	}
	// a family's new member: its key, then its value
	if (can('admin'))
		for (const s of schema.filter((x) => isPattern(x.name)))
			(groups[group(s.name)] = groups[group(s.name)] || [])
			    .push(addOne(s));
	const filter = h('input', { type: 'search', placeholder:
	    'filter settings', 'aria-label': 'filter settings' });
	const body = h('div');
	el.append(title('Settings'), can('admin') ? null : h('p',
	    { class: 'na' }, 'Changing settings needs the admin role.'),
	    h('div', { class: 'toolbar' }, filter), body);
	for (const [g, rows] of Object.entries(groups))
		body.append(h('section', { class: 'card group' },
		    h('h2', null, g), rows));
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

// A form for a new key of a family (bootloader.N): set, then shown.
function addOne(s) {
	const key = h('input', { placeholder: s.name, 'aria-label':
	    'new ' + s.name + ' key' });
	const val = h('input', { placeholder: 'value', 'aria-label':
	    'its value' });
	const msg = h('small', { class: 'msg', role: 'status' });
	const add = async () => {
		const k = key.value.trim();
		const why = !patternRe(s.name).test(k) ? 'a key like ' +
		    s.name : invalid(s, val.value.trim());
		if (why) {
			msg.className = 'msg error';
			msg.textContent = why;
			return;
		}
		try {
			await api('PUT', '/settings/' + encodeURIComponent(k),
			    { value: val.value.trim() });
			window.dispatchEvent(new Event('hashchange'));
		} catch (e) {
			msg.className = 'msg error';
			msg.textContent = errorText(e);
		}
	};
	return h('div', { class: 'setting add', 'data-text': (s.name + ' ' +
	    (s.doc || '')).toLowerCase() },
	    h('span', null, 'New ', h('code', null, s.name)),
	    h('p', { class: 'doc' }, s.doc || ''),
	    h('div', { class: 'row' }, key, val, h('button', { type: 'button',
		onclick: add }, 'Add')), msg);
}
