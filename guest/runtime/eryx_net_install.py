"""Installs the sandbox's network shims at start-up (before the snapshot, so no sandbox pays it).

Run once by guest/glue/eryx_net.c as module `_eryx_net_install`, with SOURCES = {module name:
source} of guest/runtime/eryx_socket.py (`_socket`), eryx_select.py (`select`) and eryx_ssl.py
(`ssl`). A meta-path finder placed first serves those names, so the unchanged stdlib socket.py,
selectors, http.client, urllib and asyncio run over the host's net_* imports; it serves them
again after `del sys.modules[...]` and for importlib.reload(). Every copy of a shim gets the same
`_eryx_shared` state (open sockets by fileno), so a re-imported module sees the sockets of the
first.

The interpreter's own WASI `_socket` and `select` built-ins stay linked in; code that goes around
this finder on purpose reaches them, but WASI preview 1 cannot create a socket and the host
refuses its sock_* calls, so they can do nothing.
"""

import sys
import types

from importlib.machinery import ModuleSpec

SOURCES = globals().get("SOURCES", {})  # set by eryx_net.c before this runs

shared = types.SimpleNamespace(live={}, detached={}, next_fd=1_000_000, exception=None)
_code = {}  # module name -> compiled code of its shim


def _filename(name):
    return f"<eryx {name}>"


class _ShimLoader:
    def __init__(self, name):
        self.name = name

    def create_module(self, spec):
        return None  # a plain module

    def exec_module(self, module):
        name = self.name
        code = _code.get(name)
        if code is None:
            source = SOURCES[name]
            filename = _filename(name)
            # Tracebacks through the shims show their lines (mtime None: never evicted).
            import linecache

            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            code = _code[name] = compile(source, filename, "exec", dont_inherit=True)
        module.__dict__["_eryx_shared"] = shared
        exec(code, module.__dict__)


class EryxNetFinder:
    """Serves `_socket`, `select` and `ssl` from the embedded shims."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in SOURCES:
            return None
        return ModuleSpec(name, _ShimLoader(name), origin=_filename(name))

    @classmethod
    def invalidate_caches(cls):
        pass


async def _getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
    # asyncio resolves in a thread pool; the guest has no threads, and the host's resolution is
    # bounded, so it runs inline.
    import socket

    return socket.getaddrinfo(host, port, family, type, proto, flags)


async def _getnameinfo(self, sockaddr, flags=0):
    import socket

    return socket.getnameinfo(sockaddr, flags)


def patch_event_loop(module):
    """Called when asyncio.selector_events is first imported (eryx_glue.c)."""
    loop_class = module.BaseSelectorEventLoop
    loop_class.getaddrinfo = _getaddrinfo
    loop_class.getnameinfo = _getnameinfo


def select_module():
    """The installed select shim (for eryx_callbacks.py), or None if code replaced it."""
    module = sys.modules.get("select")
    return module if hasattr(module, "wait_with_callbacks") else None


def install():
    sys.meta_path.insert(0, EryxNetFinder)
    for name in ("_socket", "select", "ssl", "socket", "selectors"):
        sys.modules.pop(name, None)
    import _socket  # noqa: F401  (the shims, through the finder)
    import select  # noqa: F401
    import selectors  # noqa: F401
    import socket  # noqa: F401
    import ssl  # noqa: F401


install()
