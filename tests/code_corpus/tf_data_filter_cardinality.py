# Modelled on the TensorFlow API docs of tf.data.Dataset.filter and tf.data.experimental.assert_cardinality
# (https://www.tensorflow.org/api_docs/python/tf/data/experimental/assert_cardinality).
import tensorflow as tf

ds = tf.data.Dataset.range(1000)
ds = ds.filter(lambda x: x % 2 == 0)
ds = ds.apply(tf.data.experimental.assert_cardinality(500))
ds = ds.map(lambda x: (tf.cast(x, tf.float32), x)).batch(50)

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(ds, epochs=2)
