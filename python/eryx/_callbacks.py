"""Callbacks: Python functions that sandboxed code can await.

    registry = eryx.CallbackRegistry()

    @registry.callback(description="Adds two numbers")
    def add(a: int, b: int) -> int:
        return a + b

    eryx.Sandbox(callbacks=registry).execute("print(await add(2, 3))")

The native core validates arguments against each callback's JSON Schema, enforces the limits and
runs plain functions on its thread pool; this module infers schemas from signatures, converts
between JSON and Python values, and runs coroutine functions on an event loop.
"""

import _thread
import contextvars

# json, asyncio, inspect, typing and threading are imported where they are used: `import eryx`
# stays cheap for code that never registers callbacks.

__all__ = ["CallbackRegistry"]

# The event loop that awaits async callbacks of the current execution: execute_async() sets it to
# the caller's loop; otherwise a private loop on a background thread is used.
target_loop = contextvars.ContextVar("eryx_callback_loop", default=None)

_JSON_TYPES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    tuple: "array",
    dict: "object",
    type(None): "null",
}


def _schema_for(annotation):
    """JSON Schema of one parameter annotation; unknown or missing annotations accept anything."""
    import inspect
    import types
    import typing

    if annotation is inspect.Parameter.empty or annotation is typing.Any:
        return {}
    if annotation is None:
        return {"type": "null"}
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [_schema_for(a) for a in args]
        if all(set(o) == {"type"} and isinstance(o["type"], str) for o in options):
            return {"type": [o["type"] for o in options]}
        return {"anyOf": options}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (list, tuple, set, frozenset):
        schema = {"type": "array"}
        if origin is list and args:
            schema["items"] = _schema_for(args[0])
        return schema
    if origin is dict:
        schema = {"type": "object"}
        if len(args) == 2:
            schema["additionalProperties"] = _schema_for(args[1])
        return schema
    return {}


def _is_json_value(value):
    import json

    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def infer_schema(fn):
    """The parameters schema of `fn` from its signature: str->string, int->integer, float->number,
    bool->boolean, list->array, dict->object, None->null; parameters without defaults are
    required; JSON-compatible defaults are recorded as "default"."""
    import inspect
    import typing

    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        hints = {}
    properties, required, open_ended = {}, [], False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            open_ended = True
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:
            continue
        schema = _schema_for(hints.get(parameter.name, parameter.annotation))
        if parameter.default is parameter.empty:
            required.append(parameter.name)
        elif _is_json_value(parameter.default):
            schema["default"] = parameter.default
        properties[parameter.name] = schema
    schema = {"type": "object", "properties": properties, "required": required}
    if not open_ended:
        schema["additionalProperties"] = False
    return schema


def _first_doc_line(fn):
    import inspect

    doc = inspect.getdoc(fn)
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""


def _is_async(fn):
    import inspect

    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)
    )


class CallbackRegistry:
    """A set of callbacks for Sandbox(callbacks=...) and Session(callbacks=...)."""

    def __init__(self):
        """An empty registry; add() or @callback fill it."""
        self._callbacks = {}

    def add(self, fn, *, name=None, description=None, schema=None):
        """Registers `fn` (a function or an async function); returns it unchanged.

        name defaults to fn.__name__, description to the first line of its docstring, schema to
        the one inferred from its signature."""
        import json

        from eryx import _eryx
        from eryx.errors import InvalidArgumentError

        if not callable(fn):
            raise TypeError(f"a callback must be callable, not {type(fn).__name__}")
        name = name if name is not None else getattr(fn, "__name__", None)
        if name is None:
            raise InvalidArgumentError("the callback needs a name (pass name=...)")
        if not isinstance(name, str):
            raise TypeError(f"a callback name must be a str, not {type(name).__name__}")
        if description is not None and not isinstance(description, str):
            raise TypeError(f"a callback description must be a str, not {type(description).__name__}")
        if schema is None:
            schema = infer_schema(fn)
        elif not isinstance(schema, dict):
            raise TypeError("schema must be a dict (a JSON Schema of the parameters)")
        if description is None:
            description = _first_doc_line(fn)
        # The native registry's own checks (name syntax, reserved names, a compilable schema), so
        # that a bad callback is refused here rather than when a Sandbox is created.
        _eryx._check_callback(name, description, json.dumps(schema))
        if name in self._callbacks:
            raise InvalidArgumentError(f"a callback named {name!r} is already registered")
        self._callbacks[name] = {"name": name, "fn": fn, "description": description, "schema": schema}
        return fn

    def callback(self, name=None, description=None, schema=None):
        """Decorator form of add(): @registry.callback or @registry.callback(name=...)."""
        if callable(name):  # used bare: @registry.callback
            return self.add(name)

        def decorate(fn):
            return self.add(fn, name=name, description=description, schema=schema)

        return decorate

    def __len__(self):
        return len(self._callbacks)

    def __iter__(self):
        """Each callback as a dict {"name", "fn", "description", "schema"}."""
        return iter([dict(entry) for entry in self._callbacks.values()])

    def __contains__(self, name):
        return name in self._callbacks

    def __repr__(self):
        return f"CallbackRegistry({', '.join(self._callbacks)})"


