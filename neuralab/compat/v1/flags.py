"""``tf.flags`` / ``tf.app.flags``: absl-style command-line flags (``FLAGS.learning_rate``).

Define flags at module level, read them as attributes of :data:`FLAGS`::

    flags.DEFINE_integer("epochs", 15, "passes over the data")
    FLAGS = flags.FLAGS
    ...
    FLAGS.epochs          # parsed from sys.argv on first access (TF 1.x's behaviour), or by tf.app.run

Parsing follows absl: ``--name=value``, ``--name value``, ``-name=value``;
booleans also as ``--name`` / ``--noname`` (and ``=true``/``false``/``1``/``0``);
lists are comma-separated; ``--`` ends the flags; other arguments are kept, in
order, in the list returned by ``FLAGS(argv)`` (``argv[0]`` first). An unknown
flag raises :class:`UnrecognizedFlagError` ("Unknown command line flag 'x'"),
unless ``known_only=True`` (what ``tf.app.run`` uses, as TF 1.x does), which
passes it on; a bad value raises :class:`IllegalFlagValueError`
("flag --epochs=abc: ..."). Defining a flag twice raises
:class:`DuplicateFlagError`, except from a module of the same name run again
(the same script run twice in one process), which redefines it.
"""
from __future__ import annotations

import sys

from .missing import module_getattr


class Error(Exception):
    """absl.flags.Error: the base class of flag errors."""


class UnrecognizedFlagError(Error):
    """A command-line flag that no DEFINE_* defined."""

    def __init__(self, flagname, flagvalue="", suggestions=None):
        self.flagname, self.flagvalue = flagname, flagvalue
        super().__init__(f"Unknown command line flag '{flagname}'")


class IllegalFlagValueError(Error):
    """A value the flag's type (or bounds, or enum values) does not accept."""


class DuplicateFlagError(Error):
    """A flag defined twice."""


class ValidationError(Error):
    """A required flag without a value (mark_flag_as_required)."""


_TRUE, _FALSE = ("true", "t", "1"), ("false", "f", "0")


def _parse_bool(s):
    if isinstance(s, bool):
        return s
    v = str(s).strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError("Non-boolean argument to boolean flag")


class Flag:
    """One flag: name, help text, default, current value and the function parsing its strings."""

    def __init__(self, name, default, help, parse, kind, module, boolean=False, multi=False,
                 short_name=None):  # noqa: A002 - absl's argument name
        self.name, self.help, self.kind = name, help or "", kind
        self._parse_fn, self.boolean, self.multi = parse, boolean, multi
        self.short_name = short_name
        self.module, self.module_name = module, module.get("__name__", "?") if isinstance(module, dict) else "?"
        self.default = self._coerce(default)
        self.value = self.default
        self.present = 0
        self.using_default_value = True

    def _coerce(self, v):
        if v is None:
            return None
        if self.multi:
            items = v if isinstance(v, (list, tuple)) else [v]
            return [self._parse_fn(x) if isinstance(x, str) else x for x in items]
        return self._parse_fn(v) if isinstance(v, str) or self.kind in ("enum", "list") else v

    def parse(self, text):
        """Set the value from a command-line string (appends for multi flags)."""
        try:
            v = self._parse_fn(text)
        except (ValueError, TypeError) as e:
            raise IllegalFlagValueError(f"flag --{self.name}={text}: {e}") from None
        if self.multi:
            self.value = (self.value if self.present else []) + [v]
        else:
            self.value = v
        self.present += 1
        self.using_default_value = False

    def reset(self):
        """Back to the default, not given on the command line."""
        self.value, self.present, self.using_default_value = self.default, 0, True

    def __repr__(self):
        return f"<Flag --{self.name}={self.value!r}>"


