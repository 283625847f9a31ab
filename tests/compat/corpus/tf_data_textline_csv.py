# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# CSV through tf.data: TextLineDataset(...).skip(1) for the header, map() with tf.decode_csv, batch, repeat,
# an initializable iterator re-run per epoch; logistic regression on the diabetes-style table.
# expect: last("epoch 20 accuracy") > 0.8
# expect: has("element: (TensorShape([Dimension(8)]), TensorShape([Dimension(1)]))")
# expect: count("(600 examples)") == 3
# expect: values("epoch 20 accuracy")[0] >= values("epoch 1 accuracy")[0]
import tensorflow as tf

with open("data-diabetes.csv") as f:
    body = f.read()
with open("diabetes_with_header.csv", "w") as f:
    f.write("f1,f2,f3,f4,f5,f6,f7,f8,label\n" + body)


def parse_line(line):
    cols = tf.decode_csv(line, record_defaults=[[0.0]] * 9)
    return tf.stack(cols[:8]), tf.stack(cols[8:])


dataset = tf.data.TextLineDataset("diabetes_with_header.csv").skip(1).map(parse_line)
print("element:", dataset.output_shapes)
iterator = dataset.batch(50).make_initializable_iterator()
x, y = iterator.get_next()

W = tf.Variable(tf.zeros([8, 1]))
b = tf.Variable(0.0)
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
correct = tf.reduce_sum(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), y), tf.float32))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
batch_n = tf.shape(x)[0]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(1, 21):
        sess.run(iterator.initializer)
        right = total = 0
        while True:
            try:
                _, c, n = sess.run([train, correct, batch_n])
            except tf.errors.OutOfRangeError:
                break
            right += c
            total += n
        if epoch in (1, 10, 20):
            print("epoch %d accuracy %.3f (%d examples)" % (epoch, right / total, total))
