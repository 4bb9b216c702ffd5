# Modelled on Stack Overflow answers "How to split a tf.data.Dataset into train and validation"
# (https://stackoverflow.com/questions/48213766/split-a-dataset-created-by-tensorflow-dataset-api-in-to-train-and-test).
import numpy as np
import tensorflow as tf

features = np.random.rand(1200, 3)
labels = np.random.rand(1200)
full = tf.data.Dataset.from_tensor_slices((features, labels)).shuffle(1200, reshuffle_each_iteration=False)
train_size = int(0.8 * 1200)
train_ds = full.take(train_size).batch(32)
val_ds = full.skip(train_size).batch(32)

model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(train_ds, validation_data=val_ds, epochs=5)
