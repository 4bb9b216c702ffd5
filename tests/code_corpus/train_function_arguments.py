# Modelled on project-style training scripts that wrap fit in a function driven by argparse
# (e.g. the structure of https://github.com/keras-team/keras-io/blob/master/scripts/ examples' main()).
import argparse

import keras


def train(model, x, y, epochs, batch_size):
    model.compile(optimizer="adam", loss="mse")
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_split=0.2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
