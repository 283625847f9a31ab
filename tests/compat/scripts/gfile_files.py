"""tf.gfile: write, read, list, copy, rename, stat and delete files in a folder given on the command line."""
import sys

import tensorflow as tf

root = sys.argv[1]
d = root + "/logs/run1"
print("exists before:", tf.gfile.Exists(d))
tf.gfile.MakeDirs(d)
print("is dir:", tf.gfile.IsDirectory(d))
with tf.gfile.GFile(d + "/notes.txt", "w") as f:
    f.write("first line\n")
    f.write("second line\n")
with tf.gfile.Open(d + "/notes.txt") as f:
    print("lines:", [line.rstrip("\n") for line in f])
with tf.gfile.GFile(d + "/notes.txt", "r") as f:
    print("readline:", repr(f.readline()), "size:", f.size())
with tf.gfile.FastGFile(d + "/blob.bin", "wb") as f:
    f.write(bytes(range(5)))
with tf.gfile.GFile(d + "/blob.bin", "rb") as f:
    print("bytes:", list(f.read()))
tf.gfile.Copy(d + "/notes.txt", d + "/copy.txt")
try:
    tf.gfile.Copy(d + "/notes.txt", d + "/copy.txt")
except tf.errors.AlreadyExistsError:
    print("copy refused: already exists")
tf.gfile.Rename(d + "/copy.txt", d + "/moved.txt")
print("listing:", sorted(tf.gfile.ListDirectory(d)))
print("glob:", sorted(p.rsplit("/", 1)[1] for p in tf.gfile.Glob(d + "/*.txt")))
print("stat length:", tf.gfile.Stat(d + "/moved.txt").length)
print("walk:", [(top[len(root):], sorted(files)) for top, _, files in tf.gfile.Walk(root + "/logs")])
tf.gfile.Remove(d + "/moved.txt")
try:
    tf.gfile.Remove(d + "/moved.txt")
except tf.errors.NotFoundError:
    print("remove refused: not found")
tf.gfile.DeleteRecursively(root + "/logs")
print("exists after:", tf.gfile.Exists(root + "/logs"))
