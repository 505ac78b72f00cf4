// images.js: the images: the list; an ISO uploaded with a progress bar,
// then its import job followed to the detection result; an image added
// from a kernel and initrds; and one image's files and command line,
// with the template variables a command line may use.
import { api, can, has, upload } from './api.js';
import { h, clear, title, table, field, select, toast, progressBar,
    errorBox, errorText, notAvailable, confirmBox, fmtSize } from './ui.js';

export async function render(el, ctx) {
	if (ctx.arg)
		return one(el, ctx.arg);
	const list = h('div');
	const load = async () => {
		try {
			const r = await api('GET', '/images');
			clear(list, table([
				{ label: 'Name', sort: (i) => i.name, cell: (i) =>
				    h('a', { href: '#/images/' +
				    encodeURIComponent(i.name) }, i.name) },
				{ label: 'Kind', sort: (i) => i.kind,
				    cell: (i) => i.kind },
				{ label: 'Distribution', sort: (i) => i.distro || '',
				    cell: (i) => [i.distro, i.version,
				    i.arch].filter(Boolean).join(' ') },
				{ label: 'Template', cell: (i) => i.template || '' },
				{ label: 'Source', cell: (i) => i.iso_path ?
				    'ISO, ' + fmtSize(i.iso_size) : 'kernel' },
			], r.images, { empty: 'No image yet: upload an ISO or ' +
			    'add a kernel and initrds.' }));
		} catch (e) {
			clear(list, errorBox(e));
		}
	};
	el.append(title('Images'), list,
	    can('admin') ? h('div', { class: 'two' },
		h('section', { class: 'card' }, h('h2', null, 'Upload an ISO'),
		    uploadForm(load)),
		h('section', { class: 'card' },
		    h('h2', null, 'Add a kernel and initrds'), addForm(load))) :
	    null);
	await load();
	return null;
}

function uploadForm(done) {
	if (!has('POST', '/images/upload'))
		return notAvailable('ISO upload');
	const file = h('input', { type: 'file', name: 'iso', accept:
	    '.iso,application/x-iso9660-image', required: true });
	const name = h('input', { name: 'name', required: true,
	    placeholder: 'debian-12' });
	const up = progressBar('upload');
	const job = progressBar('import');
	up.hidden = job.hidden = true;
	const out = h('div', { class: 'result', role: 'status' });
	const btn = h('button', { type: 'submit', class: 'primary' }, 'Upload');
	file.addEventListener('change', () => {
		if (!name.value && file.files[0])
			name.value = file.files[0].name.replace(/\.iso$/i, '')
			    .replace(/[^A-Za-z0-9._-]+/g, '-');
	});
	return h('form', { id: 'upload', onsubmit: async (e) => {
		e.preventDefault();
		clear(out);
		if (!file.files[0] || !name.value.trim()) {
			clear(out, h('p', { class: 'error' },
			    'Choose an ISO file and a name.'));
			return;
		}
		btn.disabled = true;
		up.hidden = false;
		up.set(0, 'uploading…');
		try {
			const r = await upload('/images/upload?name=' +
			    encodeURIComponent(name.value.trim()), file.files[0],
			    (v) => up.set(v));
			up.set(1, 'uploaded');
			const j = r && (r.job || r);
			job.hidden = false;
			const res = await follow(j.id, job);
			clear(out, detected(res));
			done();
		} catch (x) {
			clear(out, errorBox(x));
		}
		btn.disabled = false;
	} }, field('ISO file', file), field('Name', name), btn, up, job, out);
}

