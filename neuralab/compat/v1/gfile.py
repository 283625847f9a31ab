"""``tf.gfile`` (and TF 2's ``tf.io.gfile``): TF's file API over the local file system.

Errors are TF's: a missing file or folder raises ``tf.errors.NotFoundError``,
copying or renaming onto an existing file without ``overwrite=True`` raises
``tf.errors.AlreadyExistsError``. ``GFile(name, mode)`` reads and writes like
Python's ``open`` (``str`` in text modes, ``bytes`` with ``"b"``), plus
``size()`` and TF's ``seek(offset, whence)``. ``tf.resource_loader`` finds data
files next to the calling script.
"""
from __future__ import annotations

import glob as _glob
import os
import shutil
import sys
import types as _pytypes

from . import errors
from .missing import module_getattr


def _path(p):
    return os.fsdecode(p) if isinstance(p, (bytes, os.PathLike)) else str(p)


def _not_found(path, e=None):
    why = e.strerror if e is not None and e.strerror else "No such file or directory"
    return errors.NotFoundError(None, None, f"{path}; {why}")


class GFile:
    """tf.gfile.GFile(name, mode="r"): a file object (read/write/readline/readlines/iteration/seek/tell/size)."""

    def __init__(self, name, mode="r"):
        self.name, self.mode = _path(name), mode
        try:
            self._f = open(self.name, mode)  # noqa: SIM115 - closed by close()/__exit__
        except FileNotFoundError as e:
            raise _not_found(self.name, e) from None
        except IsADirectoryError:
            raise errors.FailedPreconditionError(None, None, f"{self.name}; Is a directory") from None
        except PermissionError as e:
            raise errors.OpError(None, None, f"{self.name}; {e.strerror}") from None

    def read(self, n=-1):
        """Read ``n`` characters/bytes (all by default)."""
        return self._f.read(n)

    def readline(self):
        """The next line (with its newline), or an empty string at the end."""
        return self._f.readline()

    def readlines(self):
        """All remaining lines."""
        return self._f.readlines()

    def write(self, data):
        """Write ``data`` (str in text modes, bytes in binary modes; text given to a binary file is encoded)."""
        if "b" in self.mode and isinstance(data, str):
            data = data.encode()
        elif "b" not in self.mode and isinstance(data, (bytes, bytearray)):
            data = bytes(data).decode()
        return self._f.write(data)

    def flush(self):
        """Flush buffered writes."""
        self._f.flush()

    def close(self):
        """Close the file."""
        self._f.close()

    def seek(self, offset=None, whence=0, position=None):
        """Move to ``offset`` (TF's ``position=`` also accepted) relative to ``whence`` (0 start, 1 here, 2 end)."""
        return self._f.seek(position if offset is None else offset, whence)

    def tell(self):
        """The current position."""
        return self._f.tell()

    def size(self):
        """The file's size in bytes."""
        return os.path.getsize(self.name)

    def seekable(self):
        """True: local files can seek."""
        return True

    def __iter__(self):
        return iter(self._f)

    def __next__(self):
        return next(self._f)

    def next(self):  # noqa: A003 - TF's (Python 2) name
        """The next line (StopIteration at the end)."""
        return next(self._f)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def closed(self):
        """Whether the file is closed."""
        return self._f.closed


FastGFile = GFile
Open = GFile


def Exists(filename):  # noqa: N802 - TF's names
    """True if the path exists (file or folder)."""
    return os.path.exists(_path(filename))


def IsDirectory(dirname):  # noqa: N802
    """True if the path is a folder."""
    return os.path.isdir(_path(dirname))


def MakeDirs(dirname):  # noqa: N802
    """Create the folder and its parents (no error if it exists)."""
    p = _path(dirname)
    if os.path.isfile(p):
        raise errors.FailedPreconditionError(None, None, f"{p}; Not a directory")
    os.makedirs(p, exist_ok=True)


def MkDir(dirname):  # noqa: N802
    """Create one folder: NotFoundError when its parent is missing, AlreadyExistsError when it exists."""
    p = _path(dirname)
    try:
        os.mkdir(p)
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, f"{p}; File exists") from None
    except FileNotFoundError as e:
        raise _not_found(p, e) from None


def ListDirectory(dirname):  # noqa: N802
    """The names (not paths) of the entries of a folder; NotFoundError if it does not exist."""
    p = _path(dirname)
    if not os.path.isdir(p):
        raise _not_found(p)
    return os.listdir(p)


def Glob(filename):  # noqa: N802
    """The paths matching a pattern (or any of a list of patterns)."""
    pats = [filename] if isinstance(filename, (str, bytes, os.PathLike)) else list(filename)
    out = []
    for pat in pats:
        out.extend(_glob.glob(_path(pat)))
    return out


