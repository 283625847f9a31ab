"""Queue pipeline with num_epochs: slice_input_producer + shuffle_batch, the coordinator's try/finally idiom.

Counts the examples the training loop sees until the input producer's epoch
limit closes the queues (OutOfRangeError), with allow_smaller_final_batch so
the last short batch is delivered too. Prints the count and the sum of the
labels seen, which must be num_epochs times the data's.
"""
import numpy as np
import tensorflow as tf

tf.set_random_seed(5)
images = np.arange(23 * 4, dtype=np.float32).reshape(23, 4)
labels = np.arange(23, dtype=np.int32)
num_epochs = 3

image, label = tf.train.slice_input_producer([images, labels], num_epochs=num_epochs, shuffle=True)
image = image * 2.0
image_batch, label_batch = tf.train.shuffle_batch([image, label], batch_size=5, capacity=30, min_after_dequeue=10,
                                                  num_threads=2, allow_smaller_final_batch=True)

with tf.Session() as sess:
    sess.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess=sess, coord=coord)
    seen, label_sum, pixel_sum, batches = 0, 0, 0.0, 0
    try:
        while not coord.should_stop():
            xb, yb = sess.run([image_batch, label_batch])
            seen += len(yb)
            label_sum += int(yb.sum())
            pixel_sum += float(xb.sum())
            batches += 1
    except tf.errors.OutOfRangeError:
        print("Done training -- epoch limit reached")
    finally:
        coord.request_stop()
    coord.join(threads)
    print("seen:", seen, "label sum:", label_sum, "pixel sum:", pixel_sum, "batches:", batches)
    print("expected:", num_epochs * len(labels), num_epochs * int(labels.sum()), num_epochs * 2 * float(images.sum()))
