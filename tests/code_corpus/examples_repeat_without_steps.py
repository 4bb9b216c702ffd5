# This repository's examples/repeat_without_steps.json written as the code a student would have
# (a dataset repeated forever and no steps_per_epoch: the first epoch never ends).
import numpy as np
import tensorflow as tf

ds = tf.data.Dataset.from_tensor_slices(np.arange(1000)).batch(32).repeat()
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(ds, epochs=5, shuffle=False)