def Remove(filename):  # noqa: N802
    """Delete a file; NotFoundError if it does not exist."""
    p = _path(filename)
    try:
        os.remove(p)
    except FileNotFoundError as e:
        raise _not_found(p, e) from None


def DeleteRecursively(dirname):  # noqa: N802
    """Delete a folder and everything in it (or a file); NotFoundError if it does not exist."""
    p = _path(dirname)
    if not os.path.exists(p):
        raise _not_found(p)
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p)
    else:
        os.remove(p)


def _source_and_target(src, dst, overwrite):
    src, dst = _path(src), _path(dst)
    if not os.path.exists(src):
        raise _not_found(src)
    if os.path.exists(dst) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"{dst}; File already exists")
    return src, dst


def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
    """Copy a file; AlreadyExistsError if ``newpath`` exists and not ``overwrite``."""
    src, dst = _source_and_target(oldpath, newpath, overwrite)
    shutil.copyfile(src, dst)


def Rename(oldname, newname, overwrite=False):  # noqa: N802
    """Rename (move) a file or folder; AlreadyExistsError if ``newname`` exists and not ``overwrite``."""
    src, dst = _source_and_target(oldname, newname, overwrite)
    os.replace(src, dst)


class FileStatistics:
    """What Stat returns: ``length`` (bytes), ``mtime_nsec``, ``is_directory``."""

    def __init__(self, length, mtime_nsec, is_directory):
        self.length, self.mtime_nsec, self.is_directory = length, mtime_nsec, is_directory

    def __repr__(self):
        return f"FileStatistics(length={self.length}, mtime_nsec={self.mtime_nsec}, is_directory={self.is_directory})"


def Stat(filename):  # noqa: N802
    """A FileStatistics of the path; NotFoundError if it does not exist."""
    p = _path(filename)
    try:
        st = os.stat(p)
    except FileNotFoundError as e:
        raise _not_found(p, e) from None
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(p))


def Walk(top, in_order=True):  # noqa: N802
    """(folder, subfolder names, file names) for ``top`` and every folder below it (``os.walk``)."""
    yield from os.walk(_path(top), topdown=in_order)


__getattr__ = module_getattr(__name__, "tf.gfile")

__all__ = ["Copy", "DeleteRecursively", "Exists", "FastGFile", "FileStatistics", "GFile", "Glob", "IsDirectory",
           "ListDirectory", "MakeDirs", "MkDir", "Open", "Remove", "Rename", "Stat", "Walk"]


# -- tf.io.gfile: TF 2's lower-case names for the same functions -------------------------------

io_gfile = _pytypes.ModuleType("tf.io.gfile", "tf.io.gfile: TF 2's names for tf.gfile's functions.")
for _tf2, _fn in {"GFile": GFile, "exists": Exists, "isdir": IsDirectory, "makedirs": MakeDirs, "mkdir": MkDir,
                  "listdir": ListDirectory, "glob": Glob, "remove": Remove, "rmtree": DeleteRecursively,
                  "copy": Copy, "rename": Rename, "stat": Stat, "walk": Walk}.items():
    setattr(io_gfile, _tf2, _fn)
io_gfile.__getattr__ = module_getattr("tf.io.gfile", "tf.io.gfile")


# -- tf.resource_loader ------------------------------------------------------------------------

def _caller_dir():
    f = sys._getframe(2)
    return os.path.dirname(os.path.abspath(f.f_globals.get("__file__") or f.f_code.co_filename))


def get_data_files_path():
    """tf.resource_loader.get_data_files_path: the folder of the calling script."""
    return _caller_dir()


def get_root_dir_with_all_resources():
    """tf.resource_loader.get_root_dir_with_all_resources: the folder of the calling script."""
    return _caller_dir()


def get_path_to_datafile(path):
    """tf.resource_loader.get_path_to_datafile: ``path`` relative to the calling script's folder."""
    return os.path.join(_caller_dir(), _path(path))


def load_resource(path):
    """tf.resource_loader.load_resource: the bytes of ``path`` (relative to the calling script's folder)."""
    p = os.path.join(_caller_dir(), _path(path))
    try:
        with open(p, "rb") as fh:
            return fh.read()
    except FileNotFoundError as e:
        raise OSError(f"tf.resource_loader.load_resource: {p}: {e.strerror}") from None


def readahead_file_path(path, readahead="128M"):
    """tf.resource_loader.readahead_file_path: ``path`` itself."""
    return path


resource_loader = _pytypes.ModuleType("tf.resource_loader", "tf.resource_loader: data files next to the script.")
for _fn in (get_data_files_path, get_root_dir_with_all_resources, get_path_to_datafile, load_resource,
            readahead_file_path):
    setattr(resource_loader, _fn.__name__, _fn)
resource_loader.__getattr__ = module_getattr("tf.resource_loader", "tf.resource_loader")
