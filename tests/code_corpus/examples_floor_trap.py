# This repository's examples/floor_trap.json written as the code a student would have.
import numpy as np
import tensorflow as tf

x = np.zeros((100, 1))
y = np.zeros((100,))
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(dataset, epochs=3, steps_per_epoch=len(x) // 32, shuffle=False)
