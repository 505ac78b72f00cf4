// templates.js: the templates: a list, and an editor with line numbers
// whose preview renders the template for a chosen client; an error (on
// save or render) marks the line it names.
import { api, can } from './api.js';
import { h, clear, title, table, field, select, toast, errorBox,
    errorText, confirmBox, fmtTime } from './ui.js';
import { renderTemplate } from './client.js';

const KINDS = ['preseed', 'kickstart', 'autoinstall', 'cloud-init',
	'autounattend', 'autoyast', 'ipxe', 'raw'];

export async function render(el, ctx) {
	if (ctx.arg)
		return editor(el, ctx.arg);
	const r = await api('GET', '/templates');
	el.append(title('Templates'), table([
		{ label: 'Name', sort: (t) => t.name, cell: (t) => h('a', {
		    href: '#/templates/' + encodeURIComponent(t.name) },
		    t.name) },
		{ label: 'Kind', sort: (t) => t.kind, cell: (t) => t.kind },
		{ label: 'Size', cell: (t) => t.size != null ? t.size + ' B' :
		    '' },
		{ label: 'Changed', sort: (t) => t.updated || 0,
		    cell: (t) => fmtTime(t.updated) },
	], r.templates, { empty: 'No template yet.' }),
	    can('admin') ? newForm() : null);
	return null;
}

function newForm() {
	const name = h('input', { name: 'name', required: true });
	const kind = select('kind', KINDS, 'preseed');
	const msg = h('div');
	return h('details', { class: 'add' }, h('summary', null,
	    'New template'), h('form', { class: 'inline', onsubmit:
	    async (e) => {
		e.preventDefault();
		clear(msg);
		try {
			await api('POST', '/templates', { name: name.value.trim(),
			    kind: kind.value, body: '' });
			location.hash = '#/templates/' +
			    encodeURIComponent(name.value.trim());
		} catch (x) {
			clear(msg, errorBox(x));
		}
	} }, field('Name', name), field('Kind', kind),
	    h('button', { type: 'submit' }, 'Create'), msg));
}

async function editor(el, name) {
	const n = encodeURIComponent(name);
	let r;
	try {
		r = await api('GET', '/templates/' + n, undefined, { full: true });
	} catch (e) {
		el.append(title('Template ' + name), errorBox(e));
		return null;
	}
	let etag = r.etag;
	const t = r.body;
	const admin = can('admin');
	const text = h('textarea', { class: 'code', spellcheck: 'false',
	    wrap: 'off', 'aria-label': 'template text', id: 'tmpl-text',
	    readonly: !admin }, t.body || '');
	const gutter = h('pre', { class: 'gutter', 'aria-hidden': 'true' });
	let bad = 0;
	const lines = () => {
		const count = text.value.split('\n').length;
		clear(gutter, Array.from({ length: count }, (_, i) =>
		    h('span', { class: i + 1 === bad ? 'bad' : null },
		    String(i + 1) + '\n')));
		gutter.scrollTop = text.scrollTop;
	};
	text.addEventListener('input', () => { bad = 0; lines(); });
	text.addEventListener('scroll', () => {
		gutter.scrollTop = text.scrollTop;
	});
	text.addEventListener('keydown', (e) => {
		// Tab inserts a tab; Escape then Tab leaves the editor.
		if (e.key === 'Tab' && !e.shiftKey && !text.dataset.esc) {
			e.preventDefault();
			text.setRangeText('\t', text.selectionStart,
			    text.selectionEnd, 'end');
			lines();
		}
		text.dataset.esc = e.key === 'Escape' ? '1' : '';
	});
	const msg = h('div', { role: 'status' });
	const showErr = (e) => {
		bad = e.line || 0;
		lines();
		clear(msg, h('p', { class: 'error', role: 'alert' },
		    errorText(e)));
		if (bad) {
			const start = text.value.split('\n').slice(0, bad - 1)
			    .join('\n').length + (bad > 1 ? 1 : 0);
			text.focus();
			text.setSelectionRange(start, start);
		}
	};
	const kind = select('kind', KINDS, t.kind);
	kind.disabled = !admin;
	const preview = h('pre', { class: 'code preview', id: 'preview',
	    'aria-live': 'polite' });
	// the known clients (added by hand), named ones first
	const clients = await api('GET', '/clients?known=true&limit=500')
	    .then((x) =>
	    x.clients.sort((a, b) => (b.name ? 1 : 0) - (a.name ? 1 : 0)),
	    () => []);
	const who = select('mac', clients.map((c) => [c.mac, (c.name ?
	    c.name + ' ' : '') + c.mac]), clients[0] && clients[0].mac);
	const save = async () => {
		clear(msg);
		try {
			const x = await api('PUT', '/templates/' + n, { body:
			    text.value, kind: kind.value }, { full: true,
			    headers: etag ? { 'If-Match': etag } : {} });
			etag = x.etag || null;
			bad = 0;
			lines();
			toast('saved');
			return true;
		} catch (e) {
			if (e.status === 412)
				e.message = 'Someone changed this template ' +
				    'since you opened it; reload to see it.';
			showErr(e);
			return false;
		}
	};
	const doPreview = async () => {
		if (!who.value) {
			clear(preview, 'Add a client to preview for.');
			return;
		}
		preview.classList.add('busy');
		try {
			const out = await renderTemplate(name, who.value);
			clear(preview, out);
			preview.classList.remove('stale');
		} catch (e) {
			clear(preview);
			showErr(e);
		}
		preview.classList.remove('busy');
	};
	who.addEventListener('change', doPreview);
	text.addEventListener('input', () => preview.classList.add('stale'));
	el.append(title('Template ' + name, h('a', { href: '#/templates' },
	    '← all templates')),
	    h('div', { class: 'editor-wrap' },
		h('section', null,
		    h('div', { class: 'toolbar' }, field('Kind', kind),
			admin ? h('button', { type: 'button', class: 'primary',
			    id: 'save', onclick: async () => {
				if (await save())
					doPreview();
			    } }, 'Save and preview') : null,
			admin ? h('button', { type: 'button', class: 'danger',
			    onclick: async () => {
				if (!(await confirmBox('Remove template ' +
				    name + '?')))
					return;
				try {
					await api('DELETE', '/templates/' + n);
					location.hash = '#/templates';
				} catch (e) {
					toast(errorText(e), true);
				}
			    } }, 'Remove') : null),
		    msg,
		    h('div', { class: 'editor' }, gutter, text)),
		h('section', null,
		    h('div', { class: 'toolbar' }, field('Preview for', who),
			h('button', { type: 'button', onclick: doPreview },
			    'Render')),
		    preview)));
	lines();
	doPreview();
	return null;
}
