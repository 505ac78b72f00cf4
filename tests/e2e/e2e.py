#!/usr/bin/python3
"""e2e.py: checks on `bootctl client timeline MAC --json` (read on stdin).

  e2e.py fetched T0       exit 0 if the timeline has the installer's preseed
                          fetch (http-unattended) at or after epoch T0;
                          print its time relative to T0
  e2e.py chain VARIANT    exit 0 if the timeline holds, in order, every step
                          the firmware path VARIANT must take; else name the
                          first missing step and print what is there
  e2e.py orphans MAC      read `bootctl events list --json`: print the events
                          from MAC's addresses that name no MAC (a daemon
                          that did not know whom it served)
"""
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
    if len(sys.argv) == 3 and sys.argv[1] == 'fetched':
        return fetched(float(sys.argv[2]))
    if len(sys.argv) == 3 and sys.argv[1] == 'chain' and sys.argv[2] in CHAINS:
        return chain(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
