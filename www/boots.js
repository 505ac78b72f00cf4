// boots.js: events grouped into boots. A boot walks these stages, each
// the event of the daemon that served it (bootweb(8) EVENTS, tftpd(8),
// pxedhcpd(8)); a failure event ends it with its reason.
import { h, fmtDur, fmtClock } from './ui.js';

export const STAGES = [
	['offer', 'proxy offer'], ['loader', 'loader'], ['script', 'script'],
	['kernel', 'kernel'], ['initrd', 'initrd'],
	['unattended', 'unattended'], ['done', 'done'],
];
const INDEX = Object.fromEntries(STAGES.map(([s], i) => [s, i]));
const FAILS = ['http-error', 'tftp-error', 'http-token', 'upstream-error'];
const IDLE = 15 * 60;	// seconds of silence that end a boot

// The stage an event marks, 'failed', or null.
export function stageOf(ev) {
	const k = ev.kind;
	if (FAILS.includes(k))
		return 'failed';
	if (k === 'dhcp-offer' || k === 'dhcp-ack')
		return 'offer';
	if (/^tftp-(start|done|shim|grub)$/.test(k) ||
	    k === 'http-bootloader' || k === 'http-boot-ipxe')
		return 'loader';
	if (k === 'http-script' || k === 'tftp-grub-cfg')
		return 'script';
	if (k === 'http-kernel')
		return 'kernel';
	if (k === 'http-initrd')
		return 'initrd';
	if (k === 'http-unattended')
		return /refus|error|fail/i.test(ev.detail || '') ? 'failed' :
		    'unattended';
	if (k === 'self-done')
		return 'done';
	return null;
}

// Boots by MAC: add(ev) files an event; list() is newest first.
export class Boots {
	constructor() {
		this.byMac = new Map();	// mac -> current boot
		this.all = [];
	}

	add(ev) {
		const st = stageOf(ev);
		if (!st || !ev.mac)
			return null;
		let b = this.byMac.get(ev.mac);
		const i = st === 'failed' ? -1 : INDEX[st];
		if (!b || ev.ts - b.last > IDLE ||
		    (b.end && (st === 'offer' || st === 'loader')) ||
		    (st === 'offer' && b.reached > INDEX.loader)) {
			b = { mac: ev.mac, start: ev.ts, last: ev.ts, at: {},
			    reached: -1, end: null, reason: '' };
			this.byMac.set(ev.mac, b);
			this.all.push(b);
		}
		b.last = ev.ts;
		if (st === 'failed') {
			b.end = 'failed';
			b.reason = ev.kind + ': ' + (ev.detail || '');
			b.failedAt = b.reached + 1;
		} else {
			if (b.at[st] == null)
				b.at[st] = ev.ts;
			b.reached = Math.max(b.reached, i);
			if (st === 'done')
				b.end = 'done';
		}
		return b;
	}

	list() {
		return this.all.slice().reverse();
	}
}

// The stages of a boot as a row of lit steps, each with the time it
// took from the one before.
export function stageRow(b) {
	let prev = b.start;
	return h('ol', { class: 'stages', 'aria-label': 'boot stages' },
	    STAGES.map(([s, label], i) => {
		const t = b.at[s];
		let cls = 'stage';
		let note = '';
		if (t != null) {
			cls += ' lit';
			note = i === 0 ? fmtClock(t) : '+' + fmtDur(t - prev);
			prev = t;
		} else if (b.end === 'failed' && i === b.failedAt)
			cls += ' failed';
		else if (!b.end && i === b.reached + 1)
			cls += ' next';
		return h('li', { class: cls, title: label + (t != null ?
		    ' at ' + fmtClock(t) : '') }, h('span', null, label),
		    h('small', null, note || (cls.includes('failed') ?
		    'failed' : '\u00a0')));
	}));
}

export function bootState(b) {
	if (b.end === 'failed')
		return h('span', { class: 'badge failed' }, 'failed');
	if (b.end === 'done')
		return h('span', { class: 'badge done' }, 'done');
	return h('span', { class: 'badge running' }, 'booting');
}
