// login.js: the login page. A wrong password costs what the API makes
// it cost (its delay per address and user); the page waits with it.
import { api, ApiError } from './api.js';
import { h, field } from './ui.js';

export function render(el, ctx) {
	const user = h('input', { name: 'user', autocomplete: 'username',
	    required: true, autocapitalize: 'none', spellcheck: 'false' });
	const pw = h('input', { name: 'password', type: 'password',
	    autocomplete: 'current-password', required: true });
	const msg = h('p', { class: ctx.message ? 'info' : 'hidden',
	    role: 'status' }, ctx.message);
	const err = h('p', { class: 'error hidden', role: 'alert',
	    id: 'login-error' });
	const btn = h('button', { type: 'submit', class: 'primary' }, 'Log in');
	const form = h('form', { class: 'login card', novalidate: true,
	    onsubmit: async (e) => {
		e.preventDefault();
		if (!user.value || !pw.value) {
			err.textContent = 'Enter a user name and a password.';
			err.classList.remove('hidden');
			return;
		}
		btn.disabled = true;
		btn.textContent = 'Checking…';
		err.classList.add('hidden');
		const t0 = performance.now();
		try {
			const s = await api('POST', '/login',
			    { user: user.value, password: pw.value });
			ctx.onLogin(s, decodeURIComponent(ctx.arg || ''));
		} catch (x) {
			const secs = ((performance.now() - t0) / 1000).toFixed(1);
			err.textContent = x instanceof ApiError &&
			    x.status === 401 ? 'Wrong user name or password ' +
			    '(the answer took ' + secs + ' s; each failure ' +
			    'makes the next one wait longer).' : x.message;
			err.classList.remove('hidden');
			pw.value = '';
			pw.focus();
			btn.disabled = false;
			btn.textContent = 'Log in';
		}
	} },
	    h('h1', null, 'netboot'),
	    h('p', { class: 'muted' }, 'Log in to the admin plane.'),
	    msg, err,
	    field('User', user), field('Password', pw), btn);
	el.append(form);
	user.focus();
}
