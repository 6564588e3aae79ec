"""``switchboard serve | schema | check-config | hash-key | emulate``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .config import ConfigError, load_settings
from .model import ProviderName

# What ``switchboard --help`` says: plain text, since argparse prints it as it is (the module
# docstring's reST markup would show up as literal double backquotes).
DESCRIPTION = (
    "Switchboard: one GraphQL API over the phone-number and assistant APIs of several "
    "voice-AI platforms. `switchboard serve --demo` runs it with built-in emulators."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gateway")
    serve.add_argument(
        "--demo", action="store_true", help="serve the built-in emulators, no credentials"
    )
    serve.add_argument(
        "--fail",
        action="append",
        metavar="PROVIDER[:MODE]",
        help="demo mode only: start PROVIDER's emulator failing (5xx, the default), "
        "rate-limited (429) or slow; again for another provider; /demo/faults switches it",
    )
    serve.add_argument("--config", help="TOML or YAML settings file")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing one listener (each with its own caches and clients)",
    )
    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.add_argument(
        "--subgraph", action="store_true", help="the federation subgraph SDL a router composes"
    )
    emulate = sub.add_parser("emulate", help="serve one provider's emulator (tests, demos)")
    emulate.add_argument(
        "provider", choices=[p.value for p in ProviderName], help="the provider to emulate"
    )
    emulate.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    emulate.add_argument("--port", type=int, default=9000, help="port to listen on (9000)")
    emulate.add_argument("--numbers", type=int, default=25, help="phone numbers to serve (25)")
    emulate.add_argument("--assistants", type=int, default=5, help="assistants to serve (5)")
    emulate.add_argument("--seed", type=int, default=42, help="the generated data's seed (42)")
    emulate.add_argument("--api-key", default="demo-key", help="the key the emulator accepts")
    hash_key = sub.add_parser("hash-key", help="print the SHA-256 to put in tenants.*.keys")
    hash_key.add_argument("key", nargs="?", help="the gateway API key (read from stdin if absent)")
    check = sub.add_parser("check-config", help="validate a settings file and exit")
    check.add_argument("--config", required=True, help="TOML or YAML settings file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        from .schema import print_sdl, print_subgraph_sdl

        sys.stdout.write(print_subgraph_sdl() if args.subgraph else print_sdl())
        return 0
    if args.command == "emulate":
        import uvicorn

        from .emulators import EmulatorConfig, create_emulator

        config = EmulatorConfig(
            api_key=args.api_key, seed=args.seed, numbers=args.numbers, assistants=args.assistants
        )
        emulator = create_emulator(ProviderName(args.provider), config)
        uvicorn.run(emulator, host=args.host, port=args.port, log_level="warning")
        return 0
    if args.command == "hash-key":
        from .security.tenants import hash_key

        key = args.key if args.key is not None else sys.stdin.readline().strip()
        print(hash_key(key))
        return 0
    try:
        overrides: dict[str, Any] = {"demo": True} if getattr(args, "demo", False) else {}
        if getattr(args, "fail", None):
            overrides["demo_fail"] = args.fail
        settings = load_settings(args.config, **overrides)
        served = [settings.enabled_providers()] + [
            t.enabled_providers() for t in settings.tenants.values()
        ]
        if not settings.demo and not any(served):
            raise ConfigError("providers: no provider is enabled (use --demo to try the emulators)")
    except ConfigError as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        names = sorted({p.value for providers in served for p in providers})
        tenants = f" for tenants {', '.join(settings.tenants)}" if settings.tenants else ""
        print(f"configuration OK: {', '.join(names)}{tenants}")
        return 0

    from .app import create_app
    from .observability.logging import configure_logging

    try:  # JSON lines on stderr; SWITCHBOARD_LOG_LEVEL / SWITCHBOARD_LOG_FORMAT
        configure_logging()
    except ValueError as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return 2
    if settings.tracing:
        from .observability.tracing import configure_exporter

        configure_exporter()

    def build() -> Any:
        if args.config:  # SIGHUP re-reads the file; a bad file is refused, the old stays
            from .reload import Reloadable

            return Reloadable(create_app, lambda: load_settings(args.config, **overrides), settings)
        return create_app(settings)

    where = f"http://{args.host}:{args.port}/graphql"
    workers = f" with {args.workers} workers" if args.workers > 1 else ""
    print(
        f"switchboard: serving {'demo mode ' if settings.demo else ''}at {where}{workers}",
        file=sys.stderr,
    )
    from .serving import serve

    return serve(
        build,
        args.host,
        args.port,
        args.workers,
        tune_gc=settings.gc_tuning,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    raise SystemExit(main())
