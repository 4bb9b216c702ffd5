# This repository's examples/steps_per_execution.json written as the code a student would have.
import numpy as np
import tensorflow as tf

ds = tf.data.Dataset.from_tensor_slices((np.zeros((100, 3)), np.zeros(100))).batch(2)
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", steps_per_execution=3)
model.fit(ds, epochs=3, steps_per_epoch=2, shuffle=False)
