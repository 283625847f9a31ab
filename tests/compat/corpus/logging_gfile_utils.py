# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# Program scaffolding: tf.logging levels, tf.gfile (MakeDirs, Exists, GFile write/read, ListDirectory, Glob,
# Remove, DeleteRecursively), tf.resource_loader, tf.__version__.
# expect: has("version starts with 1.: True")
# expect: has("exists: True lines: ['alpha', 'beta']")
# expect: has("listing: ['a.txt', 'b.txt'] glob: ['out/a.txt']")
# expect: has("after delete: False")
# expect: has("verbosity is INFO: True")
import os

import tensorflow as tf

print("version starts with 1.:", tf.__version__.startswith("1."))
tf.logging.set_verbosity(tf.logging.INFO)
print("verbosity is INFO:", tf.logging.get_verbosity() == tf.logging.INFO)
tf.logging.info("training %d steps", 10)

out_dir = "out"
if not tf.gfile.Exists(out_dir):
    tf.gfile.MakeDirs(out_dir)
with tf.gfile.GFile(os.path.join(out_dir, "a.txt"), "w") as f:
    f.write("alpha\nbeta\n")
with tf.gfile.Open(os.path.join(out_dir, "b.txt"), "w") as f:
    f.write("x")
with tf.gfile.GFile(os.path.join(out_dir, "a.txt")) as f:
    lines = [line.strip() for line in f]
print("exists:", tf.gfile.Exists(os.path.join(out_dir, "a.txt")), "lines:", lines)
print("listing:", sorted(tf.gfile.ListDirectory(out_dir)), "glob:", tf.gfile.Glob(os.path.join(out_dir, "a*")))
tf.gfile.Remove(os.path.join(out_dir, "b.txt"))
tf.gfile.DeleteRecursively(out_dir)
print("after delete:", tf.gfile.IsDirectory(out_dir))