# ---- running handlers (called from the native core) ------------------------------------------


def _result_json(name, value):
    import json

    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"the result of callback {name!r} is not JSON-serialisable: {error}")


def _describe(error):
    """"Type: message" of a handler's exception, as text UTF-8 can carry to the guest (a lone
    surrogate is escaped rather than failing the conversion and losing the message)."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _sync_invoker(name, fn):
    import json

    def invoke(arguments_json):
        try:
            return True, _result_json(name, fn(**json.loads(arguments_json)))
        except Exception as error:
            return False, _describe(error)

    return invoke


_background = None
_background_lock = _thread.allocate_lock()


def _background_loop():
    import asyncio
    import atexit
    import threading

    global _background
    with _background_lock:
        if _background is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="eryx-callbacks", daemon=True
            )
            thread.start()
            atexit.register(_stop_background, loop, thread)
            _background = loop
        return _background


def _stop_background(loop, thread):
    """At interpreter exit: cancels the callbacks still running on the private loop (those that
    outlived their callback_timeout_ms: the host no longer waits for them), so that each drops
    its _CallbackReply before the extension is torn down, and stops the loop."""
    import asyncio

    async def cancel_all():
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    if loop.is_closed() or not thread.is_alive():
        return
    try:
        asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout=2)
    except Exception:  # a callback that ignores cancellation: give up on it, exit anyway
        pass
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=2)


def _async_invoker(name, fn):
    import asyncio
    import json

    def invoke(arguments_json, reply):
        loop = target_loop.get()
        if loop is None or loop.is_closed():
            loop = _background_loop()

        async def run():
            try:
                reply.succeed(_result_json(name, await fn(**json.loads(arguments_json))))
            except Exception as error:
                reply.fail(_describe(error))

        asyncio.run_coroutine_threadsafe(run(), loop)

    return invoke


def normalize(callbacks):
    """(name, description, schema_json, invoker, is_async) for each callback of a
    CallbackRegistry or a list of dicts {"name", "fn", "description", "schema"} and registries."""
    import json

    if isinstance(callbacks, CallbackRegistry):
        entries = list(callbacks)
    elif isinstance(callbacks, (list, tuple)):
        # Items are dicts or whole registries (callbacks=[registry, mcp_manager]: the MCP managers
        # are taken out in C++, python/src/mcp.cpp).
        registry = CallbackRegistry()
        registries = []
        for item in callbacks:
            if isinstance(item, CallbackRegistry):
                registries.append(item)
                continue
            if not isinstance(item, dict) or "fn" not in item:
                raise TypeError(
                    'each callback must be a dict with at least "fn" (and "name"), '
                    "a CallbackRegistry or an MCPManager"
                )
            unknown = set(item) - {"name", "fn", "description", "schema"}
            if unknown:
                raise TypeError(f"unknown callback keys: {', '.join(sorted(unknown))}")
            registry.add(
                item["fn"],
                name=item.get("name"),
                description=item.get("description"),
                schema=item.get("schema"),
            )
        entries = list(registry)
        for item in registries:
            entries.extend(item)
    else:
        raise TypeError(
            "callbacks must be an eryx.CallbackRegistry, an eryx.MCPManager or a list of them "
            "and of dicts"
        )
    specs = []
    for entry in entries:
        name, fn = entry["name"], entry["fn"]
        is_async = _is_async(fn)
        invoker = _async_invoker(name, fn) if is_async else _sync_invoker(name, fn)
        specs.append((name, entry["description"] or "", json.dumps(entry["schema"]), invoker, is_async))
    return specs
