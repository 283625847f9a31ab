"""``tensorflow.python.lib.io.file_io``: TF's file functions under their file_io names (over ``tf.gfile``)."""
from __future__ import annotations

from .... import gfile as _g
from ....missing import module_getattr

FileIO = _g.GFile
file_exists = _g.Exists
delete_file = _g.Remove
get_matching_files = _g.Glob
create_dir = _g.MkDir
recursive_create_dir = _g.MakeDirs
copy = _g.Copy
rename = _g.Rename
delete_recursively = _g.DeleteRecursively
is_directory = _g.IsDirectory
list_directory = _g.ListDirectory
walk = _g.Walk
stat = _g.Stat


def read_file_to_string(filename, binary_mode=False):
    """The whole file, as ``str`` (``bytes`` with ``binary_mode``)."""
    with _g.GFile(filename, "rb" if binary_mode else "r") as f:
        return f.read()


def write_string_to_file(filename, file_content):
    """Write ``file_content`` (str or bytes) to ``filename``, replacing it."""
    with _g.GFile(filename, "wb" if isinstance(file_content, bytes) else "w") as f:
        f.write(file_content)


__getattr__ = module_getattr(__name__, "tensorflow.python.lib.io.file_io")
