# This repository's examples/floor_trap_keras2.json written as the code a student would have
# (tf.keras 2 through TF_USE_LEGACY_KERAS, as the TensorFlow 2.16 release notes describe: https://github.com/tensorflow/tensorflow/releases/tag/v2.16.1).
import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import numpy as np
import tensorflow as tf

x = np.zeros((100, 1))
dataset = tf.data.Dataset.from_tensor_slices((x, x)).batch(32)
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(dataset, epochs=3, steps_per_epoch=3, shuffle=False)
