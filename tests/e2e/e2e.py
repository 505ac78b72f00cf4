#!/usr/bin/python3
"""e2e.py: checks on `bootctl client timeline MAC --json` (read on stdin).

  e2e.py fetched T0       exit 0 if the timeline has the installer's preseed
                          fetch (http-unattended) at or after epoch T0;
                          print its time relative to T0
  e2e.py chain VARIANT    exit 0 if the timeline holds, in order, every step
                          the firmware path VARIANT must take; else name the
                          first missing step and print what is there
  e2e.py v6 POOL          exit 0 if the timeline shows EDK2's PXE over IPv6:
                          pxedhcpd's DHCPv6 ADVERTISE and REPLY lease one
                          address of POOL (START-END) and tftpd sent the EFI
                          loader to that very address; print the address
  e2e.py lease ADDR MAC   read `bootctl lease list` (--json, or the text
                          form): exit 0 if it holds ADDR for MAC
  e2e.py released ADDR    exit 0 if the timeline has pxedhcpd answering a
                          DHCPv6 RELEASE of ADDR
  e2e.py orphans MAC      read `bootctl events list --json`: print the events
                          from MAC's addresses that name no MAC (a daemon
                          that did not know whom it served)
"""
import ipaddress
import json
import sys

COMMON = ['bootweb:http-boot-ipxe', 'bootweb:http-script', 'bootweb:http-kernel',
          'bootweb:http-initrd', 'bootweb:http-unattended']
# daemon:kind[~text in the detail]
CHAINS = {
    # SeaBIOS + iPXE ROM: iPXE from the first DHCP, so no loader stage
    'bios': ['pxedhcpd:dhcp-offer'] + COMMON,
    # plain PXE ROM: undionly.kpxe over TFTP, whose iPXE asks the proxy again
    'bios-pxe': ['pxedhcpd:dhcp-offer', 'tftpd:tftp-done~undionly.kpxe',
                 'pxedhcpd:dhcp-offer'] + COMMON,
    # EDK2 PXE: proxy offer, REQUEST on port 4011, TFTP of the EFI loader
    'uefi': ['pxedhcpd:dhcp-offer', 'pxedhcpd:dhcp-ack', 'tftpd:tftp-done~.efi',
             'pxedhcpd:dhcp-offer'] + COMMON,
    # UEFI HTTP Boot: the EFI loader over HTTP, no TFTP at all
    'uefi-http': ['pxedhcpd:dhcp-offer', 'bootweb:http-bootloader~.efi',
                  'pxedhcpd:dhcp-offer'] + COMMON,
    # Secure Boot: EDK2 PXE loads Debian's signed shim, shim loads the signed
    # GRUB, GRUB reads its grub.cfg, the kernel and initrd over TFTP
    'uefi-sb': ['pxedhcpd:dhcp-offer', 'pxedhcpd:dhcp-ack', 'tftpd:tftp-shim',
                'tftpd:tftp-done~shimx64.efi', 'tftpd:tftp-grub',
                'tftpd:tftp-done~grubx64.efi', 'tftpd:tftp-grub-cfg~image ',
                'tftpd:tftp-done~grub/grub.cfg', 'tftpd:tftp-done~/linux',
                'tftpd:tftp-done~/initrd.gz', 'bootweb:http-unattended'],
    # EDK2 PXEv6: DHCPv6 SOLICIT/ADVERTISE, REQUEST/REPLY with an address,
    # TFTP of the EFI loader over IPv6; then iPXE over IPv4 as above
    'uefi6': ['pxedhcpd:dhcp-offer~DHCPv6 ADVERTISE', 'pxedhcpd:dhcp-ack~DHCPv6 REPLY',
              'tftpd:tftp-done~.efi', 'pxedhcpd:dhcp-offer'] + COMMON,
}


def load():
    try:
        return json.load(sys.stdin)
    except ValueError as e:
        print('e2e.py: the timeline is not JSON: %s' % e, file=sys.stderr)
        sys.exit(1)


def fetched(t0):
    tl = load()
    for s in tl.get('steps', []):
        if s.get('kind') == 'http-unattended' and s.get('ts', 0) >= t0:
            print('%.1f' % (s['ts'] - t0))
            return 0
    return 1


def matches(step, want):
    who, _, rest = want.partition(':')
    kind, _, text = rest.partition('~')
    return (step.get('daemon') == who and step.get('kind') == kind
            and text in (step.get('detail') or ''))


