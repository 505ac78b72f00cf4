// users.js: users and API tokens (admin only). A new token is shown
// once, as the API answers it; the server keeps only its hash.
import { api } from './api.js';
import { h, clear, title, table, field, select, toast, errorBox,
    errorText, confirmBox, fmtTime, fmtAgo } from './ui.js';

const ROLES = ['viewer', 'operator', 'admin'];

export async function render(el) {
	const users = h('div'), tokens = h('div');
	let names = [];
	const loadUsers = async () => {
		const r = await api('GET', '/users');
		names = r.users.map((u) => u.name);
		clear(users, table([
			{ label: 'User', sort: (u) => u.name, cell: (u) => u.name },
			{ label: 'Role', sort: (u) => u.role, cell: (u) => {
				const s = select('role', ROLES, u.role);
				s.setAttribute('aria-label', 'role of ' + u.name);
				s.addEventListener('change', async () => {
					try {
						await api('PATCH', '/users/' +
						    encodeURIComponent(u.name),
						    { role: s.value });
						toast(u.name + ' is now ' + s.value);
					} catch (e) {
						toast(errorText(e), true);
						s.value = u.role;
					}
				});
				return s;
			} },
			{ label: 'Created', cell: (u) => fmtTime(u.created) },
			{ label: '', cell: (u) => h('button', { type: 'button',
			    class: 'danger', onclick: async () => {
				if (!(await confirmBox('Remove user ' + u.name +
				    '?')))
					return;
				try {
					await api('DELETE', '/users/' +
					    encodeURIComponent(u.name));
					loadUsers();
				} catch (e) {
					toast(errorText(e), true);
				}
			} }, 'Remove') },
		], r.users));
		tokenUser.replaceChildren(...names.map((n) =>
		    h('option', { value: n }, n)));
	};
	const loadTokens = async () => {
		const r = await api('GET', '/tokens');
		clear(tokens, table([
			{ label: 'ID', sort: (t) => t.id, cell: (t) => t.id },
			{ label: 'User', sort: (t) => t.user, cell: (t) => t.user },
			{ label: 'Role', cell: (t) => t.role || 'the user\'s' },
			{ label: 'Label', cell: (t) => t.label || '' },
			{ label: 'Expires', cell: (t) => t.expires ?
			    fmtTime(t.expires) : 'never' },
			{ label: 'Last used', cell: (t) => fmtAgo(t.last_used) },
			{ label: '', cell: (t) => h('button', { type: 'button',
			    class: 'danger', 'data-token': t.id,
			    onclick: async () => {
				if (!(await confirmBox('Revoke token ' + t.id +
				    ' of ' + t.user + '?')))
					return;
				try {
					await api('DELETE', '/tokens/' + t.id);
					toast('token ' + t.id + ' revoked');
					loadTokens();
				} catch (e) {
					toast(errorText(e), true);
				}
			} }, 'Revoke') },
		], r.tokens.filter((t) => !t.kind || t.kind === 'api'),
		{ empty: 'No API token.' }));
	};

	const uname = h('input', { name: 'name', required: true,
	    autocomplete: 'off' });
	const urole = select('role', ROLES, 'viewer');
	const upw = h('input', { name: 'password', type: 'password',
	    required: true, autocomplete: 'new-password', minlength: 8 });
	const umsg = h('div');
	const tokenUser = h('select', { name: 'user' });
	const trole = select('role', [['', 'the user\'s role']].concat(ROLES),
	    '');
	const tlabel = h('input', { name: 'label', placeholder: 'ci' });
	const tdays = h('input', { name: 'days', type: 'number', min: 1,
	    max: 3650, placeholder: 'never' });
	const shown = h('div', { role: 'status' });
	el.append(title('Users & tokens'),
	    h('section', null, h('h2', null, 'Users'), users,
		h('details', { class: 'add' }, h('summary', null, 'Add a user'),
		    h('form', { class: 'inline', onsubmit: async (e) => {
			e.preventDefault();
			clear(umsg);
			try {
				await api('POST', '/users', { name:
				    uname.value.trim(), role: urole.value,
				    password: upw.value });
				toast('user ' + uname.value + ' added');
				uname.value = upw.value = '';
				loadUsers();
			} catch (x) {
				clear(umsg, errorBox(x));
			}
		    } }, field('Name', uname), field('Role', urole),
			field('Password', upw),
			h('button', { type: 'submit' }, 'Add'), umsg))),
	    h('section', null, h('h2', null, 'API tokens'), tokens,
		h('form', { class: 'inline card', id: 'new-token',
		    onsubmit: async (e) => {
			e.preventDefault();
			clear(shown);
			const body = { user: tokenUser.value };
			if (trole.value)
				body.role = trole.value;
			if (tlabel.value.trim())
				body.label = tlabel.value.trim();
			if (tdays.value)
				body.expires = Math.floor(Date.now() / 1000) +
				    Number(tdays.value) * 86400;
			try {
				const t = await api('POST', '/tokens', body);
				const code = h('code', { class: 'secret',
				    id: 'token-value' }, t.token);
				clear(shown, h('div', { class: 'ok' },
				    h('p', null, 'Token ' + t.id + ' for ' + t.user +
				    '. Copy it now: it is shown only once.'),
				    code, ' ', h('button', { type: 'button',
				    onclick: () => navigator.clipboard &&
				    navigator.clipboard.writeText(t.token).then(
					() => toast('copied'), () => {}) },
				    'Copy')));
				loadTokens();
			} catch (x) {
				clear(shown, errorBox(x));
			}
		    } }, h('h3', null, 'New token'), field('User', tokenUser),
		    field('Role', trole), field('Label', tlabel),
		    field('Expires in days', tdays),
		    h('button', { type: 'submit', class: 'primary' }, 'Create'),
		    shown)));
	await Promise.all([loadUsers(), loadTokens()]);
	return () => clear(shown);
}
