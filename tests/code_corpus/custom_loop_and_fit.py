# Modelled on the Keras guide "Writing a training loop from scratch" (https://keras.io/guides/writing_a_training_loop_from_scratch/),
# where a custom loop sits beside a plain fit for comparison.
import numpy as np
import tensorflow as tf
import keras

x_train = np.random.rand(512, 4).astype("float32")
y_train = np.random.rand(512, 1).astype("float32")
model = keras.Sequential([keras.layers.Dense(1)])
optimizer = keras.optimizers.SGD(learning_rate=1e-3)
loss_fn = keras.losses.MeanSquaredError()
train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(64)

for epoch in range(2):
    for step, (x_batch, y_batch) in enumerate(train_dataset):
        with tf.GradientTape() as tape:
            loss_value = loss_fn(y_batch, model(x_batch, training=True))
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))

model.compile(optimizer="sgd", loss="mse")
model.fit(train_dataset, epochs=2)
