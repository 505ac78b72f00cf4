// files.js: the files table (bootctl file): per-client and global files
// served by path, from inline content, a template, a local file or an
// upstream URL.
import { api, can, has } from './api.js';
import { h, clear, title, table, field, select, toast, errorBox,
    errorText, notAvailable, confirmBox, fmtTime } from './ui.js';

export async function render(el) {
	el.append(title('Files'));
	if (!has('GET', '/files')) {
		el.append(notAvailable('The files table'));
		return null;
	}
	const list = h('div');
	const load = async () => {
		try {
			const r = await api('GET', '/files');
			clear(list, table([
				{ label: 'Path', sort: (f) => f.path, cell: (f) =>
				    h('code', null, f.path) },
				{ label: 'Client', sort: (f) => f.mac || '',
				    cell: (f) => f.mac ? h('a', { href:
				    '#/clients/' + encodeURIComponent(f.mac) },
				    f.mac) : 'all' },
				{ label: 'Source', sort: (f) => f.kind, cell: (f) =>
				    f.kind + ': ' + (f.template || f.local ||
				    f.url || (f.size != null ? f.size + ' B' :
				    '')) },
				{ label: 'Changed', sort: (f) => f.updated || 0,
				    cell: (f) => fmtTime(f.updated) },
				{ label: '', cell: (f) => can('admin') &&
				    has('DELETE', '/files/' + f.id) ?
				    h('button', { type: 'button', class: 'danger',
				    onclick: async () => {
					if (!(await confirmBox('Remove ' + f.path +
					    '?')))
						return;
					try {
						await api('DELETE', '/files/' + f.id);
						load();
					} catch (e) {
						toast(errorText(e), true);
					}
				    } }, 'Remove') : '' },
			], r.files || [], { empty: 'No file.' }));
		} catch (e) {
			clear(list, errorBox(e));
		}
	};
	el.append(list, can('admin') && has('POST', '/files') ?
	    addForm(load) : null);
	await load();
	return null;
}

function addForm(done) {
	const path = h('input', { name: 'path', required: true,
	    placeholder: 'preseed/extra.cfg' });
	const mac = h('input', { name: 'mac', placeholder: 'empty: every client' });
	const kind = select('kind', [['content', 'text'], ['template',
	    'template'], ['local', 'local file'], ['url', 'URL']], 'content');
	const value = h('textarea', { name: 'value', rows: 4 });
	const msg = h('div');
	return h('details', { class: 'add' }, h('summary', null, 'Add a file'),
	    h('form', { onsubmit: async (e) => {
		e.preventDefault();
		clear(msg);
		const body = { path: path.value.trim() };
		if (mac.value.trim())
			body.mac = mac.value.trim();
		body[kind.value] = kind.value === 'content' ? value.value :
		    value.value.trim();
		try {
			await api('POST', '/files', body);
			toast('file added');
			done();
		} catch (x) {
			clear(msg, errorBox(x));
		}
	} }, field('Path', path), field('Client MAC', mac),
	    field('Source', kind), field('Text, template name, path or URL',
	    value), h('button', { type: 'submit' }, 'Add'), msg));
}
