"""tf.logging: verbosity levels and the counted helpers, printed to stderr as TF 1.x prints them."""
import tensorflow as tf

tf.logging.info("hidden: the default verbosity is WARN")
tf.logging.warn("shown at the default verbosity")
tf.logging.set_verbosity(tf.logging.INFO)
print("verbosity", tf.logging.get_verbosity())
tf.logging.info("step %d loss %.2f", 7, 0.25)
for i in range(7):
    tf.logging.log_every_n(tf.logging.INFO, "every 3: %d", 3, i)
    tf.logging.log_first_n(tf.logging.WARN, "first 2: %d", 2, i)
tf.logging.debug("hidden: below INFO")
tf.logging.set_verbosity(tf.logging.ERROR)
tf.logging.warning("hidden: below ERROR")
tf.logging.error("an error")
