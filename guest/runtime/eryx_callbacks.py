"""Callbacks in the guest: host functions the sandboxed code awaits.

Embedded into the guest module (as the `_eryx_callbacks` module) and run once at interpreter
start-up, so it is part of every snapshot. The host calls install() with its catalogue before an
execution; each callback becomes an async global of __main__ (dotted names become namespaces),
next to invoke(), list_callbacks() and CallbackError.

A call goes through the `_eryx` C module: start() hands the name and JSON arguments to the host,
which runs the handler concurrently and returns a handle; the awaiting coroutine parks on an
asyncio future. When the event loop would block, its selector (wrapped by patch_event_loop) waits
in the host instead, for the first completion or the loop's own timeout, so asyncio.gather() over
several callbacks runs them in parallel on the host.
"""

import sys

import _eryx

# Outcome codes of the host (docs/guest-abi.md).
_KINDS = {1: "error", 2: "invalid_arguments", 3: "unknown", 4: "limit", 5: "timeout", 6: "too_large"}
_TIMEOUT = 5


class CallbackError(Exception):
    """A callback failed: the handler raised, the arguments were invalid, the name is unknown, or
    a limit (invocations, time, size) was reached. The message is the host's."""

    def __init__(self, message, name=None, kind="error"):
        super().__init__(message)
        self.name = name
        self.kind = kind


class CallbackTimeoutError(CallbackError, TimeoutError):
    """A callback ran past callback_timeout_ms."""


# Tracebacks and the host's ExecutionError.type_name say eryx.CallbackError.
CallbackError.__module__ = CallbackTimeoutError.__module__ = "eryx"


# Names the runtime itself puts in __main__; a callback of that name is reachable via invoke() only.
RESERVED = frozenset({"invoke", "list_callbacks", "CallbackError", "CallbackTimeoutError"})

_pending = {}  # handle -> (future, callback name), while a coroutine awaits it
_catalog = []  # the installed catalogue: [{"name", "description", "parameters_schema"}]
installed = {}  # the globals install() put in __main__ (snapshot_state leaves them out)
_parameters = {}  # callback name -> its parameter names in schema order


def _encode_arguments(name, arguments):
    import json

    try:
        return json.dumps(arguments, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"arguments of callback {name!r} are not JSON-serialisable: {error}") from None


async def _call(name, arguments):
    import asyncio

    handle = _eryx.start(name, _encode_arguments(name, arguments))
    if handle == 0:
        raise CallbackError("callbacks are only available while code executes", name, "unknown")
    future = asyncio.get_running_loop().create_future()
    _pending[handle] = (future, name)
    try:
        return await future
    finally:
        _pending.pop(handle, None)


def _deliver(completions):
    import json

    for handle, status, payload in completions:
        entry = _pending.get(handle)
        if entry is None or entry[0].done():
            continue  # its coroutine stopped waiting (e.g. cancelled): drop the result
        future, name = entry
        if status == 0:
            try:
                future.set_result(json.loads(payload))
            except ValueError as error:
                future.set_exception(CallbackError(f"malformed result: {error}", name))
        else:
            cls = CallbackTimeoutError if status == _TIMEOUT else CallbackError
            future.set_exception(cls(payload, name, _KINDS.get(status, "error")))


def _fail_orphans():
    # The host has nothing left for futures still waiting: fail them rather than hang.
    for future, name in list(_pending.values()):
        if not future.done():
            future.set_exception(CallbackError("the callback's result was lost", name))


