"""The classic datasets' sizes, for ``keras.datasets.<name>.load_data()``: (training samples, test samples).

Only datasets that ship with Keras' own loader are here, at the split Keras uses by default
(reuters and boston_housing/california_housing split 80/20 inside load_data).
"""

KNOWN_DATASETS: dict[str, tuple[int, int]] = {
    "mnist": (60_000, 10_000),
    "fashion_mnist": (60_000, 10_000),
    "cifar10": (50_000, 10_000),
    "cifar100": (50_000, 10_000),
    "imdb": (25_000, 25_000),
    "reuters": (8_982, 2_246),
    "boston_housing": (404, 102),
    "california_housing": (16_512, 4_128),
}

# tensorflow_datasets' names and split sizes, for tfds.load(name, split=...).
TFDS_DATASETS: dict[str, dict[str, int]] = {
    "mnist": {"train": 60_000, "test": 10_000},
    "fashion_mnist": {"train": 60_000, "test": 10_000},
    "cifar10": {"train": 50_000, "test": 10_000},
    "cifar100": {"train": 50_000, "test": 10_000},
    "imdb_reviews": {"train": 25_000, "test": 25_000},
    "imagenet2012": {"train": 1_281_167, "validation": 50_000},
}
