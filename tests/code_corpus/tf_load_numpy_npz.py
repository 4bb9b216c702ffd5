# Modelled on the TensorFlow tutorial "Load NumPy data" (https://www.tensorflow.org/tutorials/load_data/numpy).
import numpy as np
import tensorflow as tf

with np.load("mnist.npz") as data:
    train_examples = data["x_train"]
    train_labels = data["y_train"]
    test_examples = data["x_test"]
    test_labels = data["y_test"]

train_dataset = tf.data.Dataset.from_tensor_slices((train_examples, train_labels))
test_dataset = tf.data.Dataset.from_tensor_slices((test_examples, test_labels))

BATCH_SIZE = 64
SHUFFLE_BUFFER_SIZE = 100

train_dataset = train_dataset.shuffle(SHUFFLE_BUFFER_SIZE).batch(BATCH_SIZE)
test_dataset = test_dataset.batch(BATCH_SIZE)

model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(28, 28)), tf.keras.layers.Dense(10)])
model.compile(optimizer=tf.keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(train_dataset, epochs=10)