class FlagValues:
    """absl's FlagValues: the registry of flags; attribute access gives values (parsing sys.argv first)."""

    def __init__(self):
        self.__dict__["_flags"] = {}
        self.__dict__["_parsed"] = False
        self.__dict__["_required"] = []

    # -- definition -----------------------------------------------------------------------------
    def _define(self, flag):
        old = self._flags.get(flag.name)
        if old is not None:
            same_name = old.module_name == flag.module_name
            if not same_name or old.module is flag.module:
                raise DuplicateFlagError(f"The flag '{flag.name}' is defined twice. First from {old.module_name}, "
                                         f"Second from {flag.module_name}.  Description from first occurrence: "
                                         f"{old.help}")
        self._flags[flag.name] = flag
        self.__dict__["_parsed"] = False  # a (re)defined flag takes its value from the next parse
        return flag

    # -- access ---------------------------------------------------------------------------------
    def __getattr__(self, name):
        fl = self.__dict__["_flags"].get(name)
        if fl is None:
            raise AttributeError(name)
        if not self.__dict__["_parsed"]:
            self(sys.argv, known_only=True)
        return fl.value

    def __setattr__(self, name, value):
        fl = self._flags.get(name)
        if fl is None:
            raise UnrecognizedFlagError(name, value)
        fl.value = value
        fl.using_default_value = False

    def __delattr__(self, name):
        if name not in self._flags:
            raise AttributeError(name)
        del self._flags[name]

    def __getitem__(self, name):
        return self._flags[name]

    def __contains__(self, name):
        return name in self._flags

    def __iter__(self):
        return iter(self._flags)

    def __len__(self):
        return len(self._flags)

    def __dir__(self):
        return sorted(self._flags)

    def flag_values_dict(self):
        """{name: value} of every flag (parsing sys.argv first if nothing was parsed yet)."""
        if not self._parsed:
            self(sys.argv, known_only=True)
        return {n: f.value for n, f in self._flags.items()}

    def get_flag_value(self, name, default):
        """The flag's value, or ``default`` if there is no such flag."""
        fl = self._flags.get(name)
        return default if fl is None else fl.value

    def set_default(self, name, value):
        """Change a flag's default (and its value, if it was not given on the command line)."""
        fl = self._flags.get(name)
        if fl is None:
            raise UnrecognizedFlagError(name, value)
        fl.default = fl._coerce(value)
        if fl.using_default_value:
            fl.value = fl.default

    def is_parsed(self):
        """Whether a command line was parsed."""
        return self._parsed

    def mark_as_parsed(self):
        """Use the current values (defaults) without parsing sys.argv."""
        self.__dict__["_parsed"] = True

    def unparse_flags(self):
        """Back to the defaults, unparsed."""
        for f in self._flags.values():
            f.reset()
        self.__dict__["_parsed"] = False

    # -- parsing --------------------------------------------------------------------------------
    def __call__(self, argv, known_only=False):
        """Parse ``argv`` (argv[0] is the program); returns [argv[0], *arguments that are not flags]."""
        if isinstance(argv, str):
            raise TypeError("FLAGS(argv): argv must be a list of strings, got a string")
        argv = list(argv)
        if not argv:
            raise ValueError("FLAGS(argv): argv must at least contain the program name")
        for f in self._flags.values():
            f.reset()
        rest = [argv[0]]
        args = argv[1:]
        i = 0
        while i < len(args):
            a = args[i]
            i += 1
            if a == "--":
                rest.extend(args[i:])
                break
            if not a.startswith("-") or a == "-":
                rest.append(a)
                continue
            body = a.lstrip("-")
            name, eq, value = body.partition("=")
            if name in ("help", "h", "helpfull", "helpshort", "?") and name not in self._flags:
                print(self.get_help(argv[0]))
                sys.exit(0)
            fl = self._flags.get(name)
            if fl is None and name.startswith("no") and not eq:
                neg = self._flags.get(name[2:])
                if neg is not None and neg.boolean:
                    neg.parse("false")
                    continue
            if fl is None:
                if known_only:
                    rest.append(a)
                    continue
                raise UnrecognizedFlagError(name, value)
            if not eq:
                if fl.boolean:
                    value = "true"
                elif i < len(args):
                    value = args[i]
                    i += 1
                else:
                    raise IllegalFlagValueError(f"flag --{name}: the flag needs a value (--{name}=VALUE)")
            fl.parse(value)
        self.__dict__["_parsed"] = True
        return rest

    def _check_required(self):
        for n in self._required:
            fl = self._flags.get(n)
            if fl is not None and fl.value is None:
                raise ValidationError(f"flag --{n}=None: Flag --{n} must have a value other than None.")

    def get_help(self, prog=None):
        """The help text: each flag with its help and default."""
        lines = [f"USAGE: {prog or sys.argv[0]} [flags]", "", "flags:"]
        for n in sorted(self._flags):
            f = self._flags[n]
            default = f.default if not isinstance(f.default, list) else ",".join(map(str, f.default))
            lines.append(f"  --{'[no]' if f.boolean else ''}{n}: {f.help}")
            lines.append(f"    (default: '{default}')" + (f"\n    (a {f.kind})" if f.kind not in ("string", "bool")
                                                           else ""))
        return "\n".join(lines)

    def __str__(self):
        return self.get_help()


FLAGS = FlagValues()


def _caller_globals():
    f = sys._getframe(1)
    while f is not None and f.f_globals.get("__name__") == __name__:
        f = f.f_back
    return f.f_globals if f is not None else {}


def _to_int(s):
    if not isinstance(s, str):
        return int(s)
    try:
        return int(s)
    except ValueError as e:
        try:
            return int(s, 0)  # 0x1f, 0o17, as absl accepts them
        except ValueError:
            raise e from None  # the base-10 message


