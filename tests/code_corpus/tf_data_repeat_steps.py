# Modelled on the TensorFlow guide "tf.data: Build TensorFlow input pipelines", section on repeat and steps_per_epoch
# (https://www.tensorflow.org/guide/data).
import numpy as np
import tensorflow as tf

x_train = np.random.random((2000, 16)).astype("float32")
y_train = np.random.randint(0, 2, size=(2000, 1))
BATCH_SIZE = 64

dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
dataset = dataset.shuffle(buffer_size=1024).batch(BATCH_SIZE).repeat()

model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(dataset, epochs=3, steps_per_epoch=len(x_train) // BATCH_SIZE)
