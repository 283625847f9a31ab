"""``tf.contrib.framework``: ``arg_scope`` and ``add_arg_scope``."""
from __future__ import annotations

import contextlib
import functools
import threading

from ..missing import module_getattr

__getattr__ = module_getattr(__name__, "tf.contrib.framework")


class _Stack(threading.local):
    def __init__(self):
        self.scopes = [{}]


_stack = _Stack()


def _key_op(op):
    return getattr(op, "_key_op", None)


def has_arg_scope(func):
    """tf.contrib.framework.has_arg_scope: whether ``func`` takes defaults from arg_scope."""
    return _key_op(func) is not None


def current_arg_scope():
    """tf.contrib.framework.current_arg_scope: {op key: default kwargs} in force now."""
    return _stack.scopes[-1]


def add_arg_scope(func):
    """tf.contrib.framework.add_arg_scope: let ``arg_scope`` give ``func`` default keyword arguments."""
    key = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        defaults = _stack.scopes[-1].get(key)
        if defaults:
            kwargs = {**defaults, **kwargs}
        return func(*args, **kwargs)

    wrapper._key_op = key
    return wrapper


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """tf.contrib.framework.arg_scope([ops], **defaults): default keyword arguments for the listed ops.

    Explicit arguments win over the scope's; nested scopes add to (and
    override) the outer ones; ``with arg_scope(saved_scope):`` re-enters a scope
    yielded earlier.
    """
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError("When attempting to re-use a scope by supplying a dictionary, kwargs must be empty.")
        scope = dict(list_ops_or_scope)
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise TypeError("list_ops_or_scope must either be a list/tuple or reused scope (i.e. dict)")
        scope = {k: dict(v) for k, v in _stack.scopes[-1].items()}
        for op in list_ops_or_scope:
            key = _key_op(op)
            if key is None:
                raise ValueError(f"{getattr(op, '__name__', op)} is not decorated with @add_arg_scope")
            merged = dict(scope.get(key, {}))
            merged.update(kwargs)
            scope[key] = merged
    _stack.scopes.append(scope)
    try:
        yield scope
    finally:
        _stack.scopes.pop()


def arg_scoped_arguments(func):
    """tf.contrib.framework.arg_scoped_arguments: the argument names ``func`` accepts."""
    import inspect

    return list(inspect.signature(func).parameters)