def chain(variant):
    tl = load()
    steps = tl.get('steps', [])
    i = 0
    for want in CHAINS[variant]:
        while i < len(steps) and not matches(steps[i], want):
            i += 1
        if i == len(steps):
            print('missing step %s; the timeline has:' % want)
            for s in steps:
                print('  %+7.2fs %-8s %-16s %s' % (s.get('t', 0), s.get('daemon'),
                                                 s.get('kind'), s.get('detail')))
            return 1
        i += 1
    if steps and steps[0].get('kind', '').startswith('dhcp') and steps[0].get('t') != 0:
        print('the first DHCP step is not at +0.00s')
        return 1
    return 0


def v6addr(text):
    try:
        return ipaddress.IPv6Address((text or '').split('%')[0])
    except ValueError:
        return None


def v6(pool):
    lo, _, hi = pool.partition('-')
    lo, hi = ipaddress.IPv6Address(lo), ipaddress.IPv6Address(hi)
    steps = load().get('steps', [])
    leased = {}
    for want in ('dhcp-offer', 'dhcp-ack'):
        got = [s for s in steps if s.get('daemon') == 'pxedhcpd' and s.get('kind') == want
               and (s.get('detail') or '').startswith('DHCPv6')]
        if not got:
            print('no DHCPv6 %s event from pxedhcpd' % want)
            return 1
        a = v6addr(got[0].get('ip'))
        if a is None or not lo <= a <= hi:
            print('pxedhcpd\'s DHCPv6 %s leased no address of %s: ip %s, detail %s'
                  % (want, pool, got[0].get('ip'), got[0].get('detail')))
            return 1
        if str(a) not in got[0].get('detail', ''):
            print('the DHCPv6 %s detail does not name %s: %s' % (want, a, got[0]['detail']))
            return 1
        leased[want] = a
    if leased['dhcp-offer'] != leased['dhcp-ack']:
        print('ADVERTISE offered %s, REPLY leased %s' % (leased['dhcp-offer'],
                                                         leased['dhcp-ack']))
        return 1
    a = leased['dhcp-ack']
    tftp = [s for s in steps if s.get('daemon') == 'tftpd' and s.get('kind') == 'tftp-done'
            and '.efi' in (s.get('detail') or '')]
    if not tftp:
        print('no tftp-done of an EFI loader')
        return 1
    if v6addr(tftp[0].get('ip')) != a:
        print('tftpd sent the loader to %s, not to the leased %s: %s'
              % (tftp[0].get('ip'), a, tftp[0].get('detail')))
        return 1
    print(a)
    return 0


def lease(addr, mac):
    text = sys.stdin.read()
    want = ipaddress.IPv6Address(addr)
    try:
        data = json.loads(text)
    except ValueError:
        # the text form: one lease a line, naming the MAC and the address
        for line in text.splitlines():
            words = line.lower().split()
            if mac.lower() in words and want in [v6addr(w) for w in words]:
                return 0
        return 1
    rows = data if isinstance(data, list) else data.get('leases', [])
    for r in rows:
        addrs = [v6addr(r.get(k)) for k in ('addr', 'address', 'ip')]
        if (r.get('mac') or '').lower() == mac.lower() and want in addrs:
            return 0
    return 1


def released(addr):
    want = ipaddress.IPv6Address(addr)
    for s in load().get('steps', []):
        d = s.get('detail') or ''
        if (s.get('daemon') == 'pxedhcpd' and d.startswith('DHCPv6') and 'RELEASE' in d
                and want in [v6addr(w.strip(',:;()')) for w in d.split()]):
            return 0
    return 1


def orphans(mac):
    evs = load()
    ips = {e['ip'] for e in evs if e.get('mac') == mac and e.get('ip')}
    for e in evs:
        if not e.get('mac') and e.get('ip') in ips:
            print('%s recorded %s for %s without a MAC: %s'
                  % (e.get('daemon'), e.get('kind'), e.get('ip'), e.get('detail')))
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'orphans':
        return orphans(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == 'v6':
        return v6(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == 'released':
        return released(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == 'lease':
        return lease(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 3 and sys.argv[1] == 'fetched':
        return fetched(float(sys.argv[2]))
    if len(sys.argv) == 3 and sys.argv[1] == 'chain' and sys.argv[2] in CHAINS:
        return chain(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
