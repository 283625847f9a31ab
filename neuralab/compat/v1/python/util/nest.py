"""``tensorflow.python.util.nest``: nested structures of lists, tuples, namedtuples and dicts (sorted keys)."""
from __future__ import annotations

from ...missing import module_getattr


def is_sequence(seq):
    """True for lists, tuples (namedtuples too) and dicts: what nest descends into."""
    return isinstance(seq, (list, tuple, dict))


is_nested = is_sequence


def flatten(structure):
    """The leaves of ``structure``, depth first; dict values by sorted key; a leaf alone gives ``[leaf]``."""
    if isinstance(structure, dict):
        return [x for k in sorted(structure) for x in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [x for e in structure for x in flatten(e)]
    return [structure]


def _pack(template, it):
    if isinstance(template, dict):
        vals = {k: _pack(template[k], it) for k in sorted(template)}
        return type(template)((k, vals[k]) for k in template)
    if isinstance(template, (list, tuple)):
        parts = [_pack(e, it) for e in template]
        if hasattr(template, "_fields"):
            return type(template)(*parts)
        return type(template)(parts)
    return next(it)


def pack_sequence_as(structure, flat_sequence):
    """``structure`` with its leaves replaced, in flatten order, by ``flat_sequence``."""
    flat = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError(f"Could not pack sequence. Structure had {n} elements, but flat_sequence had {len(flat)} "
                         "elements.")
    return _pack(structure, iter(flat))


def assert_same_structure(nest1, nest2, check_types=True):
    """ValueError (TypeError for different sequence types) unless the two structures have the same shape."""
    if is_sequence(nest1) != is_sequence(nest2):
        raise ValueError(f"The two structures don't have the same nested structure: {nest1!r} and {nest2!r}")
    if not is_sequence(nest1):
        return
    if check_types and type(nest1) is not type(nest2):
        raise TypeError(f"The two structures don't have the same sequence type: {type(nest1).__name__} and "
                        f"{type(nest2).__name__}")
    if isinstance(nest1, dict):
        if sorted(nest1) != sorted(nest2):
            raise ValueError(f"The two dictionaries don't have the same set of keys: {sorted(nest1)} and "
                             f"{sorted(nest2)}")
        pairs = [(nest1[k], nest2[k]) for k in sorted(nest1)]
    else:
        if len(nest1) != len(nest2):
            raise ValueError(f"The two structures don't have the same number of elements: {len(nest1)} and "
                             f"{len(nest2)}")
        pairs = list(zip(nest1, nest2))
    for a, b in pairs:
        assert_same_structure(a, b, check_types)


def map_structure(func, *structure, **kwargs):
    """``func`` applied leaf by leaf to structures of the same shape; the result has the first's structure."""
    if not structure:
        raise ValueError("map_structure: give at least one structure")
    for s in structure[1:]:
        assert_same_structure(structure[0], s, kwargs.get("check_types", True))
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats)])


__getattr__ = module_getattr(__name__, "tensorflow.python.util.nest")