// Poll an import job until it ends; resolves to its last state.
async function follow(id, bar) {
	for (let i = 0; i < 3600; i++) {
		const j = await api('GET', '/jobs/' + id);
		const st = j.job || j;
		bar.set(st.progress != null ? st.progress : null, 'import: ' +
		    st.state + (st.progress != null ? ' ' +
		    Math.round(st.progress * 100) + ' %' : ''));
		if (st.state === 'failed')
			throw new Error('import failed: ' + (st.error &&
			    st.error.message || st.error || 'no reason given'));
		if (st.state === 'done')
			return st;
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error('the import is still running; see the image list');
}

function detected(st) {
	const i = st.image || {};
	return h('div', { class: 'ok' }, h('p', null, 'Imported ',
	    h('a', { href: '#/images/' + encodeURIComponent(i.name || '') },
	    i.name || 'the image'), '.'),
	    h('dl', { class: 'facts' }, [['Distribution', i.distro],
		['Version', i.version], ['Architecture', i.arch],
		['Kind', i.kind], ['Kernel', i.kernel],
		['Initrds', (i.initrds || []).join(', ')]]
		.filter(([, v]) => v).map(([k, v]) =>
		    [h('dt', null, k), h('dd', null, v)])));
}

function addForm(done) {
	if (!has('POST', '/images'))
		return notAvailable('Adding an image');
	const f = {
		name: h('input', { name: 'name', required: true }),
		kernel: h('input', { name: 'kernel', required: true,
		    placeholder: '/srv/netboot/debian/linux' }),
		initrds: h('textarea', { name: 'initrds', rows: 2,
		    placeholder: '/srv/netboot/debian/initrd.gz' }),
		cmdline: h('input', { name: 'cmdline' }),
	};
	const msg = h('div');
	return h('form', { onsubmit: async (e) => {
		e.preventDefault();
		clear(msg);
		try {
			await api('POST', '/images', { name: f.name.value.trim(),
			    kernel: f.kernel.value.trim(),
			    initrds: f.initrds.value.split('\n').map((s) =>
				s.trim()).filter(Boolean),
			    cmdline: f.cmdline.value });
			toast('image added');
			done();
		} catch (x) {
			clear(msg, errorBox(x));
		}
	} }, field('Name', f.name), field('Kernel (path on the server)',
	    f.kernel), field('Initrds, one a line', f.initrds),
	    field('Command line', f.cmdline),
	    h('button', { type: 'submit' }, 'Add'), msg);
}

// The variables a command line or template may use (bootweb(8) TEMPLATES).
export const VARIABLES = ['server_url', 'client.mac', 'client.name',
	'client.hostname', 'client.ip', 'client.last_ip', 'vars.NAME',
	'image.name', 'image.kernel_url', 'image.initrd_urls', 'image.iso_url',
	'image.tree_url', 'unattended_url', 'client_url', 'self_url',
	'settings.KEY'];

async function one(el, name) {
	const n = encodeURIComponent(name);
	let r;
	try {
		r = await api('GET', '/images/' + n, undefined, { full: true });
	} catch (e) {
		el.append(title('Image ' + name), errorBox(e));
		return null;
	}
	const img = r.body.image || r.body;
	const templates = await api('GET', '/templates').then((x) =>
	    x.templates, () => []);
	const admin = can('admin') && has('PATCH', '/images/' + n);
	const cmd = h('textarea', { name: 'cmdline', rows: 3, class: 'mono',
	    disabled: !admin }, img.cmdline || '');
	const tpl = select('template', [['', '— none —']].concat(
	    templates.map((t) => [t.name, t.name])), img.template || '');
	tpl.disabled = !admin;
	const msg = h('div');
	const vars = h('ul', { class: 'vars' }, VARIABLES.map((v) =>
	    h('li', null, h('button', { type: 'button', class: 'chip',
	    disabled: !admin, title: 'insert {{' + v + '}}', onclick: () => {
		const s = cmd.selectionStart, t = '{{' + v + '}}';
		cmd.value = cmd.value.slice(0, s) + t +
		    cmd.value.slice(cmd.selectionEnd);
		cmd.focus();
		cmd.selectionStart = cmd.selectionEnd = s + t.length;
	    } }, '{{' + v + '}}'))));
	const form = h('form', { onsubmit: async (e) => {
		e.preventDefault();
		clear(msg);
		try {
			await api('PATCH', '/images/' + n, { cmdline: cmd.value,
			    template: tpl.value || null },
			    { headers: r.etag ? { 'If-Match': r.etag } : {} });
			toast('saved');
			window.dispatchEvent(new Event('hashchange'));
		} catch (x) {
			clear(msg, errorBox(x));
		}
	} }, field('Command line', cmd), h('p', { class: 'muted' },
	    'Variables it may use (click to insert):'), vars,
	    field('Template', tpl),
	    admin ? h('button', { type: 'submit', class: 'primary' }, 'Save') :
	    h('p', { class: 'na' }, can('admin') ? 'Editing images is not ' +
	    'available on this server.' : 'Editing needs the admin role.'),
	    msg);
	const files = h('div');
	el.append(title('Image ' + img.name, h('a', { href: '#/images' },
	    '← all images')),
	    h('div', { class: 'two' },
		h('section', { class: 'card' }, h('h2', null, 'About'),
		    h('dl', { class: 'facts' }, [['Kind', img.kind],
			['Distribution', img.distro], ['Version', img.version],
			['Architecture', img.arch], ['Kernel', img.kernel],
			['Initrds', (img.initrds || []).join('\n')],
			['ISO', img.iso_path], ['ISO size', img.iso_size &&
			fmtSize(img.iso_size)], ['SHA-256', img.iso_sha256]]
			.filter(([, v]) => v).map(([k, v]) =>
			[h('dt', null, k), h('dd', null, v)])),
		    can('admin') && has('DELETE', '/images/' + n) ?
			h('button', { type: 'button', class: 'danger',
			onclick: async () => {
			if (!(await confirmBox('Remove image ' + name + '?')))
				return;
			try {
				await api('DELETE', '/images/' + n);
				location.hash = '#/images';
			} catch (x) {
				toast(errorText(x), true);
			}
		} }, 'Remove') : null),
		h('section', { class: 'card' }, h('h2', null, 'Boot'), form)),
	    h('section', null, h('h2', null, 'Files'), files));
	browse(files, n, 0);
	return null;
}

// The files inside an image (an imported ISO), a page at a time, as the
// API lists them: paths and sizes.
const FILES_PAGE = 100;
async function browse(el, n, offset) {
	if (!has('GET', '/images/' + n + '/files')) {
		clear(el, notAvailable('Browsing an image\'s files'));
		return;
	}
	try {
		const r = await api('GET', '/images/' + n + '/files?limit=' +
		    FILES_PAGE + '&offset=' + offset);
		const files = r.files || [];
		clear(el, table([
			{ label: 'Path', sort: (f) => f.path, cell: (f) =>
			    h('code', null, f.path) },
			{ label: 'Size', sort: (f) => f.size || 0,
			    cell: (f) => fmtSize(f.size) },
		], files, { empty: 'No file: this image is not an imported ' +
		    'ISO.' }), h('div', { class: 'pager' },
		    h('button', { type: 'button', disabled: offset === 0,
			onclick: () => browse(el, n, Math.max(0, offset -
			FILES_PAGE)) }, '← Previous'),
		    h('span', { role: 'status' }, files.length ? (offset + 1) +
			'–' + (offset + files.length) : '0',
			r.total != null ? ' of ' + r.total : ''),
		    h('button', { type: 'button', disabled: !r.more,
			onclick: () => browse(el, n, offset + FILES_PAGE) },
			'Next →')));
	} catch (e) {
		clear(el, errorBox(e));
	}
}
