# This repository's examples/mnist.json written as the code a student would have.
import keras

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, batch_size=64, epochs=3, shuffle=False, validation_data=(x_test, y_test))
