# Modelled on Stack Overflow answers about writing a Keras data generator with "while True"
# (https://stackoverflow.com/questions/tagged/keras+generator).
import numpy as np
from keras.models import Sequential
from keras.layers import Dense

X = np.random.rand(5000, 20)
Y = np.random.randint(2, size=5000)


def data_generator(x, y, batch_size=32):
    while True:
        idx = np.random.randint(0, len(x), batch_size)
        yield x[idx], y[idx]


model = Sequential([Dense(1, activation="sigmoid", input_dim=20)])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(data_generator(X, Y, batch_size=50), steps_per_epoch=100, epochs=10)