def _bounded(convert, lower, upper):
    """A parser: ``convert`` the string, then check ``lower <= value <= upper`` (None: no bound)."""
    def parse(s):
        v = convert(s)
        if lower is not None and v < lower:
            raise ValueError(f"{v} is not >= {lower}")
        if upper is not None and v > upper:
            raise ValueError(f"{v} is not <= {upper}")
        return v

    return parse


def _define(name, default, help, parse, kind, flag_values, boolean=False, multi=False, short_name=None):  # noqa: A002
    fv = flag_values if flag_values is not None else FLAGS
    if not isinstance(name, str) or not name:
        raise Error(f"flag names must be non-empty strings, got {name!r}")
    return fv._define(Flag(name, default, help, parse, kind, _caller_globals(), boolean, multi, short_name))


def DEFINE_string(name, default, help, flag_values=None, short_name=None, **kwargs):  # noqa: N802, A002
    """Define a string flag."""
    return _define(name, default, help, str, "string", flag_values, short_name=short_name)


def DEFINE_integer(name, default, help, lower_bound=None, upper_bound=None, flag_values=None,  # noqa: N802, A002
                   short_name=None, **kwargs):
    """Define an integer flag (optionally bounded)."""
    return _define(name, default, help, _bounded(_to_int, lower_bound, upper_bound), "integer", flag_values,
                   short_name=short_name)


def DEFINE_float(name, default, help, lower_bound=None, upper_bound=None, flag_values=None,  # noqa: N802, A002
                 short_name=None, **kwargs):
    """Define a float flag (optionally bounded)."""
    return _define(name, default, help, _bounded(float, lower_bound, upper_bound), "float", flag_values,
                   short_name=short_name)


def DEFINE_boolean(name, default, help, flag_values=None, short_name=None, **kwargs):  # noqa: N802, A002
    """Define a boolean flag: ``--name``, ``--noname``, ``--name=false``."""
    return _define(name, default, help, _parse_bool, "bool", flag_values, boolean=True, short_name=short_name)


DEFINE_bool = DEFINE_boolean


def _split_list(s):
    if isinstance(s, (list, tuple)):
        return [str(x) for x in s]
    s = str(s).strip()
    return [x.strip() for x in s.split(",")] if s else []


def DEFINE_list(name, default, help, flag_values=None, **kwargs):  # noqa: N802, A002
    """Define a comma-separated list flag (a list of strings)."""
    return _define(name, default, help, _split_list, "list", flag_values)


def DEFINE_enum(name, default, enum_values, help, flag_values=None, case_sensitive=True, **kwargs):  # noqa: N802, A002
    """Define a flag whose value is one of ``enum_values``."""
    values = list(enum_values)
    if not values:
        raise ValueError("DEFINE_enum: enum_values must not be empty")

    def parse(s):
        for v in values:
            if s == v or (not case_sensitive and str(s).lower() == v.lower()):
                return v
        raise ValueError(f"value should be one of <{'|'.join(values)}>")

    return _define(name, default, help, parse, "enum", flag_values)


def DEFINE_multi_string(name, default, help, flag_values=None, **kwargs):  # noqa: N802, A002
    """Define a string flag that may be repeated (a list of the values given)."""
    return _define(name, default, help, str, "multi_string", flag_values, multi=True)


def DEFINE_multi_integer(name, default, help, lower_bound=None, upper_bound=None, flag_values=None,  # noqa: N802, A002
                         **kwargs):
    """Define an integer flag that may be repeated."""
    return _define(name, default, help, _bounded(_to_int, lower_bound, upper_bound), "multi_integer", flag_values,
                   multi=True)


def DEFINE_multi_float(name, default, help, lower_bound=None, upper_bound=None, flag_values=None,  # noqa: N802, A002
                       **kwargs):
    """Define a float flag that may be repeated."""
    return _define(name, default, help, _bounded(float, lower_bound, upper_bound), "multi_float", flag_values,
                   multi=True)


def mark_flag_as_required(flag_name, flag_values=None):
    """tf.app.run refuses to start while this flag is None."""
    fv = flag_values if flag_values is not None else FLAGS
    fv._required.append(flag_name)


def mark_flags_as_required(flag_names, flag_values=None):
    """mark_flag_as_required for each name."""
    for n in flag_names:
        mark_flag_as_required(n, flag_values)


__getattr__ = module_getattr(__name__, "tf.flags")

__all__ = ["DEFINE_bool", "DEFINE_boolean", "DEFINE_enum", "DEFINE_float", "DEFINE_integer", "DEFINE_list",
           "DEFINE_multi_float", "DEFINE_multi_integer", "DEFINE_multi_string", "DEFINE_string",
           "DuplicateFlagError", "Error", "FLAGS", "Flag", "FlagValues", "IllegalFlagValueError",
           "UnrecognizedFlagError", "ValidationError", "mark_flag_as_required", "mark_flags_as_required"]
