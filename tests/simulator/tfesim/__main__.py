"""``python3 -m tfesim``: run the simulator until SIGINT/SIGTERM.

The first line printed is ``TFESIM_URL=<url>`` for scripts; then come the
``export`` lines that point the collection at the simulator.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .errors import ApiError
from .seeding import SeedError
from .simulator import Simulator
from .tls import make_self_signed


def _key_value(text: str) -> Tuple[str, Any]:
    """``key=value`` where value is JSON when it parses (``true``, ``3``, ``"x"``) and a string otherwise."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected KEY=VALUE, got %r" % text)
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def _fault(text: str) -> Dict[str, Any]:
    """``KIND[:key=value,...]`` (values JSON when they parse: ``count=null``, ``after=true``) as add_fault arguments."""
    kind, _sep, rest = text.partition(":")
    if not kind:
        raise argparse.ArgumentTypeError("expected KIND[:key=value,...], got %r" % text)
    params = dict(_key_value(item) for item in rest.split(",") if item)
    params["kind"] = kind
    return params


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line (documented in README.md)."""
    parser = argparse.ArgumentParser(prog="python3 -m tfesim", description="Local TFE API v2 simulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--seed", help="seed file (YAML or JSON); default: the demo seed.yml")
    parser.add_argument("--empty", action="store_true", help="start without any seed (add everything by flags)")
    parser.add_argument("--organization", action="append", default=[], metavar="NAME", help="add an organization")
    parser.add_argument("--workspace", action="append", default=[], metavar="ORG/NAME",
                        help="add a workspace (and its organization if missing)")
    parser.add_argument("--knob", action="append", default=[], type=_key_value, metavar="KEY=VALUE",
                        help="workspace knob for every --workspace")
    parser.add_argument("--token", action="append", default=[], metavar="ROLE:KIND[:ORG,...[:USER]]",
                        help="add a token (kind site_admin, user or organization); tokens naming the same USER "
                             "share one rate-limit budget")
    parser.add_argument("--installation", action="append", default=[], type=_key_value, metavar="KEY=VALUE",
                        help="installation knob, e.g. admin_cancel_route=false")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="private key (PEM) for --tls-cert")
    parser.add_argument("--tls-self-signed", metavar="DIR",
                        help="serve HTTPS with a certificate generated into DIR (ca.pem is what clients trust)")
    parser.add_argument("--fault", action="append", default=[], type=_fault, metavar="KIND[:KEY=VALUE,...]",
                        help="arm a fault, e.g. rate_limit:hint=retry_after,count=3 (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_self_signed and args.tls_cert:
        parser.error("--tls-self-signed replaces --tls-cert/--tls-key")
    return args


def _apply_flags(sim: Simulator, args: argparse.Namespace) -> None:
    if args.installation:
        sim.set_installation(**dict(args.installation))
    for ref in args.organization + [ref.partition("/")[0] for ref in args.workspace]:
        if ref and ref.lower() not in {org["name"].lower() for org in sim.organizations()}:
            sim.add_organization(ref)
    for ref in args.workspace:
        org, _sep, name = ref.partition("/")
        if not org or not name:
            raise SeedError("--workspace expects ORG/NAME, got %r" % ref)
        sim.add_workspace(org, name, knobs=dict(args.knob))
    for spec in args.token:
        role, _sep, rest = spec.partition(":")
        kind, _sep, rest = rest.partition(":")
        orgs, _sep, user = rest.partition(":")
        sim.add_token(role, kind, [org for org in orgs.split(",") if org] or None, user=user or None)
    for fault in args.fault:
        sim.call("add_fault", fault)


def _banner(sim: Simulator, ca_file: Optional[str] = None) -> List[str]:
    tokens = sim.tokens
    chosen = "admin" if "admin" in tokens else next(iter(tokens), None)
    lines = ["TFESIM_URL=%s" % sim.url, "TFE API simulator listening on %s" % sim.url,
             "Point the tfe.runs collection at it:"]
    if chosen:
        lines.append("export TFE_ADDRESS=%s TFE_TOKEN=%s" % (sim.url, tokens[chosen]))
        lines += ["# token %s: export TFE_TOKEN=%s" % (role, token) for role, token in tokens.items() if role != chosen]
    else:
        lines.append("export TFE_ADDRESS=%s   # no tokens yet: add one with --token" % sim.url)
    if ca_file:
        lines.append("# HTTPS with a private CA: trust %s (ca_path, REQUESTS_CA_BUNDLE)" % ca_file)
    lines += ["# fault %s: %s" % (fault["id"], fault["kind"]) for fault in sim.faults()]
    lines.append("Control endpoints under %s/_sim/ (see tests/simulator/README.md). Stop with Ctrl-C." % sim.url)
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Start, print how to connect, serve until a signal, stop cleanly."""
    args = parse_args(argv)
    ca_file = None
    try:
        if args.tls_self_signed:
            files = make_self_signed(args.tls_self_signed)
            args.tls_cert, args.tls_key, ca_file = str(files.cert), str(files.key), str(files.ca)
        sim = Simulator(seed={} if args.empty else args.seed, host=args.host, port=args.port,
                        tls_cert=args.tls_cert, tls_key=args.tls_key, verbose=args.verbose)
        _apply_flags(sim, args)
    except (SeedError, ApiError, OSError, RuntimeError) as exc:
        print("tfesim: %s" % exc, file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *args: stop.set())
    sim.start()
    print("\n".join(_banner(sim, ca_file)), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    print("tfesim: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
