"""Strawberry's extension runner, with each extension class's hooks prepared once.

Strawberry finds an operation's hooks anew on every request: for each of its four
phases (operation, parsing, validation, execution) and each of the schema's extensions
it inspects the hook (generator, async generator or plain function) and wraps a
generator hook into a context manager through ``contextlib.contextmanager``, whose
``functools.update_wrapper`` copies the function's attributes each time. With four
extensions that is 16 inspections and 5 wrappers a request, about 40% of a trivial
operation's Python calls. Which kind a hook is depends on its class alone, so here the
wrapper is made once per class and bound to each request's extension with a
``functools.partial``: the same context manager, entered and exited by Strawberry's own
phase managers exactly as before. A hook of another kind takes Strawberry's own way.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from typing import Any, Final

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

# Where a class keeps its prepared hooks: in its own namespace, so they go with the
# class (the metrics extension is a class of its own per app, and an app is replaced
# on reload).
_PREPARED = "__switchboard_hooks__"
_OWN_WAY: Final = object()  # a hook Strawberry wraps itself (a plain or coroutine function)
_UNSEEN: Final = object()

Prepared = tuple[Callable[..., Any], bool] | None


def _prepare(cls: type[SchemaExtension], name: str) -> Prepared | object:
    hook = getattr(cls, name)
    if hook is getattr(SchemaExtension, name):
        return None
    if inspect.isgeneratorfunction(hook):
        return contextlib.contextmanager(hook), False
    if inspect.isasyncgenfunction(hook):
        return contextlib.asynccontextmanager(hook), True
    return _OWN_WAY


class _PreparedHooks(ExtensionContextManagerBase):
    __slots__ = ()

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        cls = type(extension)
        prepared: dict[str, Any] | None = cls.__dict__.get(_PREPARED)
        if prepared is None:
            prepared = {}
            setattr(cls, _PREPARED, prepared)
        found = prepared.get(self.HOOK_NAME, _UNSEEN)
        if found is _UNSEEN:
            found = prepared[self.HOOK_NAME] = _prepare(cls, self.HOOK_NAME)
        if found is None:
            return None
        if found is _OWN_WAY:
            return super().get_hook(extension)
        make, is_async = found
        bound = functools.partial(make, extension)
        return WrappedHook(extension=extension, hook=bound, is_async=is_async)


class _Operation(_PreparedHooks, OperationContextManager):
    __slots__ = ()


class _Validation(_PreparedHooks, ValidationContextManager):
    __slots__ = ()


class _Parsing(_PreparedHooks, ParsingContextManager):
    __slots__ = ()


class _Executing(_PreparedHooks, ExecutingContextManager):
    __slots__ = ()


class PreparedHooksRunner(SchemaExtensionsRunner):
    """Strawberry's runner; its phases find the hooks through :class:`_PreparedHooks`."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)


__all__ = ["PreparedHooksRunner"]
