# Modelled on Stack Overflow questions about "ValueError: `validation_split` is only supported for Tensors or NumPy arrays"
# (https://stackoverflow.com/questions/tagged/tensorflow-datasets+validation): the code has a real error Keras raises.
import numpy as np
import tensorflow as tf

x = np.random.rand(800, 6)
y = np.random.randint(0, 2, 800)
dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(800).batch(40)

model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(dataset, epochs=5, validation_split=0.2)