class _CallbackAwareSelector:
    """The event loop's selector; while callbacks are in flight its idle wait happens in the host."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):  # register, unregister, modify, get_key, get_map, close
        return getattr(self._inner, name)

    def select(self, timeout=None):
        if not _pending:
            return self._inner.select(timeout)
        events = self._inner.select(0) if self._inner.get_map() else []
        if events or (timeout is not None and timeout <= 0):
            milliseconds = 0
        elif timeout is None:
            milliseconds = -1
        else:
            milliseconds = max(1, int(timeout * 1000 + 0.999))
        if milliseconds != 0 and self._wait_on_sockets(milliseconds):
            # One wait in the host served both: collect what is ready now.
            events = self._inner.select(0)
            milliseconds = 0
        completions = _eryx.wait(milliseconds)
        if completions is None:
            _fail_orphans()
        else:
            _deliver(completions)
        return events

    def _wait_on_sockets(self, milliseconds):
        # With eryx sockets registered too, the wait happens in net_poll, which also returns
        # when a callback completion is ready (ERYX_POLL_WAKE_ON_CALLBACKS).
        install = sys.modules.get("_eryx_net_install")
        select = install.select_module() if install else None
        return bool(select) and select.wait_with_callbacks(self._inner.get_map(), milliseconds)


def patch_event_loop(module):
    """Called when asyncio.selector_events is first imported: every selector loop gets the
    callback-aware selector."""
    loop_class = module.BaseSelectorEventLoop
    original_init = loop_class.__init__

    def __init__(self, selector=None):
        if selector is None:
            import selectors

            selector = selectors.DefaultSelector()
        original_init(self, _CallbackAwareSelector(selector))

    loop_class.__init__ = __init__


def _bind(name, parameters, args, kwargs):
    if len(args) > len(parameters):
        raise TypeError(
            f"{name}() takes {len(parameters)} positional argument"
            f"{'' if len(parameters) == 1 else 's'} but {len(args)} were given"
        )
    bound = dict(zip(parameters, args))
    for key, value in kwargs.items():
        if key in bound:
            raise TypeError(f"{name}() got multiple values for argument {key!r}")
        bound[key] = value
    return bound


def _make_proxy(entry):
    name = entry["name"]
    parameters = _parameters[name]

    async def proxy(*args, **kwargs):
        return await _call(name, _bind(name, parameters, args, kwargs))

    proxy.__name__ = name.rsplit(".", 1)[-1]
    proxy.__qualname__ = name
    proxy.__doc__ = entry.get("description") or None
    return proxy


class _Namespace:
    """A dotted-name prefix: store.kv.get is store -> kv -> get."""

    def __init__(self, path):
        self._path = path

    def __repr__(self):
        children = sorted(k for k in vars(self) if not k.startswith("_"))
        return f"<callback namespace {self._path!r}: {', '.join(children)}>"

    def __getitem__(self, key):
        """mcp["fs"] as pyeryx spells it: the child named `key`, or the one the host named after it
        (a name that is not an identifier has its other characters replaced by '_')."""
        if isinstance(key, str) and not key.startswith("_"):
            for name in (key, "".join(c if c.isalnum() or c == "_" else "_" for c in key)):
                if name in vars(self):
                    return vars(self)[name]
        raise KeyError(key)


async def invoke(name, /, *args, **kwargs):
    """Calls the callback `name` (any registered name, dotted or not)."""
    if not isinstance(name, str):
        raise TypeError("invoke() needs the callback's name as a str")
    return await _call(name, _bind(name, _parameters.get(name, ()), args, kwargs))


def list_callbacks():
    """The available callbacks: [{"name", "description", "parameters_schema"}], in order."""
    import json

    return json.loads(json.dumps(_catalog))


def _exposable(segments):
    import builtins
    import keyword

    if segments[0] in RESERVED or hasattr(builtins, segments[0]):
        return False
    return all(s.isidentifier() and not keyword.iskeyword(s) for s in segments)


def install(catalog_json):
    """Makes the callbacks of the host's catalogue globals of __main__."""
    import json

    import __main__

    global _catalog, _parameters, installed
    catalog = json.loads(catalog_json)
    parameters = {}
    for entry in catalog:
        properties = (entry.get("parameters_schema") or {}).get("properties") or {}
        parameters[entry["name"]] = tuple(properties)
    _catalog, _parameters = catalog, parameters

    names = __main__.__dict__
    names["invoke"] = invoke
    names["list_callbacks"] = list_callbacks
    names["CallbackError"] = CallbackError
    roots = {}
    for entry in sorted(catalog, key=lambda e: e["name"].count(".")):  # parents first
        segments = entry["name"].split(".")
        if not _exposable(segments):
            continue
        proxy = _make_proxy(entry)
        if len(segments) == 1:  # before any dotted name (sorted): never a namespace yet
            roots[segments[0]] = proxy
            continue
        node = roots.setdefault(segments[0], _Namespace(segments[0]))
        for depth, segment in enumerate(segments[1:-1], start=2):
            child = getattr(node, segment, None)
            if child is None:
                child = _Namespace(".".join(segments[:depth]))
                setattr(node, segment, child)
            node = child
        setattr(node, segments[-1], proxy)
    names.update(roots)
    installed = {"invoke": invoke, "list_callbacks": list_callbacks, "CallbackError": CallbackError}
    installed.update(roots)

